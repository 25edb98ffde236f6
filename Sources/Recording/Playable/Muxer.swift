import CMux

/// libavformat through CMux: one output file, streams added before the header, whole frames with
/// ms timestamps. One owner, one thread.
final class Muxer {
    enum VideoCodec {
        case vp8, vp9, h264, av1

        var cValue: cmux_video_codec {
            switch self {
            case .vp8: CMUX_VIDEO_VP8
            case .vp9: CMUX_VIDEO_VP9
            case .h264: CMUX_VIDEO_H264
            case .av1: CMUX_VIDEO_AV1
            }
        }
    }

    private var handle: OpaquePointer?
    /// av_strerror text of the last failure.
    private let error: UnsafeMutablePointer<CChar> = {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: Muxer.errorSize)
        p.initialize(repeating: 0, count: Muxer.errorSize)
        return p
    }()
    private static let errorSize = 512

    /// Creates `path` for `format` ("webm", "matroska", "mp4").
    init(path: String, format: String) throws(PlayableError) {
        handle = cmux_open(path, format, error, Self.errorSize)
        guard handle != nil else { throw .muxer(message) }
    }

    deinit {
        cmux_close(handle)
        error.deallocate()
    }

    private var message: String {
        String(cString: error)
    }

    private func check(_ r: Int32) throws(PlayableError) -> Int32 {
        guard r >= 0 else { throw .muxer(message) }
        return r
    }

    /// Returns the stream index.
    func addVideo(_ codec: VideoCodec, width: Int, height: Int, extradata: [UInt8]?) throws(PlayableError) -> Int32 {
        let extra = extradata ?? []
        let r = extra.withUnsafeBufferPointer {
            cmux_add_video(handle, codec.cValue, Int32(width), Int32(height), $0.baseAddress, $0.count, error, Self.errorSize)
        }
        return try check(r)
    }

    /// Returns the stream index.
    func addOpus(sampleRate: Int = 48000, channels: Int = 2, preSkip: Int = 0) throws(PlayableError) -> Int32 {
        try check(cmux_add_opus(handle, Int32(sampleRate), Int32(channels), Int32(preSkip), error, Self.errorSize))
    }

    func writeHeader() throws(PlayableError) {
        _ = try check(cmux_write_header(handle, error, Self.errorSize))
    }

    func write(stream: Int32, _ data: [UInt8], ptsMilliseconds: Int64, durationMilliseconds: Int64 = 0,
               keyFrame: Bool) throws(PlayableError) {
        let r = data.withUnsafeBufferPointer {
            cmux_write_packet(handle, stream, $0.baseAddress, $0.count, ptsMilliseconds, durationMilliseconds,
                              keyFrame ? 1 : 0, error, Self.errorSize)
        }
        _ = try check(r)
    }

    /// Writes the trailer and closes the file.
    func finish() throws(PlayableError) {
        defer {
            cmux_close(handle)
            handle = nil
        }
        _ = try check(cmux_write_trailer(handle, error, Self.errorSize))
    }
}
