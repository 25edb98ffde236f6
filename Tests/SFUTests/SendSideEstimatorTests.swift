import Testing
@testable import SFU

/// The downlink estimate from transport-cc feedback: a link that carries what is sent keeps
/// the estimate above it; a bottleneck below it is seen as over-use (the estimate drops under
/// the bottleneck); heavy loss caps it; a probe shows what a link carries beyond the media.
@Suite struct SendSideEstimatorTests {
    /// A FIFO link of `rate` bits per second with a 200 ms drop-tail queue and 20 ms of delay.
    struct Link {
        var rate: Double
        var free: Double = 0
        var queue: [Double] = []
        mutating func arrival(sent: Double, size: Int) -> Double? {
            queue.removeAll { $0 <= sent }
            guard Double(queue.count * size * 8) / rate < 0.2 else { return nil }
            free = max(free, sent) + Double(size * 8) / rate
            queue.append(free)
            return free + 0.02
        }
    }

    /// Sends `bitrate` in 1,200-byte packets (plus `padding` bits per second of 236-byte
    /// packets) from `start` for `seconds`, through `link`, updating each second.
    static func run(_ e: inout SendSideEstimator, link: inout Link, bitrate: Double, padding: Double = 0, from start: Double,
                    seconds: Double) -> (overuse: Bool, estimate: Double?) {
        var overuse = false
        var estimate: Double?
        var t = start
        var nextMedia = start, nextPadding = start, nextUpdate = start + 1
        while t < start + seconds {
            let media = nextMedia <= nextPadding || padding == 0
            let size = media ? 1200 : 236
            t = media ? nextMedia : nextPadding
            let arrival = link.arrival(sent: t, size: size)
            if e.packet(sent: Int64(t * 1e6), size: size, arrival: arrival.map { Int64($0 * 1e6) }) {
                overuse = true
                estimate = e.update(now: t)
            }
            if media { nextMedia += 1200 * 8 / bitrate } else { nextPadding += 236 * 8 / padding }
            if t >= nextUpdate {
                estimate = e.update(now: t)
                nextUpdate += 1
            }
        }
        return (overuse, estimate)
    }

    @Test func aLinkThatCarriesItKeepsTheEstimateAboveWhatIsSent() throws {
        var e = SendSideEstimator()
        var link = Link(rate: 5_000_000)
        let (overuse, estimate) = Self.run(&e, link: &link, bitrate: 1_000_000, from: 0, seconds: 6)
        #expect(!overuse && e.usage == .normal && !e.congested(since: 0))
        let value = try #require(estimate)
        #expect(value >= 1_000_000 && value <= 1_600_000, "\(value)")
    }

    @Test func aBottleneckIsOveruseAndTheEstimateDropsBelowIt() throws {
        var e = SendSideEstimator()
        var link = Link(rate: 500_000)
        let (overuse, estimate) = Self.run(&e, link: &link, bitrate: 1_700_000, from: 0, seconds: 4)
        #expect(overuse && e.congested(since: 3))
        let value = try #require(estimate)
        #expect(value <= 500_000, "\(value)")
    }

    @Test func nothingBeforeAFirstWindowIsMeasured() {
        var e = SendSideEstimator()
        #expect(e.update(now: 0) == nil)
        #expect(e.update(now: 0.1) == nil)
        #expect(e.estimate == nil)
    }

    @Test func aProbeShowsWhatTheLinkCarries() throws {
        // 200 kbit/s of media on a 3 Mbit/s link: a probe at 2 Mbit/s raises the estimate to it.
        var e = SendSideEstimator()
        var open = Link(rate: 3_000_000)
        _ = Self.run(&e, link: &open, bitrate: 200_000, from: 0, seconds: 3)
        let before = try #require(e.estimate)
        #expect(before < 600_000)
        e.startProbe(from: 3_000_000, to: 3_300_000, target: 2_200_000)
        _ = Self.run(&e, link: &open, bitrate: 200_000, padding: 2_000_000, from: 3, seconds: 0.3)
        _ = Self.run(&e, link: &open, bitrate: 200_000, from: 3.3, seconds: 0.2)
        let probed = try #require(e.probed)
        #expect(probed > 1_800_000 && probed < 2_600_000, "\(probed)")
        #expect(try #require(e.estimate) >= probed * 0.99)

        // The same on a 500 kbit/s link: the probe arrives spread at the link's rate.
        var f = SendSideEstimator()
        var narrow = Link(rate: 500_000)
        _ = Self.run(&f, link: &narrow, bitrate: 200_000, from: 0, seconds: 3)
        f.startProbe(from: 3_000_000, to: 3_300_000, target: 2_200_000)
        _ = Self.run(&f, link: &narrow, bitrate: 200_000, padding: 2_000_000, from: 3, seconds: 0.3)
        _ = Self.run(&f, link: &narrow, bitrate: 200_000, from: 3.3, seconds: 0.5)
        let capped = try #require(f.probed)
        #expect(capped < 650_000, "\(capped)")
        // A probe that did not get through raises nothing.
        #expect(try #require(f.estimate) < 400_000)
    }
}

/// The encoding a budget allows: down at once when the current one is well over it, up only
/// with room to spare, never above the bound.
@Suite struct LayerChoiceTests {
    static let rates: InlineArray<4, Double> = [150_000, 500_000, 1_700_000, 0]

    @Test(arguments: [
        ("fits: stays on the top", 2, 2, 2_000_000.0, true, 2),
        ("a little over: stays (tolerance)", 2, 2, 1_600_000, true, 2),
        ("well over: down to what fits", 2, 2, 900_000, true, 1),
        ("far over: the lowest", 2, 2, 300_000, true, 0),
        ("down to one that fits with room to drain the queue", 2, 2, 540_000, true, 0),
        ("nothing fits: the lowest", 1, 2, 50_000, true, 0),
        ("room for the next: up", 0, 2, 800_000, true, 1),
        ("the next fits but without room for its key frames: stays", 0, 2, 600_000, true, 0),
        ("room for all: up to the top", 0, 2, 5_000_000, true, 2),
        ("not quite room: stays", 1, 2, 1_900_000, true, 1),
        ("room but held: stays", 0, 2, 5_000_000, false, 0),
        ("bounded below the top", 0, 1, 5_000_000, true, 1),
        ("above a new bound: down to it", 2, 0, 5_000_000, true, 0),
    ] as [(String, Int, Int, Double, Bool, Int)])
    func choose(name: String, current: Int, top: Int, budget: Double, mayRise: Bool, expected: Int) {
        #expect(LayerChoice.choose(current: current, top: top, rates: Self.rates, budget: budget, mayRise: mayRise) == expected,
                "\(name)")
    }

    @Test func withoutCongestionAnEstimateThatHasNotGrownMovesNothingDown() {
        #expect(LayerChoice.choose(current: 2, top: 2, rates: Self.rates, budget: 900_000, mayRise: true, mayFall: false) == 2)
        // A bound still applies.
        #expect(LayerChoice.choose(current: 2, top: 1, rates: Self.rates, budget: 900_000, mayRise: true, mayFall: false) == 1)
    }
}
