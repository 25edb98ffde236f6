/// Kinds of media the bridge forwards (an SDP media description's `audio` or `video`).
public enum MediaKind: String, Sendable, Codable {
    case audio, video
}
