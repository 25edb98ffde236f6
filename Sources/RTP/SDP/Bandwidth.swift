/// A `b=` line (RFC 8866 § 5.8): `b=<bwtype>:<bandwidth>`, e.g. `b=AS:512` or `b=TIAS:1500000`.
public struct Bandwidth: Equatable, Sendable {
    /// `AS` (kbit/s), `TIAS` (bit/s, RFC 3890), `CT`, or an experimental `X-` type.
    public var type: String
    /// The bandwidth in the unit of `type`.
    public var bandwidth: Int

    /// Creates a bandwidth line.
    public init(type: String, bandwidth: Int) {
        self.type = type
        self.bandwidth = bandwidth
    }

    /// Parses the text after `b=`; `nil` unless it is `<token>:<non-negative integer>` (no leading zeros, so it round-trips).
    public init?(value: some StringProtocol) {
        guard let colon = value.firstIndex(of: ":") else { return nil }
        let type = value[..<colon], number = value[value.index(after: colon)...]
        guard !type.isEmpty, let bandwidth = parseDecimal(number) else { return nil }
        self.init(type: String(type), bandwidth: bandwidth)
    }

    /// The text after `b=`.
    public var value: String { "\(type):\(bandwidth)" }
}
