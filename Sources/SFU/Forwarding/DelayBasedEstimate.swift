/// Google congestion control's delay-based detector (draft-ietf-rmcat-gcc-02 §5.2-5.4), for
/// either end of a link: given when packets were sent and when they arrived (seconds, each on
/// its own clock), it says whether the queue at the bottleneck grows (over-use), drains
/// (under-use) or holds.
///
/// Packets sent within 5 ms form a group; each group's delay variation (arrival spacing minus
/// send spacing) accumulates into the queueing delay, whose trend over the last 20 groups
/// (a least-squares slope, as libwebrtc's trendline filter) is compared with a threshold.
/// Values only, no allocation.
struct DelayTrend {
    enum Usage: Equatable { case normal, overusing, underusing }

    private static let burst = 0.005
    private static let window = 20
    private static let gain = 4.0
    private static let threshold = 12.5

    private var group: (firstSend: Double, send: Double, arrival: Double)?
    private var previous: (send: Double, arrival: Double)?
    private var accumulated = 0.0
    private var smoothed = 0.0
    private var origin: Double?
    private var points = InlineArray<20, (x: Double, y: Double)>(repeating: (0, 0))
    private var count = 0
    private var overuseStart: Double?
    private var lastTrend = 0.0
    private(set) var usage = Usage.normal

    /// A packet sent at `send` arrived at `arrival`, in the order they were sent. True when
    /// the link just started to over-use.
    mutating func packet(sent send: Double, arrival: Double) -> Bool {
        guard var g = group else {
            group = (send, send, arrival)
            return false
        }
        if send - g.firstSend <= Self.burst {
            g.send = max(g.send, send)
            g.arrival = max(g.arrival, arrival)
            group = g
            return false
        }
        let before = usage
        if let p = previous, send > g.firstSend { detect(delay: (g.arrival - p.arrival) - (g.send - p.send), at: g.arrival) }
        previous = (g.send, g.arrival)
        group = (send, send, arrival)
        return usage == .overusing && before != .overusing
    }

    /// One group's delay variation (seconds): the trend of the queueing delay, and the usage.
    private mutating func detect(delay: Double, at arrival: Double) {
        accumulated += delay * 1000
        smoothed = 0.9 * smoothed + 0.1 * accumulated
        let start = origin ?? arrival
        origin = start
        points[count % Self.window] = ((arrival - start) * 1000, smoothed)
        count += 1
        guard count >= Self.window else { return }
        var meanX = 0.0, meanY = 0.0
        for i in 0..<Self.window {
            meanX += points[i].x
            meanY += points[i].y
        }
        meanX /= Double(Self.window)
        meanY /= Double(Self.window)
        var numerator = 0.0, denominator = 0.0
        for i in 0..<Self.window {
            numerator += (points[i].x - meanX) * (points[i].y - meanY)
            denominator += (points[i].x - meanX) * (points[i].x - meanX)
        }
        let slope = denominator == 0 ? 0 : numerator / denominator
        let trend = min(Double(count), 60) * slope * Self.gain
        if trend > Self.threshold {
            if overuseStart == nil { overuseStart = arrival }
            if arrival - (overuseStart ?? arrival) >= 0.01, trend >= lastTrend { usage = .overusing }
        } else {
            overuseStart = nil
            usage = trend < -Self.threshold ? .underusing : .normal
        }
        lastTrend = trend
    }
}

/// GCC's rate controller (§5.5) with its loss-based cap (§6): the estimate in bits per second
/// from the detector's usage, what gets through (`incoming`: what arrives at the receiver),
/// and the fraction lost.
struct RateController {
    /// The estimate in bits per second (nil until the first update).
    private(set) var estimate: Double?
    private var lastDecrease = -Double.infinity
    static let floor = 30_000.0

    /// Each second and at the start of an over-use: down to 85% of what arrives when
    /// over-using (at most once per 300 ms), held while the queue drains, else up 8% but not
    /// past 1.5x what arrives (an estimate already above that is held, as libwebrtc's AIMD
    /// control does: a sender that sends less than it may does not lose its estimate); capped
    /// by the loss-based rule (over 10% lost: what arrives, less half the loss).
    mutating func update(incoming: Double, fractionLost: UInt8, usage: DelayTrend.Usage, now: Double) -> Double {
        var e = estimate ?? max(incoming, 300_000)
        switch usage {
        case .overusing:
            if now - lastDecrease >= 0.3 {
                e = min(e, 0.85 * incoming)
                lastDecrease = now
            }
        case .underusing:
            break
        case .normal:
            e = max(e, min(e * 1.08, 1.5 * incoming + 10_000))
        }
        let loss = Double(fractionLost) / 256
        if loss > 0.1 { e = min(e, incoming * (1 - 0.5 * loss)) }
        e = max(e, Self.floor)
        estimate = e
        return e
    }

    /// A probe showed the link carries `rate`: the estimate is raised to it (never lowered).
    mutating func raise(to rate: Double) {
        estimate = max(estimate ?? 0, rate)
    }
}
