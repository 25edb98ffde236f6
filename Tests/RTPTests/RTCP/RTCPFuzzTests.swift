// G18: random RTCP must never trap; whatever parses re-serializes, and re-serializing is a
// fixed point (serialize(parse(serialize(parse(b)))) == serialize(parse(b))).

import Testing
@testable import RTP

@Suite struct RTCPFuzzTests {
    /// Parses `bytes` as a compound packet and checks the round-trip properties.
    static func exercise(_ bytes: [UInt8]) -> Bool {
        // The iterator never traps and agrees with the compound parser about structure.
        let ranges: [Range<Int>] = withRaw(bytes) { raw in
            var iterator = RTCPCompoundIterator(raw)
            var ranges: [Range<Int>] = []
            while let (_, range) = iterator.next() { ranges.append(range) }
            return ranges
        }
        guard let packets = try? parseRTCP(bytes) else { return false }
        #expect(packets.count == ranges.count)
        let first = RTCPCompound.serialize(packets)
        #expect(first.count == RTCPCompound.serializedSize(packets))
        #expect(first.count % 4 == 0)
        guard let reparsed = try? parseRTCP(first) else {
            Issue.record("re-serialized bytes do not parse: \(first)")
            return true
        }
        #expect(RTCPCompound.serialize(reparsed) == first)
        return true
    }

    /// A random packet with a valid header for one of the interesting types.
    static func randomPacket(using generator: inout SplitMix64) -> [UInt8] {
        let types: [(UInt8, UInt8?)] = [
            (200, nil), (201, nil), (202, nil), (203, nil), (204, nil), (205, 1), (205, 15), (205, 3), (206, 1),
            (206, 4), (206, 15), (207, nil),
        ]
        let (packetType, format) = types.randomElement(using: &generator)!
        let words = Int.random(in: 0...12, using: &generator)
        var bytes = [UInt8].random(count: 4 + 4 * words, using: &generator)
        let count = format ?? UInt8.random(in: 0...3, using: &generator)
        let padding: UInt8 = Int.random(in: 0..<6, using: &generator) == 0 ? 0x20 : 0
        bytes[0] = 0x80 | padding | count
        bytes[1] = packetType
        bytes[2] = 0
        bytes[3] = UInt8(words)
        if packetType == 206 && format == 15 && words >= 3 && Bool.random(using: &generator) {
            bytes.replaceSubrange(12..<16, with: [0x52, 0x45, 0x4D, 0x42])  // "REMB"
        }
        if packetType == 205 && format == 15 && words >= 4 {
            bytes[14] = 0  // keep the packet status count small so the chunks can cover it
            bytes[15] = UInt8.random(in: 0...20, using: &generator)
        }
        return bytes
    }

    @Test func randomBytes() {
        var generator = SplitMix64(seed: 4585)
        for _ in 0..<3000 {
            var bytes = [UInt8].random(count: Int.random(in: 0...64, using: &generator), using: &generator)
            if !bytes.isEmpty { bytes[0] = bytes[0] & 0x3F | 0x80 }
            _ = Self.exercise(bytes)
        }
    }

    @Test func randomWellFramedPackets() {
        var generator = SplitMix64(seed: 5104)
        var parsed = 0
        for _ in 0..<4000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 1...3, using: &generator) { bytes += Self.randomPacket(using: &generator) }
            if Self.exercise(bytes) { parsed += 1 }
        }
        #expect(parsed > 1000)
    }

    @Test func mutatedVectors() {
        var generator = SplitMix64(seed: 3611)
        let seeds: [[UInt8]] =
            senderReportVectors.map(\.1) + receiverReportVectors.map(\.1) + sourceDescriptionVectors.map(\.1)
            + goodbyeVectors.map(\.1) + applicationDefinedVectors.map(\.1) + transportLayerNackVectors.map(\.1)
            + pictureLossIndicationVectors.map(\.1) + fullIntraRequestVectors.map(\.1)
            + receiverEstimatedMaximumBitrateVectors.map(\.1) + transportWideCongestionControlVectors.map(\.1)
        var parsed = 0
        for _ in 0..<4000 {
            var bytes = seeds.randomElement(using: &generator)!
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                // Mutate the body only, so most packets keep a valid frame.
                if bytes.count > 4 {
                    bytes[Int.random(in: 4..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            }
            if Self.exercise(bytes) { parsed += 1 }
        }
        #expect(parsed > 1000)
    }

    @Test func everyTruncationOfEveryVector() {
        let seeds: [[UInt8]] =
            senderReportVectors.map(\.1) + sourceDescriptionVectors.map(\.1) + goodbyeVectors.map(\.1)
            + transportWideCongestionControlVectors.map(\.1) + receiverEstimatedMaximumBitrateVectors.map(\.1)
        for bytes in seeds {
            for length in 0...bytes.count {
                var truncated = Array(bytes[..<length])
                // Shrink the length field to match, so the body parser sees the short packet.
                if truncated.count >= 4 {
                    let words = truncated.count / 4 - 1
                    truncated = Array(truncated[..<(4 * (words + 1))])
                    truncated[2] = 0
                    truncated[3] = UInt8(words)
                    truncated[0] &= ~0x20  // no padding
                }
                _ = Self.exercise(truncated)
            }
        }
    }
}
