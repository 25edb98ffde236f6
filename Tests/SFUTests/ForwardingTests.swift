import RTP
import Testing
@testable import SFU

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
