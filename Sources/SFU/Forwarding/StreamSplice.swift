import RTP

/// One continuous outgoing RTP stream (sequence numbers and timestamps) made of a succession of
/// incoming streams: what a viewer's track sends while streamers come and go, and what a
/// recording writes. When a new incoming stream is anchored, its next sequence number follows
/// the last one sent (no gap for the receiver to NACK) and its timestamps continue from the last
/// one sent, advanced by the time that has passed (so a pause plays as a pause).
///
/// A value type with the time passed in (`Duration` since any fixed origin the owner chooses).
struct StreamSplice {
    /// The incoming SSRC currently mapped, nil before the first and after `detach`.
    private(set) var source: UInt32?
    private(set) var sequenceOffset: UInt16 = 0
    private(set) var timestampOffset: UInt32 = 0
    private var lastSequence: UInt16
    private var lastTimestamp: UInt32
    private var lastSentAt: Duration?
    /// Packets sent since the splice was made.
    private(set) var packets: UInt64 = 0

    /// The first packet sent gets `firstSequence` and `firstTimestamp`.
    init(firstSequence: UInt16, firstTimestamp: UInt32) {
        lastSequence = firstSequence &- 1
        lastTimestamp = firstTimestamp
    }

    /// Maps the incoming stream `source`, whose next packet has `sequence` and `timestamp`.
    mutating func anchor(source: UInt32, sequence: UInt16, timestamp: UInt32, clockRate: Int, now: Duration) {
        let nextTimestamp: UInt32
        if let lastSentAt {
            let elapsed = now - lastSentAt
            let ticks = elapsed.components.seconds * Int64(clockRate)
                + (elapsed.components.attoseconds / 1_000_000_000) * Int64(clockRate) / 1_000_000_000
            nextTimestamp = lastTimestamp &+ UInt32(truncatingIfNeeded: max(1, ticks))
        } else {
            nextTimestamp = lastTimestamp
        }
        self.source = source
        sequenceOffset = (lastSequence &+ 1) &- sequence
        timestampOffset = nextTimestamp &- timestamp
    }

    /// The outgoing sequence number and timestamp of an incoming packet of `source`.
    @inline(__always)
    func map(sequence: UInt16, timestamp: UInt32) -> (sequence: UInt16, timestamp: UInt32) {
        (sequence &+ sequenceOffset, timestamp &+ timestampOffset)
    }

    /// A packet went out with these (outgoing) numbers: the newest one is what the next anchor
    /// continues from.
    @inline(__always)
    mutating func sent(sequence: UInt16, timestamp: UInt32, now: Duration) {
        if SequenceNumber.isNewer(sequence, than: lastSequence) || packets == 0 {
            lastSequence = sequence
            lastTimestamp = timestamp
        }
        lastSentAt = now
        packets &+= 1
    }

    /// The incoming stream is gone; the next `anchor` continues the outgoing one.
    mutating func detach() {
        source = nil
    }
}
