// Writing transport-cc feedback in place: the same bytes as building `PacketStatus` arrays and
// serializing them, split where the buffer or a delta's range ends.

import Testing
@testable import RTP

@Suite struct TransportWideCongestionControlWriterTests {
    /// Writes `arrivals` from index `from` with a `capacity`-byte buffer.
    private func write(_ arrivals: [Int64?], from: Int = 0, base: UInt16 = 0, capacity: Int = 1200) -> (bytes: [UInt8], packets: Int) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 8)
        let deltas = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate(); deltas.deallocate() }
        let (n, packets) = TransportWideCongestionControl.write(
            senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: base, feedbackPacketCount: 7, count: arrivals.count - from,
            arrival: { arrivals[from + $0] }, into: buffer, deltas: deltas)
        return (Array(buffer[0..<n]), packets)
    }

    /// What the array-building path writes for the same packets.
    private func reference(_ arrivals: ArraySlice<Int64?>, base: UInt16) throws -> [UInt8] {
        let twcc = try #require(TransportWideCongestionControl(
            senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: base, feedbackPacketCount: 7, arrivalTimes: Array(arrivals)))
        return RTCPPacket.transportWideCongestionControl(twcc).serialized()
    }

    @Test func sameBytesAsTheArrayBuilder() throws {
        let arrivals: [Int64?] = [1_000_000, nil, 1_000_250, 1_100_000, 999_000]
        let (bytes, packets) = write(arrivals, base: 65535)
        #expect(packets == 5)
        #expect(bytes == (try reference(arrivals[...], base: 65535)))
    }

    @Test func randomArrivalsMatchTheArrayBuilder() throws {
        var generator = SplitMix64(seed: 17)
        for _ in 0..<300 {
            var time = Int64.random(in: 0...1_000_000_000, using: &generator)
            let lossy = Int.random(in: 0..<3, using: &generator)
            let arrivals: [Int64?] = (0..<Int.random(in: 1...300, using: &generator)).map { _ in
                time += Int64.random(in: -2_000...20_000, using: &generator)
                return Int.random(in: 0..<4, using: &generator) < lossy ? nil : time
            }
            let base = UInt16.random(in: 0...UInt16.max, using: &generator)
            let (bytes, packets) = write(arrivals, base: base)
            #expect(packets == arrivals.count)
            #expect(bytes == (try reference(arrivals[...], base: base)))
        }
    }

    @Test func splitsWhereTheBufferIsFull() throws {
        // 400 packets with large deltas do not fit 200 bytes: each packet written reports a
        // prefix, parses, and the prefixes cover every packet once.
        var time: Int64 = 5_000_000
        let arrivals: [Int64?] = (0..<400).map { i in
            time += i % 3 == 0 ? 70_000 : 1_000
            return i % 7 == 3 ? nil : time
        }
        var from = 0
        var writes = 0
        while from < arrivals.count {
            let (bytes, packets) = write(arrivals, from: from, base: UInt16(from), capacity: 200)
            #expect(packets > 0 && bytes.count <= 200 && bytes.count % 4 == 0)
            #expect(bytes == (try reference(arrivals[from..<(from + packets)], base: UInt16(from))))
            let parsed = try TransportWideCongestionControl(parsing: UnsafeRawBufferPointer(start: bytes, count: bytes.count))
            #expect(parsed.packets.count == packets)
            from += packets
            writes += 1
        }
        #expect(writes > 2)
    }

    @Test func splitsWhereADeltaDoesNotFit() {
        // 9 s between two packets: more than 16 signed bits of 250 µs.
        let (_, packets) = write([0, 1_000, 9_001_000, 9_002_000])
        #expect(packets == 2)
    }

    @Test func nothingToWrite() {
        #expect(write([]).packets == 0)
        #expect(write([1, 2], capacity: 20).packets == 0)
    }
}
