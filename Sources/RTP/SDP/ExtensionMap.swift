/// The `a=extmap` attribute (RFC 8285 § 8):
/// `<id>[/<direction>] <URI> [<extension attributes>]`, e.g. `3 urn:ietf:params:rtp-hdrext:sdes:mid`.
public struct ExtensionMap: Equatable, Sendable {
    /// The local identifier: 1–14 fit the one-byte header form, 1–255 the two-byte form.
    public var id: UInt8
    /// The direction, when written (`1/sendonly ...`).
    public var direction: MediaDirection?
    /// The extension's URI.
    public var uri: String
    /// Anything after the URI, verbatim.
    public var extensionAttributes: String?

    /// Creates an extension mapping.
    public init(id: UInt8, direction: MediaDirection? = nil, uri: String, extensionAttributes: String? = nil) {
        self.id = id
        self.direction = direction
        self.uri = uri
        self.extensionAttributes = extensionAttributes
    }

    /// Parses the attribute value; `nil` for id 0, ids above 255, or an unknown direction.
    public init?(value: some StringProtocol) {
        let fields = value.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count >= 2, !fields[1].isEmpty else { return nil }
        let idAndDirection = fields[0].split(separator: "/", omittingEmptySubsequences: false)
        guard idAndDirection.count <= 2, let id = parseDecimal(idAndDirection[0]), (1...255).contains(id)
        else { return nil }
        var direction: MediaDirection?
        if idAndDirection.count == 2 {
            guard let parsed = MediaDirection(rawValue: String(idAndDirection[1])) else { return nil }
            direction = parsed
        }
        if fields.count == 3 && fields[2].isEmpty { return nil }
        self.init(id: UInt8(id), direction: direction, uri: String(fields[1]),
                  extensionAttributes: fields.count == 3 ? String(fields[2]) : nil)
    }

    /// The attribute value.
    public var value: String {
        var text = String(id)
        if let direction { text += "/" + direction.rawValue }
        text += " " + uri
        if let extensionAttributes { text += " " + extensionAttributes }
        return text
    }
}
