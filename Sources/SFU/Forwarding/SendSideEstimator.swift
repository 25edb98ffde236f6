/// The downlink estimate toward one receiver (a viewer, a conference member): the bridge
/// numbers what it sends (transport-wide sequence numbers), the receiver's transport-cc
/// feedback says when each packet arrived, and Google congestion control's delay-based
/// detector and rate controller (`DelayTrend`, `RateController`, the same ones the receive-side
/// estimate uses) turn that into bits per second, capped by the loss the feedback shows.
///
/// A receiver sent less than its link carries (a lower simulcast encoding) can only show
/// more with more: a probe sends padding on top of the media for a short while, and what
/// arrived over the probe (bytes over the spread of their arrival times, so a bottleneck
/// spreads them out to its own rate) raises the estimate when it is higher.
///
/// Times are µs on `MediaClock` (sent) and on the receiver's clock (arrived). Values only,
/// no allocation.
struct SendSideEstimator {
    private var trend = DelayTrend()
    private var controller = RateController()
    /// Since the last measurement: bytes that arrived (after the first), over the spread of
    /// their arrival times (so a saturated link shows its own rate, not what was sent);
    /// packets reported and lost.
    private var acked = 0
    private var arrivals: (first: Int64, last: Int64)?
    private var reported = 0
    private var lost = 0
    /// What arrived per second over the last update's window.
    private(set) var incoming = 0.0
    private var lastUpdate: Double?
    /// A probe: the send times it covers, and what of that arrived (bytes, arrival spread).
    private struct Probe {
        let start: Int64, end: Int64, target: Double
        var sent = 0, arrived = 0, firstSize = 0, packets = 0
        var first = Int64.max, last = Int64.min
    }
    private var probe: Probe?
    /// The last probe's result, bits per second (nil before one finished).
    private(set) var probed: Double?
    /// A probe whose result is at least this part of its target got through.
    static let probeSuccess = 0.85

    var usage: DelayTrend.Usage { trend.usage }
    /// The estimate in bits per second (nil before the first update).
    var estimate: Double? { controller.estimate }

    /// One packet reported in feedback, in the order sent: sent at `sent` (µs), `size` bytes,
    /// arrived at `arrival` (µs, the receiver's clock) or lost (nil). True when the link just
    /// started to over-use (the caller updates at once). A packet sent after a probe's window
    /// ends it (`probed`).
    mutating func packet(sent: Int64, size: Int, arrival: Int64?) -> Bool {
        reported += 1
        if var p = probe {
            if sent > p.end {
                finishProbe(p)
            } else if sent >= p.start {
                p.sent += size
                if let arrival {
                    if arrival < p.first { (p.first, p.firstSize) = (arrival, size) }
                    p.last = max(p.last, arrival)
                    p.arrived += size
                    p.packets += 1
                }
                probe = p
            }
        }
        guard let arrival else {
            lost += 1
            return false
        }
        if let a = arrivals {
            arrivals = (min(a.first, arrival), max(a.last, arrival))
            acked += size
        } else {
            arrivals = (arrival, arrival)
        }
        return trend.packet(sent: Double(sent) / 1e6, arrival: Double(arrival) / 1e6)
    }

    /// The rate controller, each second and at the start of an over-use (`now`: seconds).
    /// Returns the estimate in bits per second; nil until what arrives has been measured
    /// over a first window.
    @discardableResult
    mutating func update(now: Double) -> Double? {
        guard let last = lastUpdate else {
            (lastUpdate, acked, arrivals, reported, lost) = (now, 0, nil, 0, 0)
            return nil
        }
        var fraction = lastFraction
        if let a = arrivals, a.last - a.first >= 100_000 {
            incoming = Double(acked) * 8 / (Double(a.last - a.first) / 1e6)
            (acked, arrivals) = (0, nil)
            measured = true
        }
        if now - last >= 0.25 {
            fraction = reported > 0 ? UInt8(min(255, lost * 256 / reported)) : 0
            (lastUpdate, reported, lost, lastFraction) = (now, 0, 0, fraction)
        }
        guard measured else { return nil }
        if trend.usage == .overusing || fraction > 25 { lastCongestion = now }
        return controller.update(incoming: incoming, fractionLost: fraction, usage: trend.usage, now: now)
    }

    /// When the link last showed congestion (over-use, or over 10% lost), seconds.
    private(set) var lastCongestion = -Double.infinity

    /// Whether the link showed congestion at or after `time` (seconds).
    func congested(since time: Double) -> Bool { lastCongestion >= time }
    private var measured = false
    private var lastFraction: UInt8 = 0

    /// Probes what was sent between `start` and `end` (µs), at `target` bits per second.
    mutating func startProbe(from start: Int64, to end: Int64, target: Double) {
        probe = Probe(start: start, end: end, target: target)
    }

    var probing: Bool { probe != nil }

    /// What arrived of a probe, in bits per second: the bytes after the first over the spread
    /// of their arrivals; at most what was sent over the probe. When that is most of the
    /// target (`probeSuccess`: a burst measured over a few tens of milliseconds falls a little
    /// short of what it was sent at), the link carries the target: the estimate is raised to
    /// it. Otherwise the
    /// link is full at about that rate, which says nothing more than the estimate does.
    private mutating func finishProbe(_ p: Probe) {
        probe = nil
        guard p.packets >= 5, p.last > p.first else {
            probed = 0
            return
        }
        let arrived = Double(p.arrived - p.firstSize) * 8 / (Double(p.last - p.first) / 1e6)
        let sent = Double(p.sent) * 8 / (Double(max(p.end - p.start, 1)) / 1e6)
        let rate = min(arrived, sent)
        probed = rate
        if rate >= Self.probeSuccess * p.target { controller.raise(to: max(rate, p.target)) }
    }
}
