/// An IP address and UDP port, as carried by (XOR-)MAPPED-ADDRESS and as the key for the
/// ICE-lite agent's selected pair.
///
/// Two integer cases and no storage outside the enum: hashing and comparing allocate nothing,
/// so it can key a per-packet dictionary on the data plane (G11).
public enum TransportAddress: Hashable, Sendable {
    /// IPv4 address in host order (192.0.2.1 is `0xC000_0201`).
    case v4(UInt32, port: UInt16)
    /// IPv6 address as its high and low 64 bits in host order
    /// (2001:db8::1 is `(0x2001_0DB8_0000_0000, 0x0000_0000_0000_0001)`).
    case v6(UInt64, UInt64, port: UInt16)

    /// The UDP port.
    @inlinable
    public var port: UInt16 {
        switch self {
        case .v4(_, let port), .v6(_, _, let port): return port
        }
    }

    /// Whether this is an IPv4 address.
    @inlinable
    public var isIPv4: Bool {
        if case .v4 = self { return true }
        return false
    }
}

extension TransportAddress: CustomStringConvertible {
    /// `192.0.2.1:32853` or `[2001:db8:…]:32853` (IPv6 groups printed in full hex, no `::` compression).
    public var description: String {
        switch self {
        case .v4(let ip, let port):
            return "\(ip >> 24).\((ip >> 16) & 0xFF).\((ip >> 8) & 0xFF).\(ip & 0xFF):\(port)"
        case .v6(let hi, let lo, let port):
            var groups: [String] = []
            for word in [hi, lo] {
                for shift in stride(from: 48, through: 0, by: -16) {
                    groups.append(String((word >> UInt64(shift)) & 0xFFFF, radix: 16))
                }
            }
            return "[\(groups.joined(separator: ":"))]:\(port)"
        }
    }
}
