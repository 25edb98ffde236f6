import RTP
import Testing

@Suite struct KeyFrameTests {
    @Test(arguments: [
        // VP8 (RFC 7741): descriptor, then the payload header whose bit 0 (P) is 0 on a key frame.
        ("VP8 key frame, no extension", CodecKind.vp8, [0x10, 0x00] as [UInt8], true),       // S=1 PID=0 | P=0
        ("VP8 delta frame", .vp8, [0x10, 0x01], false),                                       // P=1
        ("VP8 key frame, not the first packet", .vp8, [0x00, 0x00], false),                   // S=0
        ("VP8 key frame, partition 1", .vp8, [0x11, 0x00], false),                            // PID=1
        ("VP8 with X, I (15-bit picture id), L, T", .vp8, [0x90, 0xE0, 0x81, 0x23, 0x05, 0x40, 0x00], true),
        ("VP8 with X, I (7-bit picture id)", .vp8, [0x90, 0x80, 0x12, 0x00], true),
        ("VP8 truncated after X", .vp8, [0x90], false),
        ("VP9 start of a key frame", .vp9, [0x08], true),                                     // P=0 B=1
        ("VP9 inter frame", .vp9, [0x48], false),                                             // P=1
        ("VP9 middle of a key frame", .vp9, [0x00], false),                                   // B=0
        ("H.264 IDR slice", .h264, [0x65, 0x88], true),                                       // NAL 5
        ("H.264 SPS", .h264, [0x67, 0x42], true),                                             // NAL 7
        ("H.264 non-IDR slice", .h264, [0x41, 0x9A], false),                                  // NAL 1
        ("H.264 STAP-A with SPS", .h264, [0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xCE], true),
        ("H.264 STAP-A without", .h264, [0x78, 0x00, 0x02, 0x41, 0x9A], false),
        ("H.264 FU-A start of IDR", .h264, [0x7C, 0x85], true),                               // S=1 type 5
        ("H.264 FU-A middle of IDR", .h264, [0x7C, 0x05], false),
        ("AV1 new coded video sequence", .av1, [0x18], true),                                 // N=1
        ("AV1 other", .av1, [0x10], false),
        ("Opus is never gated", .opus, [0xFC], true),
        ("empty VP8 payload", .vp8, [], false),
    ])
    func detection(name: String, codec: CodecKind, payload: [UInt8], expected: Bool) {
        #expect(payload.withUnsafeBytes { codec.startsKeyFrame($0) } == expected, "\(name)")
    }

    @Test func codecNames() {
        #expect(CodecKind(name: "VP8") == .vp8 && CodecKind(name: "opus") == .opus && CodecKind(name: "H264") == .h264)
        #expect(CodecKind(name: "rtx") == .other)
    }
}
