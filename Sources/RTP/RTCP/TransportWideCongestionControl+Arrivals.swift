// Building transport-cc feedback from arrival times, and reading arrival times back out.
//
// draft-holmer §3.1.5: "The reference time field ... multiples of 64ms"; receive deltas are
// multiples of 250 µs relative to the previous received packet, the first one relative to the
// reference time. Times here are integer microseconds on any monotonic base (G14).

extension TransportWideCongestionControl {
    /// One reference-time unit in microseconds (64 ms).
    public static let referenceTimeMicroseconds: Int64 = 64_000

    /// Feedback for consecutive packets from `baseSequenceNumber`, where `arrivalTimes[i]` is
    /// when packet `base + i` arrived (µs), or nil if it did not. Returns nil when a delta does
    /// not fit 16 signed bits of 250 µs (about ±8.2 s); the caller then splits the feedback.
    ///
    /// Deltas are truncated to whole ticks against the running tick count, as libwebrtc does,
    /// so rounding never accumulates.
    public init?(
        senderSSRC: UInt32, mediaSSRC: UInt32, baseSequenceNumber: UInt16, feedbackPacketCount: UInt8,
        arrivalTimes: [Int64?]
    ) {
        guard arrivalTimes.count <= Int(UInt16.max) else { return nil }
        let firstArrival = arrivalTimes.lazy.compactMap { $0 }.first ?? 0
        let reference = Self.floorDivide(firstArrival, Self.referenceTimeMicroseconds)
        let origin = reference * Self.referenceTimeMicroseconds
        var lastTick: Int64 = 0
        var packets: [PacketStatus] = []
        packets.reserveCapacity(arrivalTimes.count)
        for (index, arrival) in arrivalTimes.enumerated() {
            let seq = baseSequenceNumber &+ UInt16(truncatingIfNeeded: index)
            guard let arrival else {
                packets.append(PacketStatus(sequenceNumber: seq, symbol: .notReceived))
                continue
            }
            let tick = Self.floorDivide(arrival - origin, Int64(Self.deltaTickMicroseconds))
            guard let delta = Int16(exactly: tick - lastTick) else { return nil }
            lastTick = tick
            packets.append(PacketStatus(sequenceNumber: seq, receivedWithDelta: delta))
        }
        // The reference time is a signed 24-bit field: keep its low 24 bits, sign-extended.
        let wrapped = (Int32(truncatingIfNeeded: reference) << 8) >> 8
        self.init(
            senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, baseSequenceNumber: baseSequenceNumber,
            referenceTime: wrapped, feedbackPacketCount: feedbackPacketCount, packets: packets)
    }

    /// The arrival time of each packet in µs on the sender-of-feedback's clock (reference time
    /// plus the running sum of deltas), nil for packets not received.
    public var arrivalTimes: [Int64?] {
        var time = Int64(referenceTime) * Self.referenceTimeMicroseconds
        return packets.map { packet in
            guard packet.symbol != .notReceived else { return nil }
            time += Int64(packet.delta) * Int64(Self.deltaTickMicroseconds)
            return time
        }
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }
}

extension TransportWideCongestionControl {
    /// Reads a whole transport-cc packet (header included) in place, calling `body` with each
    /// packet it reports, in order: its transport-wide sequence number and its arrival time in
    /// µs on the reporter's clock (reference time plus the running sum of deltas), or nil when
    /// it was not received. Nothing is allocated (the sender's estimator reads every feedback
    /// this way). Throws what `init(parsing:)` throws, before any call when the packet is too
    /// short for its chunks.
    public static func forEachArrival(in bytes: UnsafeRawBufferPointer, _ body: (UInt16, Int64?) -> Void) throws(RTCPParseError) {
        var (_, reader) = try RTCPHeader.parseBody(
            bytes, packetType: RTCPPacketType.transportFeedback,
            format: RTCPFeedbackFormat.transportWideCongestionControl)
        guard reader.readUInt32() != nil, reader.readUInt32() != nil, let base = reader.readUInt16(),
              let count = reader.readUInt16(), let reference = reader.readUInt24(), reader.readUInt8() != nil
        else { throw .packetTooShort }
        let total = Int(count)
        // The deltas follow the chunks: find where they start, then read both side by side.
        var deltas = reader
        try readStatusSymbols(&deltas, count: total) { _ in }
        var time = Int64(Int32(bitPattern: reference << 8) >> 8) * referenceTimeMicroseconds
        var index = 0
        try readStatusSymbols(&reader, count: total) { (symbol: UInt16) throws(RTCPParseError) in
            let sequence = base &+ UInt16(truncatingIfNeeded: index)
            index += 1
            switch symbol {
            case 0:
                body(sequence, nil)
            case 1:
                guard let delta = deltas.readUInt8() else { throw .packetTooShort }
                time += Int64(delta) * Int64(deltaTickMicroseconds)
                body(sequence, time)
            case 2:
                guard let delta = deltas.readUInt16() else { throw .packetTooShort }
                time += Int64(Int16(bitPattern: delta)) * Int64(deltaTickMicroseconds)
                body(sequence, time)
            default:
                throw .invalidPacketStatus
            }
        }
    }
}
