/// A receive-side bandwidth estimate, sent in REMB, for publishers that take REMB but not
/// transport-cc (aiortc, older stacks): Google congestion control's delay-based part
/// (draft-ietf-rmcat-gcc-02 §5: arrival-time filter, over-use detector, rate controller) over
/// the abs-send-time header extension, and its loss-based part (§6) over the reception
/// statistics. A browser with transport-cc estimates on its own side and never gets this.
///
/// Packets sent within 5 ms form a group; each group's delay variation (arrival spacing minus
/// send spacing) accumulates into the queueing delay, whose trend over the last 20 groups
/// (a least-squares slope, as libwebrtc's trendline filter) says whether the queue grows.
/// Values only, no allocation: time is injected in seconds.
struct ReceiveSideEstimator {
    enum Usage: Equatable { case normal, overusing, underusing }

    /// abs-send-time: 6.18 fixed-point seconds in 24 bits (wraps every 64 s).
    private static let sendTimeUnit = 1.0 / Double(1 << 18)
    private static let burst = 0.005
    private static let window = 20
    private static let gain = 4.0
    private static let threshold = 12.5

    private var lastRaw: UInt32?
    private var sendTime = 0.0
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
    /// The estimate in bits per second (nil until the first update).
    private(set) var estimate: Double?
    private var lastDecrease = -Double.infinity

    /// A packet with this abs-send-time arrived at `arrival` (seconds). True when the link
    /// just started to over-use: the estimate should drop and be sent at once.
    mutating func received(absSendTime raw: UInt32, arrival: Double) -> Bool {
        let raw = raw & 0xFF_FFFF
        if let last = lastRaw {
            // Signed 24-bit difference: later packets may come first.
            let diff = Int32(bitPattern: (raw &- last) << 8) >> 8
            sendTime += Double(diff) * Self.sendTimeUnit
        }
        lastRaw = raw
        guard var g = group else {
            group = (sendTime, sendTime, arrival)
            return false
        }
        if sendTime - g.firstSend <= Self.burst {
            g.send = max(g.send, sendTime)
            g.arrival = max(g.arrival, arrival)
            group = g
            return false
        }
        let before = usage
        if let p = previous, sendTime > g.firstSend { detect(delay: (g.arrival - p.arrival) - (g.send - p.send), at: g.arrival) }
        previous = (g.send, g.arrival)
        group = (sendTime, sendTime, arrival)
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

    /// The rate controller, each second and at the start of an over-use: down to 85% of what
    /// arrives when over-using (at most once per 300 ms), held while the queue drains, else up
    /// 8% (never past 1.5x what arrives); capped by the loss-based rule (over 10% lost: what
    /// arrives, less half the loss). Returns the estimate in bits per second.
    mutating func update(incoming: Double, fractionLost: UInt8, now: Double) -> Double {
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
            e = min(e * 1.08, 1.5 * incoming + 10_000)
        }
        let loss = Double(fractionLost) / 256
        if loss > 0.1 { e = min(e, incoming * (1 - 0.5 * loss)) }
        e = max(e, 30_000)
        estimate = e
        return e
    }
}
