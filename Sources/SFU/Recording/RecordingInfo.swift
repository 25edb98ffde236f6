/// A recording as the API shows it.
public struct RecordingInfo: Sendable, Codable, Equatable {
    public var id: String
    public var room: String
    /// "recording"; "stopped" (the playable file is being built); "ready"; "failed" (`error`).
    public var state: String
    /// ISO 8601, UTC.
    public var startedAt: String
    public var durationS: Double
    /// Bytes written to disk so far (every file).
    public var bytes: Int
    public var packets: Int
    /// Packets lost because the recorder's ring was full.
    public var dropped: UInt64
    /// The files written so far (one per track, created with the track's first packet).
    public var files: [String]
    /// Why writing stopped (disk full, …), if it did.
    public var error: String?
    /// Only these participants are recorded (nil: whoever publishes).
    public var participants: [String]?
    /// The playable file (WebM, or Matroska for H.264), once ready (a conference: the first).
    public var playable: String?
    /// Every playable file (a conference room: one per recorded member).
    public var playableFiles: [String]?
    /// Why it stopped: api, no_media, failed, room_destroyed, idle, shutdown.
    public var stopReason: String?
}
