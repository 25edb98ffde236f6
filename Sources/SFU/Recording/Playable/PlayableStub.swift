// TEMPORARY: replaced by the playable branch on merge.
public struct TrackSync: Codable, Sendable, Equatable {
    public var rtp: UInt32
    public var wallMicros: Int64
    public init(rtp: UInt32, wallMicros: Int64) { self.rtp = rtp; self.wallMicros = wallMicros }
}
public struct PlayableResult: Sendable { public var path: String; public var videoFrames: Int; public var audioFrames: Int; public var duration: Double; public var startOffsetMillis: Double; public var droppedFrames: Int }
public struct PlayableError: Error, CustomStringConvertible { public var description: String }
public enum PlayableFile {
    public static func build(audio: String?, audioSync: TrackSync?, video: String?, videoSync: TrackSync?, outputBase: String) throws(PlayableError) -> PlayableResult {
        throw PlayableError(description: "not built yet")
    }
}
