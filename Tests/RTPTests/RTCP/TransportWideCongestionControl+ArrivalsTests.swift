// Building transport-cc feedback from arrival times (µs) and reading them back.

import Testing
@testable import RTP

@Suite struct TransportWideCongestionControlArrivalsTests {
    @Test func buildsDeltasAgainstTheReferenceTime() throws {
        // First arrival at 1_000_000 µs: reference = 15 × 64 ms = 960_000 µs, first delta
        // (40_000 µs) = 160 ticks.
        let twcc = try #require(TransportWideCongestionControl(
            senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 65535, feedbackPacketCount: 9,
            arrivalTimes: [1_000_000, nil, 1_000_250, 1_100_000, 999_000]))
        #expect(twcc.referenceTime == 15)
        #expect(twcc.baseSequenceNumber == 65535)
        #expect(twcc.packets == [
            PacketStatus(sequenceNumber: 65535, symbol: .receivedSmallDelta, delta: 160),
            PacketStatus(sequenceNumber: 0, symbol: .notReceived),
            PacketStatus(sequenceNumber: 1, symbol: .receivedSmallDelta, delta: 1),
            PacketStatus(sequenceNumber: 2, symbol: .receivedLargeOrNegativeDelta, delta: 399),
            PacketStatus(sequenceNumber: 3, symbol: .receivedLargeOrNegativeDelta, delta: -404),
        ])
        #expect(twcc.arrivalTimes == [1_000_000, nil, 1_000_250, 1_100_000, 999_000])
    }

    @Test func truncationDoesNotAccumulate() throws {
        // Arrivals every 333 µs: deltas alternate 1 and 2 ticks but the sum stays within a tick.
        let arrivals: [Int64?] = (0..<100).map { Int64(640_000 + 333 * $0) }
        let twcc = try #require(TransportWideCongestionControl(
            senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 0, feedbackPacketCount: 0, arrivalTimes: arrivals))
        for (built, original) in zip(twcc.arrivalTimes, arrivals) {
            let error = try #require(original) - (try #require(built))
            #expect(error >= 0 && error < 250)
        }
    }

    @Test func deltaTooLargeFails() {
        // 9 s between packets is more than 32767 ticks (8.19 s).
        #expect(TransportWideCongestionControl(
            senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 0, feedbackPacketCount: 0,
            arrivalTimes: [0, 9_000_000]) == nil)
    }

    @Test func nothingReceived() throws {
        let twcc = try #require(TransportWideCongestionControl(
            senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 7, feedbackPacketCount: 0, arrivalTimes: [nil, nil]))
        #expect(twcc.referenceTime == 0)
        #expect(twcc.arrivalTimes == [nil, nil])
        #expect(try parseRTCP(RTCPPacket.transportWideCongestionControl(twcc).serialized()) == [
            .transportWideCongestionControl(twcc)
        ])
    }

    @Test func referenceTimeWrapsAt24Bits() throws {
        // 2^23 × 64 ms is the first reference time that no longer fits: it wraps to -2^23.
        let arrival = Int64(1 << 23) * 64_000
        let twcc = try #require(TransportWideCongestionControl(
            senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 0, feedbackPacketCount: 0, arrivalTimes: [arrival]))
        #expect(twcc.referenceTime == -(1 << 23))
        let bytes = RTCPPacket.transportWideCongestionControl(twcc).serialized()
        #expect(bytes[16...18] == [0x80, 0x00, 0x00])  // reference time field
    }

    @Test func negativeArrivalTimes() throws {
        let twcc = try #require(TransportWideCongestionControl(
            senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 0, feedbackPacketCount: 0, arrivalTimes: [-1, 0]))
        #expect(twcc.referenceTime == -1)  // floor(-1 / 64000)
        #expect(twcc.arrivalTimes == [-250, 0])  // -1 µs truncates down to the tick at -250
    }

    @Test(arguments: [
        (Int64(7), Int64(2), Int64(3)),
        (-7, 2, -4),
        (-8, 2, -4),
        (0, 5, 0),
        (-1, 64_000, -1),
    ])
    func floorDivide(a: Int64, b: Int64, expected: Int64) {
        #expect(TransportWideCongestionControl.floorDivide(a, b) == expected)
    }

    @Test func randomArrivalsRoundTrip() throws {
        var generator = SplitMix64(seed: 250)
        for _ in 0..<300 {
            var time = Int64.random(in: 0...1_000_000_000, using: &generator)
            let arrivals: [Int64?] = (0..<Int.random(in: 1...200, using: &generator)).map { _ in
                time += Int64.random(in: -5_000...50_000, using: &generator)
                return Int.random(in: 0..<5, using: &generator) == 0 ? nil : time
            }
            guard let twcc = TransportWideCongestionControl(
                senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 0, feedbackPacketCount: 0, arrivalTimes: arrivals)
            else { continue }
            let parsed = try parseRTCP(RTCPPacket.transportWideCongestionControl(twcc).serialized())
            #expect(parsed == [.transportWideCongestionControl(twcc)])
            for (built, original) in zip(twcc.arrivalTimes, arrivals) {
                #expect((built == nil) == (original == nil))
                if let built, let original { #expect(original - built >= 0 && original - built < 250) }
            }
        }
    }

    /// Read in place, a feedback packet gives the same sequence numbers and arrival times as
    /// the parsed value, for every chunk kind (runs, one-bit and two-bit vectors); a packet cut
    /// short is refused.
    static let feedbacks: [[Int64?]] = {
        let steady: [Int64?] = (0..<40).map { Int64(640_000 + 333 * $0) }
        let lossy: [Int64?] = (0..<30).map { i -> Int64? in i % 3 == 0 ? nil : Int64(2_000_000 + 1000 * i) }
        let mixed: [Int64?] = [1_000_000, nil, 1_000_250, 1_100_000, 999_000]
        return [mixed, steady, lossy, [nil, nil, nil]]
    }()

    @Test(arguments: feedbacks)
    func readInPlace(arrivals: [Int64?]) throws {
        let twcc = try #require(TransportWideCongestionControl(
            senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 65530, feedbackPacketCount: 3, arrivalTimes: arrivals))
        let bytes = RTCPPacket.transportWideCongestionControl(twcc).serialized()
        var read: [(UInt16, Int64?)] = []
        try bytes.withUnsafeBytes { raw in
            try TransportWideCongestionControl.forEachArrival(in: raw) { read.append(($0, $1)) }
        }
        #expect(read.map(\.0) == twcc.packets.map(\.sequenceNumber))
        #expect(read.map(\.1) == twcc.arrivalTimes)
        let cut = Array(bytes.prefix(bytes.count - 4))
        var length = cut
        length[0] &= ~0x20  // no padding any more: the last 4 bytes are gone
        length[2] = 0
        length[3] = UInt8(cut.count / 4 - 1)
        #expect(throws: RTCPParseError.self) {
            try length.withUnsafeBytes { raw in try TransportWideCongestionControl.forEachArrival(in: raw) { _, _ in } }
        }
    }
}
