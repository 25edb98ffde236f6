/// The `a=fmtp` attribute (RFC 8866 § 6.15): `<format> <format specific parameters>`,
/// e.g. `111 minptime=10;useinbandfec=1` or `63 111/111` (RED).
public struct FormatParameters: Equatable, Sendable {
    /// The payload type the parameters apply to.
    public var payloadType: UInt8
    /// The parameters exactly as written.
    public var parameters: String

    /// Creates an fmtp from its raw parameter text.
    public init(payloadType: UInt8, parameters: String) {
        self.payloadType = payloadType
        self.parameters = parameters
    }

    /// Parses the attribute value; `nil` unless it starts with a payload type and a space.
    public init?(value: some StringProtocol) {
        guard let space = value.firstIndex(of: " "),
              let payloadType = parsePayloadType(value[..<space])
        else { return nil }
        self.init(payloadType: payloadType, parameters: String(value[value.index(after: space)...]))
    }

    /// The attribute value.
    public var value: String { "\(payloadType) \(parameters)" }

    /// The `key=value` pairs separated by `;`, in order; a bare `key` has value `nil`.
    public var pairs: [(key: String, value: String?)] {
        parameters.split(separator: ";").map { item in
            let trimmed = item.drop { $0 == " " }
            guard let equals = trimmed.firstIndex(of: "=") else { return (String(trimmed), nil) }
            return (String(trimmed[..<equals]), String(trimmed[trimmed.index(after: equals)...]))
        }
    }

    /// The value of `key` (compared case-insensitively, as RFC 6184 and RFC 7587 keys are),
    /// e.g. `parameter("apt")` → `"97"`.
    public func parameter(_ key: String) -> String? {
        let wanted = key.lowercased()
        return pairs.first { $0.key.lowercased() == wanted }?.value
    }
}
