import RTP

/// The parts of one recorded RTP packet that depacketizing needs.
struct RecordedPacket: Sendable, Equatable {
    var sequenceNumber: UInt16
    var timestamp: UInt32
    var marker: Bool
    /// The payload without header, extensions or padding (empty for a padding-only packet).
    var payload: [UInt8]
    /// Arrival, in ms after the file's first packet.
    var milliseconds: UInt32

    init(sequenceNumber: UInt16, timestamp: UInt32, marker: Bool, payload: [UInt8], milliseconds: UInt32 = 0) {
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.marker = marker
        self.payload = payload
        self.milliseconds = milliseconds
    }

    /// nil for a record that is not an RTP packet (it is skipped, as janus-pp-rec does).
    init?(_ record: MJRRecord) {
        guard let p = record.rtp.withUnsafeBytes({ try? RTPPacket(parsing: $0) }) else { return nil }
        self.init(sequenceNumber: p.sequenceNumber, timestamp: p.timestamp, marker: p.marker,
                  payload: p.payload, milliseconds: record.milliseconds)
    }
}

/// Extends 32-bit RTP timestamps to 64 bits, each value placed nearest to the previous one (so a
/// step of up to 2^31 ticks either way: 6.6 hours at 90 kHz). The first value is kept as is.
struct TimestampUnwrapper: Sendable {
    private var last: Int64?

    mutating func unwrap(_ ts: UInt32) -> Int64 {
        guard let last else {
            last = Int64(ts)
            return Int64(ts)
        }
        let value = last + Int64(Int32(bitPattern: ts &- UInt32(truncatingIfNeeded: last)))
        self.last = value
        return value
    }

    /// No value seen yet.
    var peekIsFirst: Bool { last == nil }

    /// Where `ts` falls nearest to the last value, without moving the reference.
    func peek(_ ts: UInt32) -> Int64 {
        guard let last else { return Int64(ts) }
        return last + Int64(Int32(bitPattern: ts &- UInt32(truncatingIfNeeded: last)))
    }
}
