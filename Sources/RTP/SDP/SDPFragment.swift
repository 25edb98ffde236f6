/// An SDP fragment (`application/trickle-ice-sdpfrag`, RFC 8840 § 9): the ICE lines of a
/// trickle or an ICE restart, as WHIP and WHEP send them in a `PATCH` (RFC 9725 § 4.4).
/// Session-level `a=` lines, then optional `m=` lines each with its own `a=` lines; no `v=`,
/// `o=`, `s=` or `t=`.
public struct SDPFragment: Equatable, Sendable {
    /// The `a=` lines before the first `m=` line.
    public var attributes: [SDPAttribute]
    /// Each `m=` line with its `a=` lines.
    public var media: [MediaDescription]

    public init(attributes: [SDPAttribute] = [], media: [MediaDescription] = []) {
        self.attributes = attributes
        self.media = media
    }

    /// Parses a fragment; lines end in CRLF or LF. Only `a=` and `m=` lines are allowed.
    public init(parsing text: String) throws(SDPParseError) {
        self.init()
        var lineNumber = 0
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw[...]
            if line.isEmpty { continue }
            guard line.count >= 2, line.dropFirst().first == "=" else { throw .invalidLine(lineNumber: lineNumber) }
            let value = line.dropFirst(2)
            switch line.first {
            case "a":
                let attribute = SDPAttribute(line: value)
                if media.isEmpty { attributes.append(attribute) } else { media[media.count - 1].attributes.append(attribute) }
            case "m":
                guard let m = MediaDescription(mediaLine: value) else { throw .invalidMediaLine(lineNumber: lineNumber) }
                media.append(m)
            default:
                throw .invalidLine(lineNumber: lineNumber)
            }
        }
    }

    /// The first `a=ice-ufrag` (session level, then the media sections).
    public var iceUfrag: String? { attributes.firstValue(named: "ice-ufrag") ?? media.lazy.compactMap(\.iceUfrag).first }
    /// The first `a=ice-pwd` (session level, then the media sections).
    public var icePwd: String? { attributes.firstValue(named: "ice-pwd") ?? media.lazy.compactMap(\.icePwd).first }

    /// The fragment as text, CRLF line ends.
    public func serialized() -> String {
        var out = ""
        for a in attributes { out += "a=\(a.line)\r\n" }
        for m in media {
            out += "m=\(m.mediaLine)\r\n"
            for a in m.attributes { out += "a=\(a.line)\r\n" }
        }
        return out
    }
}
