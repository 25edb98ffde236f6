import Testing
@testable import SFU

/// The receive-side estimate sent in REMB to publishers without transport-cc: a queue that
/// grows is seen as over-use (and the estimate drops below what arrives), a steady one is not
/// (and the estimate climbs), heavy loss caps it.
@Suite struct ReceiveSideEstimatorTests {
    /// abs-send-time of `seconds` (6.18 fixed point, 24 bits).
    static func sendTime(_ seconds: Double) -> UInt32 { UInt32(seconds * Double(1 << 18)) & 0xFF_FFFF }

    /// Packets sent every 10 ms for `duration` s, arriving `extra(i)` s later than sent (the queue).
    static func run(_ e: inout ReceiveSideEstimator, from start: Double, duration: Double,
                    extra: (Int) -> Double) -> Bool {
        var overuse = false
        for i in 0..<Int(duration * 100) {
            let sent = start + Double(i) * 0.01
            if e.received(absSendTime: sendTime(sent), arrival: sent + 0.02 + extra(i)) { overuse = true }
        }
        return overuse
    }

    @Test func aSteadyQueueIsNormalAndTheEstimateClimbs() {
        var e = ReceiveSideEstimator()
        // Jitter of ±2 ms but no trend.
        #expect(!Self.run(&e, from: 0, duration: 3) { i in i % 2 == 0 ? 0.002 : 0 })
        #expect(e.usage == .normal)
        let first = e.update(incoming: 500_000, fractionLost: 0, now: 3)
        let second = e.update(incoming: 500_000, fractionLost: 0, now: 4)
        #expect(first == 540_000 && second > first && second <= 760_000)
    }

    @Test func aGrowingQueueIsOveruseAndTheEstimateDrops() {
        var e = ReceiveSideEstimator()
        _ = Self.run(&e, from: 0, duration: 1) { _ in 0 }
        _ = e.update(incoming: 500_000, fractionLost: 0, now: 1)
        // The queue grows 2 ms per packet (sent faster than the link drains).
        #expect(Self.run(&e, from: 1, duration: 1) { i in Double(i) * 0.002 })
        #expect(e.usage == .overusing)
        #expect(e.update(incoming: 400_000, fractionLost: 0, now: 2) == 340_000)
        // Draining it: under-use, the estimate holds.
        _ = Self.run(&e, from: 2, duration: 0.5) { i in max(0, 0.2 - Double(i) * 0.004) }
        #expect(e.usage == .underusing)
        #expect(e.update(incoming: 300_000, fractionLost: 0, now: 3) == 340_000)
    }

    @Test func heavyLossCapsTheEstimate() {
        var e = ReceiveSideEstimator()
        // 25% lost (64/256): what arrives less half of that.
        #expect(e.update(incoming: 400_000, fractionLost: 64, now: 1) == 350_000)
        #expect(e.update(incoming: 10_000, fractionLost: 255, now: 2) == 30_000)  // never below 30 kbit/s
    }

    @Test func sendTimesWrapAfter64Seconds() {
        var e = ReceiveSideEstimator()
        // Across the 24-bit wrap (64 s) nothing looks like a jump in delay.
        #expect(!Self.run(&e, from: 63, duration: 2) { _ in 0 })
        #expect(e.usage == .normal)
    }
}
