/// The data plane's one time base: a `Duration` since a fixed instant of this process, which
/// the value-type state machines (`StreamSplice`, `SpeechActivity`) take as `now`. Worked out
/// once per packet, never per consumer.
enum MediaClock {
    static let origin = ContinuousClock.now

    @inline(__always)
    static func elapsed(_ now: ContinuousClock.Instant) -> Duration { now - origin }
}
