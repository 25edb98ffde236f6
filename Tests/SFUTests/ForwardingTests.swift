import RTP
import Testing
@testable import SFU

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

@Suite struct KeyFrameRequestLimiterTests {
    @Test func atMostOneRequestPerInterval() {
        var limiter = KeyFrameRequestLimiter(interval: .milliseconds(500))
        let t0 = ContinuousClock.now
        // Requests at these times (ms); viewers asking within the interval are absorbed.
        let asks = [0, 1, 100, 250, 499, 500, 900, 1001]
        let answered = asks.map { limiter.shouldRequest(now: t0 + .milliseconds($0)) }
        #expect(answered == [true, false, false, false, false, true, false, true])
        #expect(limiter.sent == 3 && limiter.absorbed == 5)
    }
}

@Suite struct RetransmissionBufferTests {
    @Test func keepsTheLastCapacityPackets() {
        let buffer = RetransmissionBuffer(capacity: 16)
        for seq in UInt16(65530)...UInt16(65535) { [UInt8](repeating: UInt8(seq & 0xFF), count: 100).withUnsafeBytes { buffer.store(sequence: seq, packet: $0) } }
        for seq in UInt16(0)..<UInt16(20) { [UInt8](repeating: UInt8(seq), count: 50 + Int(seq)).withUnsafeBytes { buffer.store(sequence: seq, packet: $0) } }
        // 0...19 overwrote the slots of 65530...65535 and of 0...3.
        #expect(buffer.packet(sequence: 65535) == nil)
        #expect(buffer.packet(sequence: 3) == nil)
        let p = buffer.packet(sequence: 19)
        #expect(p?.count == 69 && p?.first == 19)
        #expect(buffer.packet(sequence: 4)?.count == 54)
        #expect(buffer.packet(sequence: 20) == nil)
    }

    @Test func oversizedPacketsAreNotKept() {
        let buffer = RetransmissionBuffer(capacity: 4)
        [UInt8](repeating: 1, count: RetransmissionBuffer.slotSize + 1).withUnsafeBytes { buffer.store(sequence: 1, packet: $0) }
        #expect(buffer.packet(sequence: 1) == nil)
    }
}

@Suite struct ReceptionStatisticsTests {
    /// RFC 3550 A.3: cumulative and fractional loss over report intervals, across the wrap;
    /// A.8: no jitter when packets arrive exactly on their timestamps.
    @Test func lossAndJitter() {
        let t0 = ContinuousClock.now
        var stats = ReceptionStatistics(clockRate: 90_000, epoch: t0)
        // 100 packets from 65500, 3000 ticks (1/30 s) apart, arriving exactly on time; 10 lost.
        for i in 0..<100 where !(40..<50).contains(i) {
            stats.record(sequence: UInt16((65500 + i) & 0xFFFF), timestamp: UInt32(3000 * i),
                         arrival: t0 + .nanoseconds(Int64(i) * 1_000_000_000 / 30))
        }
        let first = stats.report(ssrc: 7, now: t0 + .seconds(4))
        #expect(first.ssrc == 7)
        #expect(first.cumulativeLost == 10)
        #expect(first.fractionLost == UInt8((10 << 8) / 100))
        #expect(first.extendedHighestSequenceNumber == UInt32(65500 + 99))  // wrapped once: cycles in the high bits
        #expect(first.jitter <= 1)
        // Next interval: no loss.
        for i in 100..<110 {
            stats.record(sequence: UInt16((65500 + i) & 0xFFFF), timestamp: UInt32(3000 * i),
                         arrival: t0 + .nanoseconds(Int64(i) * 1_000_000_000 / 30))
        }
        let second = stats.report(ssrc: 7, now: t0 + .seconds(5))
        #expect(second.fractionLost == 0 && second.cumulativeLost == 10)
    }

    @Test func delaySinceLastSenderReport() {
        let t0 = ContinuousClock.now
        var stats = ReceptionStatistics(clockRate: 48_000, epoch: t0)
        stats.record(sequence: 1, timestamp: 0, arrival: t0)
        stats.senderReport(ntpTimestamp: 0x1122_3344_5566_7788, arrival: t0)
        let r = stats.report(ssrc: 1, now: t0 + .milliseconds(500))
        #expect(r.lastSenderReport == 0x3344_5566)  // middle 32 bits
        #expect(r.delaySinceLastSenderReport == 32768)  // 0.5 s in 1/65536 s
    }
}
