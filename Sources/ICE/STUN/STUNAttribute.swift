// RFC 8489 §14: STUN attributes are TLVs padded to a multiple of 4 bytes.
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |         Type                  |            Length             |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                         Value (variable)                ....
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The Length field counts the value only, not the padding.

import Bytes

/// Attribute type numbers (RFC 8489 §18.3, RFC 8445 §16.1).
public enum STUNAttributeType {
    public static let mappedAddress: UInt16 = 0x0001
    public static let username: UInt16 = 0x0006
    public static let messageIntegrity: UInt16 = 0x0008
    public static let errorCode: UInt16 = 0x0009
    public static let unknownAttributes: UInt16 = 0x000A
    public static let xorMappedAddress: UInt16 = 0x0020
    public static let priority: UInt16 = 0x0024
    public static let useCandidate: UInt16 = 0x0025
    public static let software: UInt16 = 0x8022
    public static let fingerprint: UInt16 = 0x8028
    public static let iceControlled: UInt16 = 0x8029
    public static let iceControlling: UInt16 = 0x802A

    /// RFC 8489 §14: types 0x0000–0x7FFF are comprehension-required.
    @inlinable
    public static func isComprehensionRequired(_ type: UInt16) -> Bool { type < 0x8000 }
}

/// One STUN attribute, decoded when this module knows its type and kept raw otherwise.
public enum STUNAttribute: Hashable, Sendable {
    /// MAPPED-ADDRESS (RFC 8489 §14.1), the RFC 3489 form without XOR.
    case mappedAddress(TransportAddress)
    /// XOR-MAPPED-ADDRESS (RFC 8489 §14.2); the address here is the plain (un-XOR-ed) one.
    case xorMappedAddress(TransportAddress)
    /// USERNAME (RFC 8489 §14.3); for ICE "<receiver ufrag>:<sender ufrag>".
    case username(String)
    /// MESSAGE-INTEGRITY (RFC 8489 §14.5): the 20-byte HMAC-SHA1 as received.
    /// Ignored by `serialized`, which computes it from its `integrityKey` argument.
    case messageIntegrity([UInt8])
    /// ERROR-CODE (RFC 8489 §14.8).
    case errorCode(STUNErrorCode)
    /// UNKNOWN-ATTRIBUTES (RFC 8489 §14.9), sent with a 420 error.
    case unknownAttributes([UInt16])
    /// PRIORITY (RFC 8445 §7.1.1).
    case priority(UInt32)
    /// USE-CANDIDATE (RFC 8445 §7.1.2), no value.
    case useCandidate
    /// SOFTWARE (RFC 8489 §14.14).
    case software(String)
    /// FINGERPRINT (RFC 8489 §14.7): the value as received.
    /// Ignored by `serialized`, which appends a fresh one when asked.
    case fingerprint(UInt32)
    /// ICE-CONTROLLED (RFC 8445 §7.1.3) with the sender's tie-breaker.
    case iceControlled(UInt64)
    /// ICE-CONTROLLING (RFC 8445 §7.1.3) with the sender's tie-breaker.
    case iceControlling(UInt64)
    /// Any other attribute, kept with its value (padding stripped).
    case unknown(type: UInt16, value: [UInt8])

    /// The wire type number.
    public var type: UInt16 {
        switch self {
        case .mappedAddress: return STUNAttributeType.mappedAddress
        case .xorMappedAddress: return STUNAttributeType.xorMappedAddress
        case .username: return STUNAttributeType.username
        case .messageIntegrity: return STUNAttributeType.messageIntegrity
        case .errorCode: return STUNAttributeType.errorCode
        case .unknownAttributes: return STUNAttributeType.unknownAttributes
        case .priority: return STUNAttributeType.priority
        case .useCandidate: return STUNAttributeType.useCandidate
        case .software: return STUNAttributeType.software
        case .fingerprint: return STUNAttributeType.fingerprint
        case .iceControlled: return STUNAttributeType.iceControlled
        case .iceControlling: return STUNAttributeType.iceControlling
        case .unknown(let type, _): return type
        }
    }
}

extension STUNAttribute {
    /// Decodes one attribute value. `value` is the unpadded value; `transactionID` is needed
    /// for the IPv6 XOR.
    init(type: UInt16, value: UnsafeRawBufferPointer, transactionID: STUNTransactionID) throws(STUNParseError) {
        switch type {
        case STUNAttributeType.mappedAddress:
            self = .mappedAddress(try TransportAddress(stunValue: value, xor: nil))
        case STUNAttributeType.xorMappedAddress:
            self = .xorMappedAddress(try TransportAddress(stunValue: value, xor: transactionID))
        case STUNAttributeType.username:
            self = .username(try Self.utf8(value))
        case STUNAttributeType.software:
            self = .software(try Self.utf8(value))
        case STUNAttributeType.messageIntegrity:
            guard value.count == STUNWire.integritySize else { throw .invalidAttributeValue }
            self = .messageIntegrity(Array(value))
        case STUNAttributeType.errorCode:
            self = .errorCode(try STUNErrorCode(stunValue: value))
        case STUNAttributeType.unknownAttributes:
            guard value.count % 2 == 0 else { throw .invalidAttributeValue }
            self = .unknownAttributes(stride(from: 0, to: value.count, by: 2).map { value.getUInt16(at: $0) })
        case STUNAttributeType.priority:
            guard value.count == 4 else { throw .invalidAttributeValue }
            self = .priority(value.getUInt32(at: 0))
        case STUNAttributeType.useCandidate:
            guard value.count == 0 else { throw .invalidAttributeValue }
            self = .useCandidate
        case STUNAttributeType.fingerprint:
            guard value.count == 4 else { throw .invalidAttributeValue }
            self = .fingerprint(value.getUInt32(at: 0))
        case STUNAttributeType.iceControlled:
            guard value.count == 8 else { throw .invalidAttributeValue }
            self = .iceControlled(value.getUInt64(at: 0))
        case STUNAttributeType.iceControlling:
            guard value.count == 8 else { throw .invalidAttributeValue }
            self = .iceControlling(value.getUInt64(at: 0))
        default:
            self = .unknown(type: type, value: Array(value))
        }
    }

    private static func utf8(_ value: UnsafeRawBufferPointer) throws(STUNParseError) -> String {
        guard let s = String(validating: value.assumingMemoryBound(to: UInt8.self), as: UTF8.self) else {
            throw .invalidAttributeValue
        }
        return s
    }

    /// Appends type, length, value and padding (`padding` repeated) to `out`.
    func append(to out: inout [UInt8], transactionID: STUNTransactionID, padding: UInt8) {
        out.writeInteger(self.type)
        let lengthOffset = out.count
        out.writeInteger(UInt16(0))
        let start = out.count
        switch self {
        case .mappedAddress(let address):
            address.appendSTUNValue(to: &out, xor: nil)
        case .xorMappedAddress(let address):
            address.appendSTUNValue(to: &out, xor: transactionID)
        case .username(let s), .software(let s):
            out.append(contentsOf: s.utf8)
        case .messageIntegrity(let mac):
            out.append(contentsOf: mac)
        case .errorCode(let error):
            error.appendSTUNValue(to: &out)
        case .unknownAttributes(let types):
            for t in types { out.writeInteger(t) }
        case .priority(let p):
            out.writeInteger(p)
        case .useCandidate:
            break
        case .fingerprint(let f):
            out.writeInteger(f)
        case .iceControlled(let t), .iceControlling(let t):
            out.writeInteger(t)
        case .unknown(_, let value):
            out.append(contentsOf: value)
        }
        let length = out.count - start
        // Values longer than 65535 bytes cannot be encoded; truncate rather than trap.
        if length > Int(UInt16.max) {
            out.removeLast(length - Int(UInt16.max))
        }
        let written = out.count - start
        out.setInteger(UInt16(written), at: lengthOffset)
        for _ in written..<STUNWire.padded(written) { out.append(padding) }
    }
}
