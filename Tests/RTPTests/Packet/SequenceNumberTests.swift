// G8: sequence-number comparisons and unwrapping across 65535 → 0.

import Testing
@testable import RTP

@Suite struct SequenceNumberTests {
    @Test(arguments: [
        (UInt16(1), UInt16(0), true),     // one step ahead
        (0, 1, false),                    // one step behind
        (5, 5, false),                    // equal is not newer
        (0, 65535, true),                 // across the wrap
        (65535, 0, false),
        (10, 65530, true),                // 16 ahead across the wrap
        (0x7FFF, 0, true),                // just under half the space ahead
        (0, 0x7FFF, false),
        (0x8001, 0, false),               // just over half: counts as behind
        (0, 0x8001, true),
        (0x8000, 0, true),                // exactly half: broken by plain order
        (0, 0x8000, false),
    ])
    func isNewer(a: UInt16, b: UInt16, expected: Bool) {
        #expect(SequenceNumber.isNewer(a, than: b) == expected)
    }

    @Test func isNewerIsAntisymmetric() {
        var generator = SplitMix64(seed: 8)
        for _ in 0..<2000 {
            let a = UInt16.random(in: 0...UInt16.max, using: &generator)
            let b = UInt16.random(in: 0...UInt16.max, using: &generator)
            if a == b { continue }
            #expect(SequenceNumber.isNewer(a, than: b) != SequenceNumber.isNewer(b, than: a))
        }
    }

    @Test(arguments: [
        (UInt16(0), UInt16(1), 1),
        (1, 0, -1),
        (65535, 1, 2),
        (1, 65535, -2),
        (100, 100, 0),
        (0, 0x7FFF, 32767),
        (0, 0x8000, -32768),
    ])
    func distance(from a: UInt16, to b: UInt16, expected: Int) {
        #expect(SequenceNumber.distance(from: a, to: b) == expected)
    }

    @Test func unwrapForwardAcrossWrap() {
        var unwrapper = SequenceUnwrapper()
        #expect(unwrapper.lastUnwrapped == nil)
        let input: [UInt16] = [65533, 65534, 65535, 0, 1, 2]
        #expect(input.map { unwrapper.unwrap($0) } == [65533, 65534, 65535, 65536, 65537, 65538])
        #expect(unwrapper.lastUnwrapped == 65538)
    }

    @Test func unwrapReorderedAcrossWrap() {
        var unwrapper = SequenceUnwrapper()
        let input: [UInt16] = [65534, 1, 65535, 0, 2]
        #expect(input.map { unwrapper.unwrap($0) } == [65534, 65537, 65535, 65536, 65538])
    }

    @Test func unwrapManyWraps() {
        var unwrapper = SequenceUnwrapper()
        var seq: UInt16 = 60000
        var expected = Int64(60000)
        var mismatches = 0
        for _ in 0..<300_000 {
            if unwrapper.unwrap(seq) != expected { mismatches += 1 }
            seq &+= 7
            expected += 7
        }
        #expect(mismatches == 0)
        #expect(expected > 30 * 65536)  // about 32 wraps
    }

    @Test func unwrapBackwardBeforeFirst() {
        var unwrapper = SequenceUnwrapper()
        #expect(unwrapper.unwrap(2) == 2)
        #expect(unwrapper.unwrap(65535) == -1)  // from before the first packet, across the wrap
        #expect(unwrapper.unwrap(3) == 3)
    }

    @Test func unwrapLargeJumpForward() {
        var unwrapper = SequenceUnwrapper()
        #expect(unwrapper.unwrap(0) == 0)
        #expect(unwrapper.unwrap(0x7FFF) == 0x7FFF)
        #expect(unwrapper.unwrap(0xFFFE) == 0xFFFE)
        #expect(unwrapper.unwrap(0x7FFD) == 0x1_7FFD)
    }
}
