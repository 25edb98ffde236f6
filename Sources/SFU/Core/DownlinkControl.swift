import RTP

/// What the bridge sends one receiver, fitted to its downlink: its transport-cc feedback feeds
/// the estimate (`SendSideEstimator`), and the estimate picks the simulcast encoding of each
/// video copy it receives (`LayerChoice`), within the bounds its subscriber set
/// (`max_spatial`). A receiver held below what it may have is probed (a burst of padding on
/// top of the media, on a video copy's RTX stream) every few seconds, less often while probes fail,
/// so that it moves back up once its link carries more. Owned by its `Peer`; confined to its loop.
struct DownlinkControl {
    private(set) var estimator = SendSideEstimator()
    /// Probes sent.
    private(set) var probes: UInt64 = 0
    private var nextProbe: Duration?
    private var probeInterval = Self.firstProbeInterval
    private var probeTarget = 0.0
    private var lastProbed: Double?
    /// The first probe comes this long after the first estimate; after a probe that got
    /// through (the copy moved up), the next comes after `afterSuccess`, after one that did not,
    /// twice as long as before, up to `longestProbeInterval`.
    static let firstProbeInterval: Duration = .seconds(2)
    static let afterSuccess: Duration = .seconds(1)
    static let longestProbeInterval: Duration = .seconds(4)
    /// A probe is a burst of padding worth this long at the rate probed for, measured with
    /// the media sent over the same time: short enough that a full link's queue takes it
    /// without dropping media.
    static let probeDuration: Duration = .milliseconds(40)
    /// A probe asks for this much more than the encodings wanted need (so that a probe that
    /// gets through leaves the room `LayerChoice` wants to move up).
    static let probeHeadroom = 1.75
    /// After its estimate moved a copy down, it is not moved up for this long; twice as long
    /// each time a move up is undone within `upgradeTrial` (up to `longestHold`), back to this
    /// once it kept an encoding that long.
    static let holdAfterDowngrade: Duration = .seconds(4)
    static let upgradeTrial: Duration = .seconds(10)
    static let longestHold: Duration = .seconds(16)
    /// The estimate moves a copy down only within this long (seconds) of a sign of congestion.
    static let congestionMemory = 2.0

    /// One transport-cc feedback packet from the receiver on what `transport` sent it. True
    /// when the link just started to over-use.
    mutating func received(_ feedback: UnsafeRawBufferPointer, from transport: WebRTCTransport) -> Bool {
        var overuse = false
        do {
            try TransportWideCongestionControl.forEachArrival(in: feedback) { sequence, arrival in
                guard let sent = transport.sentPacket(sequence) else { return }
                if estimator.packet(sent: sent.at, size: sent.size, arrival: arrival) { overuse = true }
            }
        } catch {
            transport.worker.drops.count(.rtcpMalformed)
        }
        return overuse
    }

    /// The estimate, then each video copy's encoding; at a `tick` (once a second) also the
    /// rates measured and, where a copy is held below its bound and `mayProbe`, a probe: the
    /// bytes of padding to send at once (0: none).
    @discardableResult
    mutating func update(consumers: Dictionary<UInt32, Consumer>.Values, now: Duration, tick: Bool = false,
                         mayProbe: Bool = false) -> Int {
        guard let estimate = estimator.update(now: now.inSeconds) else { return 0 }
        if let p = estimator.probed, p != lastProbed {
            // A probe finished: probe again soon if it showed enough, later and later if not.
            lastProbed = p
            probeInterval = p >= SendSideEstimator.probeSuccess * probeTarget
                ? Self.afterSuccess : min(max(probeInterval, Self.firstProbeInterval) * 2, Self.longestProbeInterval)
            nextProbe = now + probeInterval
        }
        var audio = 0.0
        var videoCount = 0
        for c in consumers where c.isActive {
            if c.kind == .audio { audio += c.bitrate } else { videoCount += 1 }
        }
        guard videoCount > 0 else { return 0 }
        // 10% of the estimate is left for retransmissions and packet overhead.
        let share = max(0, 0.9 * estimate - audio) / Double(videoCount)
        var wanted = 0.0
        var held = false
        for c in consumers where c.isActive && c.kind == .video {
            c.table.measureLayers(now: now)
            let layers = Int(c.table.layerCount)
            guard layers > 1 else {
                c.estimateLayer = nil
                c.estimateTemporal = nil
                continue
            }
            let top = min(c.maxSpatial ?? (layers - 1), layers - 1)
            let current = min(c.estimateLayer ?? top, top)
            if now - c.lastDowngrade >= Self.upgradeTrial && now - c.lastUpgrade >= Self.upgradeTrial {
                c.upgradeHold = Self.holdAfterDowngrade
            }
            let mayRise = now - c.lastDowngrade >= c.upgradeHold
            let mayFall = estimator.congested(since: now.inSeconds - Self.congestionMemory)
            let chosen = LayerChoice.choose(current: current, top: top, rates: c.table.layerRates, budget: share,
                                            mayRise: mayRise, mayFall: mayFall)
            // On the lowest encoding, one that still does not fit sheds temporal layers (frame
            // rate) rather than stalling: the same choice over its rate up to each layer.
            let temporal = c.table.temporalRates(of: 0)
            let temporalTop = min(c.maxTemporal ?? (temporal.count - 1), temporal.count - 1)
            let temporalNow = chosen == 0 && current == 0 ? min(c.estimateTemporal ?? temporalTop, temporalTop) : temporalTop
            let temporalChosen = chosen == 0 && temporal.count > 1
                ? LayerChoice.choose(current: temporalNow, top: temporalTop, rates: temporal.rates, budget: share,
                                     mayRise: mayRise, mayFall: mayFall)
                : temporalTop
            if chosen > current || (chosen == current && temporalChosen > temporalNow) { c.lastUpgrade = now }
            if chosen < current || (chosen == current && temporalChosen < temporalNow) {
                if now - c.lastUpgrade < Self.upgradeTrial { c.upgradeHold = min(c.upgradeHold * 2, Self.longestHold) }
                c.lastDowngrade = now
                // The encoding it is on no longer gets through: stop it now, so that the queue
                // toward it drains and the lower one's key frame is not dropped behind it.
                if let on = c.layer, on > chosen { c.waitingForKeyFrame = true }
            }
            c.estimateLayer = chosen >= layers - 1 ? nil : chosen
            c.estimateTemporal = temporalChosen >= temporal.count - 1 ? nil : temporalChosen
            // A probe is for the next layer up of each copy held below its bound.
            if temporalChosen < temporalTop {
                wanted += temporal.rates[temporalChosen + 1]
                held = true
            } else {
                wanted += c.table.layerRates[chosen < top ? chosen + 1 : chosen]
                if chosen < top { held = true }
            }
        }
        guard tick, mayProbe else { return 0 }
        if nextProbe == nil { nextProbe = now + probeInterval }
        let target = (wanted * Self.probeHeadroom + audio)
        guard held, !estimator.probing, now >= nextProbe!, estimate < target else { return 0 }
        let start = now.inMicroseconds
        estimator.startProbe(from: start, to: start + Self.probeDuration.inMicroseconds, target: target)
        probeTarget = target
        probes &+= 1
        nextProbe = now + probeInterval
        // The whole target in padding: the media on top is lumpy (a frame every few tens of
        // milliseconds), and a burst short of the target would read as a link that cannot carry it.
        return Int(target * Self.probeDuration.inSeconds / 8)
    }
}

/// Which simulcast encoding fits a budget, with hysteresis so that a copy does not flap: it
/// stays on its encoding while that one's rate is within 10% over the budget, goes down at
/// once to the highest that fits with 50% to spare when it is not (and only when `mayFall`: the link showed
/// congestion, since an estimate that merely has not grown yet says nothing against what
/// gets through), and goes up only to an encoding whose rate fits the budget with 50% to
/// spare (and only when `mayRise`): an encoder's key frames come in bursts several times its
/// average rate, and a link filled to its average drops them.
enum LayerChoice {
    static let tolerance = 1.1
    static let headroom = 1.5

    /// `rates`: each encoding's bits per second, 0 the lowest; `top`: the highest allowed.
    static func choose(current: Int, top: Int, rates: InlineArray<4, Double>, budget: Double, mayRise: Bool,
                       mayFall: Bool = true) -> Int {
        var c = max(0, min(current, top, 3))
        if rates[c] > budget * tolerance {
            guard mayFall else { return c }
            while c > 0 && rates[c] * headroom > budget { c -= 1 }
            return c
        }
        guard mayRise else { return c }
        while c < min(top, 3) && rates[c + 1] * headroom <= budget { c += 1 }
        return c
    }
}
