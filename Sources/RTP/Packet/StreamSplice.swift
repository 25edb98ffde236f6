/// One continuous outgoing RTP stream (sequence numbers and timestamps) made of a succession of
/// incoming streams: what a viewer's track sends while streamers come and go, and what a
/// recording writes. When a new incoming stream is anchored, its next sequence number follows
/// the last one sent (no gap for the receiver to NACK) and its timestamps continue from the last
/// one sent, advanced by the time that has passed (so a pause plays as a pause).
///
/// A value type with the time passed in (`Duration` since any fixed origin the owner chooses).
public struct StreamSplice: Sendable {
    /// The incoming SSRC currently mapped, nil before the first and after `detach`.
    public private(set) var source: UInt32?
    @usableFromInline var _sequenceOffset: UInt16 = 0
    @usableFromInline var _timestampOffset: UInt32 = 0
    @usableFromInline var lastSequence: UInt16
    @usableFromInline var lastTimestamp: UInt32
    @usableFromInline var lastSentAt: Duration?
    @usableFromInline var _packets: UInt64 = 0
    /// Where the offset last changed (a skip, an anchor): from which outgoing sequence number
    /// each offset applies, newest at `changeCount - 1` (a ring), so that a packet sent before
    /// a change maps back to what it was (a NACK names the outgoing number).
    @usableFromInline var changes = InlineArray<32, (out: UInt16, offset: UInt16)>(repeating: (0, 0))
    @usableFromInline var changeCount = 0

    public var sequenceOffset: UInt16 { _sequenceOffset }
    public var timestampOffset: UInt32 { _timestampOffset }
    /// Packets sent since the splice was made.
    public var packets: UInt64 { _packets }

    /// The first packet sent gets `firstSequence` and `firstTimestamp`.
    public init(firstSequence: UInt16, firstTimestamp: UInt32) {
        lastSequence = firstSequence &- 1
        lastTimestamp = firstTimestamp
    }

    /// Maps the incoming stream `source`, whose next packet has `sequence` and `timestamp`.
    public mutating func anchor(source: UInt32, sequence: UInt16, timestamp: UInt32, clockRate: Int, now: Duration) {
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
        _sequenceOffset = (lastSequence &+ 1) &- sequence
        _timestampOffset = nextTimestamp &- timestamp
        offsetChanged()
    }

    /// The outgoing sequence number and timestamp of an incoming packet of `source`.
    @inlinable @inline(__always)
    public func map(sequence: UInt16, timestamp: UInt32) -> (sequence: UInt16, timestamp: UInt32) {
        (sequence &+ _sequenceOffset, timestamp &+ _timestampOffset)
    }

    /// A packet went out with these (outgoing) numbers: the newest one is what the next anchor
    /// continues from.
    @inlinable @inline(__always)
    public mutating func sent(sequence: UInt16, timestamp: UInt32, now: Duration) {
        if SequenceNumber.isNewer(sequence, than: lastSequence) || _packets == 0 {
            lastSequence = sequence
            lastTimestamp = timestamp
        }
        lastSentAt = now
        _packets &+= 1
    }

    /// An incoming packet is left out (a temporal layer not sent): the ones after it close up,
    /// so the receiver sees no gap to ask for.
    @inlinable @inline(__always)
    public mutating func skip() {
        _sequenceOffset &-= 1
        offsetChanged()
    }

    /// The offset changed: it applies from the next outgoing sequence number on.
    @inlinable
    mutating func offsetChanged() {
        let next = lastSequence &+ 1
        if changeCount > 0 && changes[(changeCount &- 1) & 31].out == next {
            changes[(changeCount &- 1) & 31].offset = _sequenceOffset
        } else {
            changes[changeCount & 31] = (next, _sequenceOffset)
            changeCount &+= 1
        }
    }

    /// The incoming sequence number of the packet sent as `sequence` (a NACK's), through the
    /// skips and anchors since; nil when it went out before the last 32 of them.
    public func sourceSequence(of sequence: UInt16) -> UInt16? {
        guard changeCount > 0 else { return sequence &- _sequenceOffset }
        for i in 0..<min(changeCount, 32) {
            let change = changes[(changeCount &- 1 &- i) & 31]
            if Int16(bitPattern: sequence &- change.out) >= 0 { return sequence &- change.offset }
        }
        return nil
    }

    /// The incoming stream is gone; the next `anchor` continues the outgoing one.
    public mutating func detach() {
        source = nil
    }
}
