/// The `a=rtcp-fb` attribute (RFC 4585 § 4.2): `<payload type or *> <type> [<parameter>]`,
/// e.g. `97 nack pli`, `* transport-cc`, `96 ccm fir`.
public struct RTCPFeedbackAttribute: Equatable, Sendable {
    /// A payload type number as text, or `*` for all formats.
    public var payloadType: String
    /// `nack`, `ccm`, `goog-remb`, `transport-cc`, `ack`, `trr-int`...
    public var type: String
    /// The rest of the line, e.g. `pli` or `fir`.
    public var parameter: String?

    /// Creates a feedback attribute.
    public init(payloadType: String, type: String, parameter: String? = nil) {
        self.payloadType = payloadType
        self.type = type
        self.parameter = parameter
    }

    /// Parses the attribute value; `nil` unless the payload type is `*` or 0–127 and a type follows.
    public init?(value: some StringProtocol) {
        let fields = value.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count >= 2, fields[0] == "*" || parsePayloadType(fields[0]) != nil,
              !fields[1].isEmpty
        else { return nil }
        if fields.count == 3 && fields[2].isEmpty { return nil }
        self.init(payloadType: String(fields[0]), type: String(fields[1]), parameter: fields.count == 3 ? String(fields[2]) : nil)
    }

    /// The attribute value.
    public var value: String {
        guard let parameter else { return "\(payloadType) \(type)" }
        return "\(payloadType) \(type) \(parameter)"
    }

    /// Whether this line applies to `payloadType` (directly or through `*`).
    public func applies(to payloadType: UInt8) -> Bool {
        self.payloadType == "*" || self.payloadType == String(payloadType)
    }
}
