/// The `a=ssrc` attribute (RFC 5576 § 4.1): `<ssrc-id> <attribute>[:<value>]`,
/// e.g. `2901022326 cname:sl2n2ymPyobGhcOI` or `2901022326 msid:<stream> <track>`.
public struct SSRCAttribute: Equatable, Sendable {
    /// The synchronization source.
    public var ssrc: UInt32
    /// The source attribute name: `cname`, `msid`, `label`...
    public var attribute: String
    /// The text after the source attribute's colon, if any.
    public var value: String?

    /// Creates a source attribute.
    public init(ssrc: UInt32, attribute: String, value: String? = nil) {
        self.ssrc = ssrc
        self.attribute = attribute
        self.value = value
    }

    /// Parses the attribute value; `nil` unless it is a 32-bit SSRC, a space and an attribute.
    public init?(value text: some StringProtocol) {
        guard let space = text.firstIndex(of: " "), let ssrc = parseSSRC(text[..<space]) else { return nil }
        let rest = SDPAttribute(line: text[text.index(after: space)...])
        guard !rest.name.isEmpty else { return nil }
        self.init(ssrc: ssrc, attribute: rest.name, value: rest.value)
    }

    /// The whole attribute value, `<ssrc-id> <attribute>[:<value>]`
    /// (named `attributeValue` because `value` is the source attribute's own value).
    public var attributeValue: String {
        "\(ssrc) \(SDPAttribute(name: attribute, value: value).line)"
    }
}

/// The `a=ssrc-group` attribute (RFC 5576 § 4.2): `<semantics> <ssrc-id> ...`,
/// e.g. `FID 1723035930 755588915` (RFC 4588 retransmission pairing) or `SIM 1 2 3`.
public struct SSRCGroup: Equatable, Sendable {
    /// `FID`, `SIM`, `FEC-FR`...
    public var semantics: String
    /// The grouped sources in order; for `FID` the media SSRC comes first, then its RTX SSRC.
    public var ssrcs: [UInt32]

    /// Creates a source group.
    public init(semantics: String, ssrcs: [UInt32]) {
        self.semantics = semantics
        self.ssrcs = ssrcs
    }

    /// Parses the attribute value; `nil` unless every member is a 32-bit SSRC.
    public init?(value: some StringProtocol) {
        let fields = value.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count >= 2, !fields[0].isEmpty else { return nil }
        var ssrcs: [UInt32] = []
        for field in fields.dropFirst() {
            guard let ssrc = parseSSRC(field) else { return nil }
            ssrcs.append(ssrc)
        }
        self.init(semantics: String(fields[0]), ssrcs: ssrcs)
    }

    /// The attribute value.
    public var value: String {
        ([semantics] + ssrcs.map(String.init)).joined(separator: " ")
    }
}

/// A canonical decimal 32-bit SSRC.
func parseSSRC(_ text: some StringProtocol) -> UInt32? {
    guard let number = parseDecimal(text), number <= Int(UInt32.max) else { return nil }
    return UInt32(number)
}
