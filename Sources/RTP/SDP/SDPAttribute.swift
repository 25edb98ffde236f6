/// One `a=` line (RFC 8866 § 5.13): either a property `a=<name>` or a value `a=<name>:<value>`.
///
/// The value is kept exactly as written after the first colon, including leading spaces
/// (Chromium writes `a=msid-semantic: WMS`), so that parse → serialize is byte for byte.
public struct SDPAttribute: Equatable, Sendable {
    /// The attribute name, e.g. `rtpmap`.
    public var name: String
    /// The raw text after the first `:`, or `nil` for a property attribute such as `a=rtcp-mux`.
    public var value: String?

    /// Creates an attribute; pass `nil` for a property (flag) attribute.
    public init(name: String, value: String? = nil) {
        self.name = name
        self.value = value
    }

    /// Parses the text after `a=`.
    public init(line text: some StringProtocol) {
        if let colon = text.firstIndex(of: ":") {
            self.name = String(text[..<colon])
            self.value = String(text[text.index(after: colon)...])
        } else {
            self.name = String(text)
            self.value = nil
        }
    }

    /// The text after `a=`: `name` or `name:value`.
    public var line: String {
        guard let value else { return name }
        return name + ":" + value
    }
}

extension Array where Element == SDPAttribute {
    /// Values of every attribute called `name`, in order (flags are skipped).
    func values(named name: String) -> [String] {
        compactMap { $0.name == name ? $0.value : nil }
    }

    /// The value of the first attribute called `name`.
    func firstValue(named name: String) -> String? {
        first { $0.name == name }?.value
    }

    /// Whether an attribute called `name` is present, as a flag or with a value.
    func contains(named name: String) -> Bool {
        contains { $0.name == name }
    }
}
