/// Whether a participant is speaking, from the RFC 6464 audio level its packets carry
/// (`urn:ietf:params:rtp-hdrext:ssrc-audio-level`: 0–127, the level in -dBov, 127 silence).
///
/// Hysteresis twice over: speech starts with a packet at least as loud as `startLevel`, is kept
/// alive by packets at least as loud as `continueLevel` (quieter than the start), and stops
/// once none has come for `hangover`. A value type with the time passed in; no allocation.
struct SpeechActivity {
    typealias Configuration = SpeechDetection

    enum Change: Equatable { case started, stopped }

    let configuration: Configuration
    private(set) var speaking = false
    private var lastLoud: Duration = .zero
    /// Loudest level (lowest -dBov) since speech started: what ranks speakers.
    private(set) var peak: UInt8 = 127

    init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// One packet's level (the extension's low 7 bits) at `now`.
    @inline(__always)
    mutating func observe(level: UInt8, now: Duration) -> Change? {
        let level = level & 0x7F
        if speaking {
            if level <= configuration.continueLevel {
                lastLoud = now
                peak = min(peak, level)
            }
            return tick(now: now)
        }
        guard level <= configuration.startLevel else { return nil }
        speaking = true
        lastLoud = now
        peak = level
        return .started
    }

    /// Time passes with or without packets (a muted or gone participant stops speaking).
    mutating func tick(now: Duration) -> Change? {
        guard speaking, now - lastLoud >= configuration.hangover else { return nil }
        speaking = false
        peak = 127
        return .stopped
    }
}

/// The thresholds of `SpeechActivity` (configuration: `speaker_*`).
public struct SpeechDetection: Sendable, Equatable {
    /// -dBov a packet must reach to start speech (lower is louder).
    public var startLevel: UInt8
    /// -dBov that keeps speech going (at least `startLevel`).
    public var continueLevel: UInt8
    /// Quiet this long ends speech.
    public var hangover: Duration

    public init(startLevel: UInt8 = 40, continueLevel: UInt8 = 50, hangover: Duration = .milliseconds(1500)) {
        self.startLevel = min(startLevel, 127)
        self.continueLevel = min(127, max(startLevel, continueLevel))
        self.hangover = hangover
    }
}
