/// The `c=` line (RFC 8866 § 5.7): `c=<nettype> <addrtype> <connection-address>`.
public struct Connection: Equatable, Sendable {
    /// `IN`.
    public var networkType: String
    /// `IP4` or `IP6`.
    public var addressType: String
    /// The address, with any `/ttl` or `/count` suffix kept verbatim.
    public var address: String

    /// Creates a connection line; the defaults describe an IPv4 Internet address.
    public init(networkType: String = "IN", addressType: String = "IP4", address: String) {
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }

    /// Parses the text after `c=`; `nil` unless it has exactly three fields.
    public init?(value: some StringProtocol) {
        let fields = value.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 3, fields.allSatisfy({ !$0.isEmpty }) else { return nil }
        self.init(networkType: String(fields[0]), addressType: String(fields[1]), address: String(fields[2]))
    }

    /// The text after `c=`.
    public var value: String { "\(networkType) \(addressType) \(address)" }
}
