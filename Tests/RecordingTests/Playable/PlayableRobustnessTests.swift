import Foundation
import Testing
@testable import Recording

extension PlayableTests {
    /// Crash recovery reads whatever a dead process left: no input may trap. Random payloads
    /// through every depacketizer and the SPS and sequence-header parsers, and damaged copies
    /// of the fixtures through the whole builder (errors are fine, traps are not).
    struct PlayableRobustnessTests {
        /// SplitMix64: the same bytes on every run.
        struct Random: RandomNumberGenerator {
            var state: UInt64
            mutating func next() -> UInt64 {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return z ^ (z >> 31)
            }
        }

        static func bytes(_ rng: inout Random, max: Int) -> [UInt8] {
            (0..<Int.random(in: 0...max, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        }

        @Test func randomPayloadsNeverTrap() {
            var rng = Random(state: 7741)
            for codec in ["vp8", "vp9", "h264", "av1", "opus"] {
                var d = Depacketizers.make(codec: codec)!
                for _ in 0..<3000 {
                    let payloads = (0..<Int.random(in: 1...4, using: &rng)).map { _ in Self.bytes(&rng, max: 40) }
                    _ = d.startsFrame(payloads[0])
                    _ = d.depacketize(payloads)
                }
            }
            for _ in 0..<3000 {
                _ = H264SequenceParameterSet([0x67] + Self.bytes(&rng, max: 30))
                _ = AV1SequenceHeader(Self.bytes(&rng, max: 30))
                _ = VP9Depacketizer.uncompressedHeader(Self.bytes(&rng, max: 12))
            }
        }

        @Test func damagedRecordingsNeverTrap() throws {
            let dir = try PlayableTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let video = [UInt8](try Data(contentsOf: URL(fileURLWithPath: PlayableTests.fixture("streaming-vp8.mjr"))))
            let audio = [UInt8](try Data(contentsOf: URL(fileURLWithPath: PlayableTests.fixture("streaming-opus.mjr"))))
            var rng = Random(state: 6184)
            for round in 0..<30 {
                var v = video, a = audio
                for _ in 0..<(1 + round * 3) {  // from one flipped byte to dozens
                    v[Int.random(in: 8..<v.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                    a[Int.random(in: 8..<a.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                try Data(v).write(to: URL(fileURLWithPath: dir + "/v.mjr"))
                try Data(a).write(to: URL(fileURLWithPath: dir + "/a.mjr"))
                _ = try? PlayableFile.build(audio: dir + "/a.mjr", audioSync: nil, video: dir + "/v.mjr", videoSync: nil,
                                            outputBase: dir + "/out")
            }
        }
    }
}
