import Glibc

/// What `PlayableFile.build` wrote.
public struct PlayableResult: Sendable, Equatable, Codable {
    /// The file written: `<outputBase>.webm` (VP8, VP9, audio only) or `.mkv` (H.264, AV1).
    public var path: String
    /// "vp8", "vp9", "h264", "av1", or nil without video.
    public var videoCodec: String?
    /// The coded size of the first video key frame.
    public var width: Int?
    public var height: Int?
    /// Frames written per stream.
    public var videoFrames: Int
    public var audioFrames: Int
    /// From the first frame's start to the last frame's end.
    public var durationMilliseconds: Int64
    /// First audio frame − first video frame (both streams' pts), nil unless both are written.
    public var startOffsetMilliseconds: Int64?
    /// Frames not written because a packet of theirs was lost (and video frames after such a
    /// loss, up to the next key frame), or because their payload did not parse.
    public var framesDropped: Int
    /// Audio frames from before the first video key frame, left out so that both start together.
    public var audioFramesBeforeVideo: Int
    /// Whether the sender reports timed the tracks (else the arrival times did).
    public var syncedBySenderReports: Bool
}

/// Builds one playable file per participant from the `.mjr` files of a recording: the video
/// (VP8/VP9 in WebM, H.264 and AV1 in Matroska) and the Opus audio muxed by libavformat, both on one
/// timeline. Synchronous and CPU-bound: run it on a background thread, never an event loop.
public enum PlayableFile {
    /// Writes `outputBase + ".webm"` (or `".mkv"` for H.264 and AV1) from the audio and/or video `.mjr`.
    ///
    /// Timing: with a `TrackSync` for every track given, each frame's RTP timestamp is placed on
    /// the sender's wall clock; otherwise on the arrival times recorded in the files. The file
    /// starts at the first whole video key frame (audio before it is left out) or, without
    /// video, at the first audio frame. Losses and pauses are gaps in the timestamps; frames
    /// with a missing packet are left out, and video then resumes at the next key frame, so the
    /// decoder never gets a broken frame. A file cut short (the recording process killed) is
    /// read up to its last whole frame. A file that ended before its first packet counts as an
    /// empty track.
    public static func build(audio: String?, audioSync: TrackSync?, video: String?, videoSync: TrackSync?,
                             outputBase: String) throws(PlayableError) -> PlayableResult {
        var videoTrack: RecordedTrack?
        var audioTrack: RecordedTrack?
        if let video { videoTrack = try RecordedTrack(path: video, kind: .video) }
        if let audio { audioTrack = try RecordedTrack(path: audio, kind: .audio) }
        let synced = (videoTrack == nil || videoSync != nil) && (audioTrack == nil || audioSync != nil)
            && (videoTrack != nil || audioTrack != nil)
        try videoTrack?.useClock(sync: synced ? videoSync : nil)
        try audioTrack?.useClock(sync: synced ? audioSync : nil)

        var nextVideo = try videoTrack?.next()
        var nextAudio = try audioTrack?.next()
        guard let start = nextVideo?.wallMicros ?? nextAudio?.wallMicros else { throw .noDecodableFrame }
        var beforeVideo = 0
        while let a = nextAudio, a.wallMicros < start {
            beforeVideo += 1
            nextAudio = try audioTrack?.next()
        }

        let firstVideo = nextVideo?.frame
        let codec = nextVideo == nil ? nil : videoTrack?.header.codec
        let isMatroska = codec == "h264" || codec == "av1" || codec == "av1x"
        let path = outputBase + (isMatroska ? ".mkv" : ".webm")
        let muxer = try Muxer(path: path, format: isMatroska ? "matroska" : "webm")
        var completed = false
        defer { if !completed { unlink(path) } }

        var videoStream: Int32 = -1, audioStream: Int32 = -1
        if let v = firstVideo, let codec {
            let c: Muxer.VideoCodec = switch codec {
            case "vp8": .vp8
            case "vp9": .vp9
            case "h264": .h264
            default: .av1
            }
            videoStream = try muxer.addVideo(c, width: v.width ?? 0, height: v.height ?? 0, extradata: v.configuration)
        }
        if nextAudio != nil { audioStream = try muxer.addOpus() }
        try muxer.writeHeader()

        var last: [Int32: Int64] = [:]
        var first: [Int32: Int64] = [:]
        var count: [Int32: Int] = [:]
        var end: Int64 = 0
        while nextVideo != nil || nextAudio != nil {
            let takeVideo = nextAudio == nil || (nextVideo != nil && nextVideo!.wallMicros <= nextAudio!.wallMicros)
            let stream = takeVideo ? videoStream : audioStream
            let f = takeVideo ? nextVideo! : nextAudio!
            // ms from the start, rounded; strictly increasing per stream.
            let pts = max((f.wallMicros &- start &+ 500) / 1000, (last[stream] ?? -1) + 1)
            let duration = Int64(f.frame.durationMilliseconds)
            try muxer.write(stream: stream, f.frame.data, ptsMilliseconds: pts, durationMilliseconds: duration,
                            keyFrame: f.frame.isKeyFrame)
            last[stream] = pts
            if first[stream] == nil { first[stream] = pts }
            count[stream, default: 0] += 1
            end = max(end, pts + duration)
            if takeVideo { nextVideo = try videoTrack?.next() } else { nextAudio = try audioTrack?.next() }
        }
        try muxer.finish()
        completed = true

        var offset: Int64?
        if let v = first[videoStream], let a = first[audioStream] { offset = a - v }
        return PlayableResult(
            path: path, videoCodec: codec,
            width: firstVideo?.width, height: firstVideo?.height,
            videoFrames: count[videoStream] ?? 0, audioFrames: count[audioStream] ?? 0,
            durationMilliseconds: end, startOffsetMilliseconds: offset,
            framesDropped: (videoTrack?.dropped ?? 0) + (audioTrack?.dropped ?? 0),
            audioFramesBeforeVideo: beforeVideo, syncedBySenderReports: synced)
    }
}
