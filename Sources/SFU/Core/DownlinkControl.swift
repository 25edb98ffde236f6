import RTP

/// What the bridge sends one receiver, fitted to its downlink: its transport-cc feedback feeds
/// the estimate (`SendSideEstimator`), and the estimate picks the simulcast encoding of each
/// video copy it receives (`LayerChoice`), within the bounds its subscriber set
/// (`max_spatial`). A receiver held below what it may have is probed (padding on top of the
/// media, `WebRTCTransport.probe`) every few seconds, less often while probes fail, so that it
/// moves back up once its link carries more. Owned by its `Peer`; confined to its loop.
struct DownlinkControl {
    private(set) var estimator = SendSideEstimator()
    /// Probes sent.
    private(set) var probes: UInt64 = 0
    private var nextProbe: Duration?
    private var probeInterval = Self.firstProbeInterval
    private var probeTarget = 0.0
    private var lastProbed: Double?
    static let firstProbeInterval: Duration = .seconds(2)
    static let longestProbeInterval: Duration = .seconds(8)
    static let probeDuration: Duration = .milliseconds(300)
    /// A probe asks for this much more than the encodings wanted need.
    static let probeHeadroom = 1.3
    /// After its estimate moved a copy down, it is not moved up for this long.
    static let holdAfterDowngrade: Duration = .seconds(4)
    /// The estimate moves a copy down only within this long (seconds) of a sign of congestion.
    static let congestionMemory = 2.0

    /// One transport-cc feedback packet from the receiver on what `transport` sent it. True
    /// when the link just started to over-use.
    mutating func received(_ feedback: UnsafeRawBufferPointer, from transport: WebRTCTransport) -> Bool {
        guard let fb = try? TransportWideCongestionControl(parsing: feedback) else {
            transport.worker.drops.count(.rtcpMalformed)
            return false
        }
        var overuse = false
        var time = Int64(fb.referenceTime) * TransportWideCongestionControl.referenceTimeMicroseconds
        for status in fb.packets {
            var arrival: Int64?
            if status.symbol != .notReceived {
                time += Int64(status.deltaMicroseconds)
                arrival = time
            }
            guard let sent = transport.sentPacket(status.sequenceNumber) else { continue }
            if estimator.packet(sent: sent.at, size: sent.size, arrival: arrival) { overuse = true }
        }
        return overuse
    }

    /// The estimate, then each video copy's encoding; at a `tick` (once a second) also the
    /// rates measured and, where a copy is held below its bound, a probe.
    mutating func update(consumers: Dictionary<UInt32, Consumer>.Values, now: Duration, tick: Bool = false,
                         transport: WebRTCTransport? = nil) {
        guard let estimate = estimator.update(now: now.inSeconds) else { return }
        if let p = estimator.probed, p != lastProbed {
            // A probe finished: probe again soon if it showed enough, later and later if not.
            lastProbed = p
            probeInterval = p >= 0.9 * probeTarget ? Self.firstProbeInterval : min(probeInterval * 2, Self.longestProbeInterval)
            nextProbe = now + probeInterval
        }
        var audio = 0.0
        var videoCount = 0
        for c in consumers where c.isActive {
            if tick { c.measureRate(now: now) }
            if c.kind == .audio { audio += c.bitrate } else { videoCount += 1 }
        }
        guard videoCount > 0 else { return }
        let share = max(0, estimate - audio) / Double(videoCount)
        var wanted = 0.0
        for c in consumers where c.isActive && c.kind == .video {
            c.table.measureLayers(now: now)
            let layers = Int(c.table.layerCount)
            guard layers > 1 else {
                c.estimateLayer = nil
                continue
            }
            let top = min(c.maxSpatial ?? (layers - 1), layers - 1)
            let current = min(c.estimateLayer ?? top, top)
            let chosen = LayerChoice.choose(current: current, top: top, rates: c.table.layerRates, budget: share,
                                            mayRise: now - c.lastDowngrade >= Self.holdAfterDowngrade,
                                            mayFall: estimator.congested(since: now.inSeconds - Self.congestionMemory))
            if chosen < current { c.lastDowngrade = now }
            c.estimateLayer = chosen >= layers - 1 ? nil : chosen
            if chosen < top { wanted += c.table.layerRates[top] }
        }
        guard tick, let transport else { return }
        if nextProbe == nil { nextProbe = now + probeInterval }
        let target = (wanted * Self.probeHeadroom + audio)
        guard wanted > 0, !estimator.probing, now >= nextProbe!, estimate < target else { return }
        let padding = target - Double(transport.bitrateOut)
        guard padding > 0 else { return }
        transport.probe(bitrate: padding, for: Self.probeDuration)
        let start = now.inMicroseconds
        estimator.startProbe(from: start, to: start + Self.probeDuration.inMicroseconds)
        probeTarget = target
        probes &+= 1
        nextProbe = now + probeInterval
    }
}

/// Which simulcast encoding fits a budget, with hysteresis so that a copy does not flap: it
/// stays on its encoding while that one's rate is within 10% over the budget, goes down at
/// once to the highest that fits when it is not (and only when `mayFall`: the link showed
/// congestion, since an estimate that merely has not grown yet says nothing against what
/// gets through), and goes up only to an encoding whose rate fits the budget with 15% to
/// spare (and only when `mayRise`).
enum LayerChoice {
    static let tolerance = 1.1
    static let headroom = 1.15

    /// `rates`: each encoding's bits per second, 0 the lowest; `top`: the highest allowed.
    static func choose(current: Int, top: Int, rates: InlineArray<4, Double>, budget: Double, mayRise: Bool,
                       mayFall: Bool = true) -> Int {
        var c = max(0, min(current, top, 3))
        if rates[c] > budget * tolerance {
            guard mayFall else { return c }
            while c > 0 && rates[c] > budget { c -= 1 }
            return c
        }
        guard mayRise else { return c }
        while c < min(top, 3) && rates[c + 1] * headroom <= budget { c += 1 }
        return c
    }
}
