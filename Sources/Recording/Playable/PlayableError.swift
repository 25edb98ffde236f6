import Glibc
import RTP

/// Why a playable file could not be built from a recording's `.mjr` files.
public enum PlayableError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The `.mjr` file does not exist.
    case fileMissing(String)
    /// The file exists but cannot be opened or read (errno).
    case unreadable(String, Int32)
    /// The file does not start with "MJR00002" (or its info header is not JSON we understand).
    case notMJR(String)
    /// The info header names a codec this builder does not depacketize.
    case unsupportedCodec(path: String, codec: String)
    /// The file holds the other kind of track (an audio file passed as video, or the reverse).
    case wrongKind(path: String, expected: MediaKind)
    /// Neither file holds one whole frame (for video: a whole key frame) to start from.
    case noDecodableFrame
    /// libavformat failed; the text ends with av_strerror's.
    case muxer(String)
    /// The caller's request cannot be carried out (no usable output path, …).
    case invalidRequest(String)

    /// An error of the caller's own (`RecordingFinisher`'s checks before building).
    public init(description: String) { self = .invalidRequest(description) }

    public var description: String {
        switch self {
        case .fileMissing(let path): "recording file missing: \(path)"
        case .unreadable(let path, let e): "cannot read \(path): \(String(cString: strerror(e)))"
        case .notMJR(let path): "not a Janus .mjr (MJR00002) recording: \(path)"
        case .unsupportedCodec(let path, let codec): "unsupported codec \"\(codec)\" in \(path)"
        case .wrongKind(let path, let expected): "\(path) is not an \(expected.rawValue) recording"
        case .noDecodableFrame: "no decodable frame in the recording"
        case .muxer(let text): "muxer: \(text)"
        case .invalidRequest(let text): text
        }
    }
}
