/// The data plane's one time base: a `Duration` since a fixed instant of this process, which
/// the value-type state machines (`StreamSplice`, `SpeechActivity`) take as `now`. Worked out
/// once per packet, never per consumer.
enum MediaClock {
    static let origin = ContinuousClock.now

    @inline(__always)
    static func elapsed(_ now: ContinuousClock.Instant) -> Duration { now - origin }
}

extension Duration {
    /// The duration in seconds (rates, estimators).
    @inline(__always)
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }

    /// The duration in whole microseconds (transport-cc arrival times).
    @inline(__always)
    var inMicroseconds: Int64 { components.seconds &* 1_000_000 &+ components.attoseconds / 1_000_000_000_000 }
}
