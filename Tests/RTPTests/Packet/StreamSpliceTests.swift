import Testing
import RTP

/// Successive incoming streams become one outgoing stream: sequence numbers follow on, and
/// timestamps continue advanced by the time that passed between the streams.
struct StreamSpliceTests {
    struct Step {
        var at: Duration           // when the packet arrives
        var ssrc: UInt32
        var sequence: UInt16
        var timestamp: UInt32
        var out: (UInt16, UInt32)  // what goes out
    }

    static let steps: [Step] = [
        // First stream: starts at (1, 0).
        Step(at: .milliseconds(0), ssrc: 7, sequence: 65534, timestamp: 4_294_960_000, out: (1, 0)),
        Step(at: .milliseconds(20), ssrc: 7, sequence: 65535, timestamp: 4_294_960_960, out: (2, 960)),
        Step(at: .milliseconds(40), ssrc: 7, sequence: 0, timestamp: 4_294_961_920, out: (3, 1920)),      // both wrap
        // A late packet of the first stream (reordered): mapped, not the newest.
        Step(at: .milliseconds(41), ssrc: 7, sequence: 65535, timestamp: 4_294_960_960, out: (2, 960)),
        // A second stream 500 ms after the last packet sent: sequence 4, timestamp + 0.5 s × 48 kHz.
        Step(at: .milliseconds(541), ssrc: 9, sequence: 100, timestamp: 5000, out: (4, 1920 + 24_000)),
        Step(at: .milliseconds(561), ssrc: 9, sequence: 101, timestamp: 5960, out: (5, 1920 + 24_000 + 960)),
    ]

    @Test func successiveStreamsBecomeOne() {
        var splice = StreamSplice(firstSequence: 1, firstTimestamp: 0)
        for (i, step) in Self.steps.enumerated() {
            if splice.source != step.ssrc {
                splice.anchor(source: step.ssrc, sequence: step.sequence, timestamp: step.timestamp, clockRate: 48000, now: step.at)
            }
            let out = splice.map(sequence: step.sequence, timestamp: step.timestamp)
            #expect(out.sequence == step.out.0 && out.timestamp == step.out.1, "step \(i)")
            splice.sent(sequence: out.sequence, timestamp: out.timestamp, now: step.at)
        }
        #expect(splice.packets == UInt64(Self.steps.count))
    }

    /// Packets left out (skips) close the outgoing numbers up; a NACK's outgoing number still
    /// maps back to the incoming packet it was, before and after each skip, across an anchor,
    /// and not once it is older than the 32 changes kept.
    @Test func sentNumbersMapBackThroughSkips() {
        var splice = StreamSplice(firstSequence: 1000, firstTimestamp: 0)
        splice.anchor(source: 7, sequence: 50, timestamp: 0, clockRate: 90000, now: .zero)
        var sent: [(out: UInt16, source: UInt16)] = []
        // Incoming 50...69: every packet whose number is 2 or 3 mod 4 is left out.
        for sequence in UInt16(50)..<70 {
            if sequence % 4 >= 2 {
                splice.skip()
                continue
            }
            let out = splice.map(sequence: sequence, timestamp: 0).sequence
            splice.sent(sequence: out, timestamp: 0, now: .zero)
            sent.append((out, sequence))
        }
        #expect(sent.map(\.out) == Array(1000..<1010))  // no gap
        for s in sent { #expect(splice.sourceSequence(of: s.out) == s.source, "out \(s.out)") }
        // A second stream: its packets map back, and so do the first one's.
        splice.anchor(source: 9, sequence: 7000, timestamp: 0, clockRate: 90000, now: .milliseconds(100))
        let out = splice.map(sequence: 7000, timestamp: 0).sequence
        splice.sent(sequence: out, timestamp: 0, now: .milliseconds(100))
        #expect(out == 1010 && splice.sourceSequence(of: out) == 7000 && splice.sourceSequence(of: 1009) == 69)
        // 40 more changes: the first stream's packets are too old to tell.
        for sequence in UInt16(7001)...7080 {
            if sequence % 2 == 0 {
                splice.skip()
            } else {
                let o = splice.map(sequence: sequence, timestamp: 0).sequence
                splice.sent(sequence: o, timestamp: 0, now: .milliseconds(100))
                #expect(splice.sourceSequence(of: o) == sequence)
            }
        }
        #expect(splice.sourceSequence(of: 1001) == nil)
    }

    @Test func aDetachedSpliceContinuesAtTheNextAnchor() {
        var splice = StreamSplice(firstSequence: 1000, firstTimestamp: 90_000)
        splice.anchor(source: 1, sequence: 5, timestamp: 77, clockRate: 90000, now: .seconds(10))
        let out = splice.map(sequence: 5, timestamp: 77)
        #expect(out == (1000, 90_000))
        splice.sent(sequence: out.sequence, timestamp: out.timestamp, now: .seconds(10))
        splice.detach()
        #expect(splice.source == nil)
        splice.anchor(source: 2, sequence: 9, timestamp: 0, clockRate: 90000, now: .seconds(12))
        #expect(splice.map(sequence: 9, timestamp: 0) == (1001, 90_000 + 180_000))
    }
}
