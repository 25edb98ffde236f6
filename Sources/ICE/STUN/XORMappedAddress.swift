// RFC 8489 §14.1 (MAPPED-ADDRESS) and §14.2 (XOR-MAPPED-ADDRESS).
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |0 0 0 0 0 0 0 0|    Family     |         X-Port                |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                X-Address (Variable)
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// X-Port is the port XOR the top 16 bits of the magic cookie. An IPv4 X-Address is XOR-ed with
// the cookie; an IPv6 X-Address with the cookie followed by the 96-bit transaction ID.

import Bytes

enum AddressFamily {
    static let ipv4: UInt8 = 0x01
    static let ipv6: UInt8 = 0x02
    static let ipv4ValueSize = 8
    static let ipv6ValueSize = 20
}

extension TransportAddress {
    /// Decodes a (XOR-)MAPPED-ADDRESS value; `xor` is the transaction ID for XOR-MAPPED-ADDRESS,
    /// nil for plain MAPPED-ADDRESS.
    init(stunValue value: UnsafeRawBufferPointer, xor: STUNTransactionID?) throws(STUNParseError) {
        guard value.count >= 4 else { throw .invalidAttributeValue }
        let family = value[1]
        var port = value.getUInt16(at: 2)
        if xor != nil { port ^= UInt16(truncatingIfNeeded: STUNWire.magicCookie >> 16) }
        switch family {
        case AddressFamily.ipv4:
            guard value.count == AddressFamily.ipv4ValueSize else { throw .invalidAttributeValue }
            var ip = value.getUInt32(at: 4)
            if xor != nil { ip ^= STUNWire.magicCookie }
            self = .v4(ip, port: port)
        case AddressFamily.ipv6:
            guard value.count == AddressFamily.ipv6ValueSize else { throw .invalidAttributeValue }
            var hi = value.getUInt64(at: 4)
            var lo = value.getUInt64(at: 12)
            if let id = xor {
                hi ^= UInt64(STUNWire.magicCookie) << 32 | UInt64(id.words.0)
                lo ^= UInt64(id.words.1) << 32 | UInt64(id.words.2)
            }
            self = .v6(hi, lo, port: port)
        default:
            throw .invalidAttributeValue
        }
    }

    /// Appends the (XOR-)MAPPED-ADDRESS value (without TLV header).
    func appendSTUNValue(to out: inout [UInt8], xor: STUNTransactionID?) {
        let portMask: UInt16 = xor != nil ? UInt16(truncatingIfNeeded: STUNWire.magicCookie >> 16) : 0
        out.append(0)
        switch self {
        case .v4(let ip, let port):
            out.append(AddressFamily.ipv4)
            out.writeInteger(port ^ portMask)
            out.writeInteger(xor != nil ? ip ^ STUNWire.magicCookie : ip)
        case .v6(var hi, var lo, let port):
            out.append(AddressFamily.ipv6)
            out.writeInteger(port ^ portMask)
            if let id = xor {
                hi ^= UInt64(STUNWire.magicCookie) << 32 | UInt64(id.words.0)
                lo ^= UInt64(id.words.1) << 32 | UInt64(id.words.2)
            }
            out.writeInteger(hi)
            out.writeInteger(lo)
        }
    }
}
