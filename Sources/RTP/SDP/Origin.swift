/// The `o=` line (RFC 8866 § 5.2):
/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>`.
public struct Origin: Equatable, Sendable {
    /// `-` when the user has no login name, as browsers write.
    public var username: String
    /// A numeric string; kept as text because it is an identifier, not a quantity.
    public var sessionID: String
    /// Incremented by JSEP on every new description for the same session.
    public var sessionVersion: UInt64
    /// `IN`.
    public var networkType: String
    /// `IP4` or `IP6`.
    public var addressType: String
    /// The originating host; browsers write `127.0.0.1` or `0.0.0.0`.
    public var unicastAddress: String

    /// Creates an origin; the defaults are what JSEP implementations write.
    public init(
        username: String = "-",
        sessionID: String,
        sessionVersion: UInt64,
        networkType: String = "IN",
        addressType: String = "IP4",
        unicastAddress: String = "0.0.0.0"
    ) {
        self.username = username
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
        self.networkType = networkType
        self.addressType = addressType
        self.unicastAddress = unicastAddress
    }

    /// Parses the text after `o=`; `nil` unless it has six fields and numeric id and version.
    public init?(value: some StringProtocol) {
        let fields = value.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 6, fields.allSatisfy({ !$0.isEmpty }),
              fields[1].allSatisfy(\.isASCIIDigit),
              fields[2].count == 1 || fields[2].first != "0",  // canonical, so it round-trips
              fields[2].allSatisfy(\.isASCIIDigit), let version = UInt64(fields[2])
        else { return nil }
        self.init(
            username: String(fields[0]), sessionID: String(fields[1]), sessionVersion: version,
            networkType: String(fields[3]), addressType: String(fields[4]),
            unicastAddress: String(fields[5]))
    }

    /// The text after `o=`.
    public var value: String {
        "\(username) \(sessionID) \(sessionVersion) \(networkType) \(addressType) \(unicastAddress)"
    }
}

extension Character {
    /// `0`–`9` only (unlike `isNumber`, which accepts any Unicode digit).
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
