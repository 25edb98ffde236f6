// Writing transport-cc feedback straight from a receiver's arrival record, without building
// `PacketStatus` arrays: what a media server does every 50 ms per publisher. The bytes are
// those `init?(arrivalTimes:)` + `serialize(into:)` produce for the same packets.

import Bytes

extension TransportWideCongestionControl {
    /// Writes feedback for up to `count` consecutive packets from `baseSequenceNumber` at the
    /// start of `buffer`, where `arrival(i)` is when packet `base + i` arrived (µs on any
    /// monotonic base) or nil. `deltas` is scratch for the receive deltas, at least as large
    /// as `buffer`.
    ///
    /// Stops early, so that the packet fits `buffer`, or where a delta does not fit 16 signed
    /// bits of 250 µs; the caller writes another packet from there. Returns the bytes written
    /// and the packets they report (0 and 0 when `count` is 0 or `buffer` holds no packet).
    public static func write(
        senderSSRC: UInt32, mediaSSRC: UInt32, baseSequenceNumber: UInt16, feedbackPacketCount: UInt8, count: Int,
        arrival: (Int) -> Int64?, into buffer: UnsafeMutableRawBufferPointer, deltas: UnsafeMutableRawBufferPointer
    ) -> (bytes: Int, packets: Int) {
        // The fixed part, one chunk, one large delta and padding.
        guard count > 0, buffer.count >= fixedSize + 8, deltas.count >= buffer.count else { return (0, 0) }
        let limit = min(count, Int(UInt16.max))
        var firstArrival: Int64 = 0
        for i in 0..<limit {
            if let t = arrival(i) {
                firstArrival = t
                break
            }
        }
        let reference = floorDivide(firstArrival, referenceTimeMicroseconds)
        let origin = reference * referenceTimeMicroseconds
        var lastTick: Int64 = 0
        var chunk = LastChunk()
        var chunks = 0
        var deltaBytes = 0
        var packets = 0
        while packets < limit {
            var symbol = PacketStatusSymbol.notReceived
            var delta: Int16 = 0
            var tick = lastTick
            if let t = arrival(packets) {
                tick = floorDivide(t - origin, Int64(deltaTickMicroseconds))
                guard let d = Int16(exactly: tick - lastTick) else { break }
                delta = d
                symbol = (0...255).contains(d) ? .receivedSmallDelta : .receivedLargeOrNegativeDelta
            }
            // Room for this packet: the chunks so far, the pending one and one more, its delta,
            // and up to three bytes of padding.
            let size = Int(symbol.rawValue)
            guard fixedSize + 2 * (chunks + 2) + deltaBytes + size + 3 <= buffer.count else { break }
            if !chunk.canAdd(symbol.rawValue) {
                buffer.setUInt16(chunk.emit(), at: fixedSize + 2 * chunks)
                chunks += 1
            }
            chunk.add(symbol.rawValue)
            switch symbol {
            case .notReceived: break
            case .receivedSmallDelta: deltas[deltaBytes] = UInt8(delta)
            case .receivedLargeOrNegativeDelta: deltas.setUInt16(UInt16(bitPattern: delta), at: deltaBytes)
            }
            deltaBytes += size
            lastTick = tick
            packets += 1
        }
        guard packets > 0 else { return (0, 0) }
        buffer.setUInt16(chunk.encodeLast(), at: fixedSize + 2 * chunks)
        chunks += 1
        let unpadded = fixedSize + 2 * chunks + deltaBytes
        // The reference time is a signed 24-bit field: its low 24 bits.
        var writer = writeFrame(
            senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, baseSequenceNumber: baseSequenceNumber, statusCount: packets,
            referenceTime: Int32(truncatingIfNeeded: reference), feedbackPacketCount: feedbackPacketCount,
            unpadded: unpadded, into: buffer)
        writer.offset = fixedSize + 2 * chunks
        for i in 0..<deltaBytes { writer.write(deltas[i]) }
        return (roundUpToWord(unpadded), packets)
    }
}
