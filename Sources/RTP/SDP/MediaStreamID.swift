/// The `a=msid` attribute (RFC 8830 § 2): `<stream id> [<track id>]`.
public struct MediaStreamID: Equatable, Sendable {
    /// The MediaStream id (`-` for a track without a stream).
    public var stream: String
    /// The "appdata": the MediaStreamTrack id in browsers' SDP.
    public var track: String?

    /// Creates an msid.
    public init(stream: String, track: String? = nil) {
        self.stream = stream
        self.track = track
    }

    /// Parses the attribute value; `nil` unless it is one or two non-empty tokens.
    public init?(value: some StringProtocol) {
        let fields = value.split(separator: " ", omittingEmptySubsequences: false)
        guard (1...2).contains(fields.count), fields.allSatisfy({ !$0.isEmpty }) else { return nil }
        self.init(stream: String(fields[0]), track: fields.count == 2 ? String(fields[1]) : nil)
    }

    /// The attribute value.
    public var value: String {
        guard let track else { return stream }
        return "\(stream) \(track)"
    }
}
