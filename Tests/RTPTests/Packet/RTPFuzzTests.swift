// G18: random datagrams must never trap, and whatever parses re-serializes. "This test must
// only not crash" (swift-nio-ssh), plus the round-trip property.

import Testing
@testable import RTP

@Suite struct RTPFuzzTests {
    /// Exercises every accessor of a parsed view, and checks it against the owned packet.
    static func exercise(_ bytes: [UInt8]) -> Bool {
        var copy = bytes
        let viewParsed: Bool = copy.withUnsafeMutableBytes { buffer in
            guard let view = try? RTPPacketView(parsing: buffer) else { return false }
            var sum = Int(view.version) + Int(view.payloadType) + Int(view.sequenceNumber)
            sum &+= Int(view.timestamp) &+ Int(view.ssrc) &+ (view.marker ? 1 : 0)
            for index in 0..<view.csrcCount { sum &+= Int(view.csrc(at: index)) }
            sum &+= view.payload.count + view.paddingLength + view.headerLength
            view.forEachHeaderExtension { id, value in
                sum &+= Int(id) + value.count
                _ = view.headerExtension(id: id)
                _ = view.setHeaderExtensionID(id, to: id)
            }
            _ = view.headerExtension(id: 0)
            _ = view.extensionProfile
            #expect(view.headerLength + view.payloadLength + view.paddingLength == buffer.count)
            return sum != Int.min
        }
        let owned = try? parseRTP(bytes)
        #expect(viewParsed == (owned != nil))
        if let owned {
            let serialized = owned.serialized()
            #expect(serialized.count == owned.serializedSize)
            #expect((try? parseRTP(serialized)) == owned)
        }
        return viewParsed
    }

    @Test func randomBytes() {
        var generator = SplitMix64(seed: 3550)
        var parsed = 0
        for _ in 0..<4000 {
            var bytes = [UInt8].random(count: Int.random(in: 0...80, using: &generator), using: &generator)
            // Make most inputs version 2 so the parser gets past the first check.
            if !bytes.isEmpty && Int.random(in: 0..<8, using: &generator) != 0 { bytes[0] = bytes[0] & 0x3F | 0x80 }
            if Self.exercise(bytes) { parsed += 1 }
        }
        #expect(parsed > 100)  // the generator must reach the interesting paths
    }

    @Test func mutatedVectors() {
        var generator = SplitMix64(seed: 8285)
        let seeds = rtpVectors.map(\.1) + [RTPHeaderExtensionTests.rfc8285OneByteExample, RTPHeaderExtensionTests.rfc8285TwoByteExample]
        var parsed = 0
        for _ in 0..<4000 {
            var bytes = seeds.randomElement(using: &generator)!
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                switch Int.random(in: 0..<3, using: &generator) {
                case 0 where !bytes.isEmpty:
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                case 1 where !bytes.isEmpty:
                    bytes.removeLast(Int.random(in: 1...min(4, bytes.count), using: &generator))
                default:
                    bytes.append(UInt8.random(in: 0...255, using: &generator))
                }
            }
            if Self.exercise(bytes) { parsed += 1 }
        }
        #expect(parsed > 500)
    }

    @Test func everyTruncationOfEveryVector() {
        for (_, bytes, _) in rtpVectors {
            for length in 0...bytes.count { _ = Self.exercise(Array(bytes[..<length])) }
        }
    }
}
