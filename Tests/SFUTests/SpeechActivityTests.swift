import Testing
@testable import SFU

/// Levels over time → speech started / stopped, with both hysteresis thresholds and the hangover.
struct SpeechActivityTests {
    // (ms, level, expected change)
    static let steps: [(Int, UInt8, SpeechActivity.Change?)] = [
        (0, 127, nil),           // silence
        (20, 45, nil),           // quieter than the start level
        (40, 30, .started),      // a beep
        (60, 127, nil),
        (540, 0x80 | 25, nil),   // the V bit is ignored; keeps speech alive
        (1000, 48, nil),         // under the continue level: still alive
        (2400, 127, nil),        // 1.4 s after the last loud packet
        (2500, 127, .stopped),   // 1.5 s
        (2520, 48, nil),         // the continue level does not start speech
        (2540, 40, .started),
    ]

    @Test func levelsBecomeSpeech() {
        var activity = SpeechActivity()
        for (i, (ms, level, change)) in Self.steps.enumerated() {
            #expect(activity.observe(level: level, now: .milliseconds(ms)) == change, "step \(i) at \(ms) ms")
        }
    }

    @Test func silenceWithoutPacketsEndsSpeech() {
        var activity = SpeechActivity(.init(hangover: .milliseconds(500)))
        #expect(activity.observe(level: 10, now: .seconds(1)) == .started)
        #expect(activity.peak == 10)
        #expect(activity.tick(now: .milliseconds(1400)) == nil)
        #expect(activity.tick(now: .milliseconds(1500)) == .stopped)
        #expect(!activity.speaking && activity.tick(now: .seconds(3)) == nil)
    }
}
