import RTP

/// Puts a track's packets back in sequence order. The recorder writes them in arrival order, so
/// a file holds small reorderings (the network's) and late retransmissions (NACK answered after
/// a round trip). A missing packet is waited for until 500 ms of later arrivals or 512 packets
/// have piled up behind it — a retransmission comes well within that — then given up as lost.
/// Packets older than what was already released, and duplicates, are dropped.
struct ReorderBuffer {
    /// A released packet with its 64-bit (unwrapped) sequence number.
    struct Sequenced {
        var index: Int64
        var packet: RecordedPacket
    }

    let maxDelayMilliseconds: UInt32
    let maxPackets: Int
    private var unwrapper = SequenceUnwrapper()
    private var pending: [Int64: RecordedPacket] = [:]
    /// The next index to release.
    private var next: Int64?
    /// Arrival of the first packet held behind a missing one.
    private var stuckSince: UInt32?
    /// Packets that came after their place was released (or given up).
    private(set) var late = 0
    private(set) var duplicates = 0

    init(maxDelayMilliseconds: UInt32 = 500, maxPackets: Int = 512) {
        self.maxDelayMilliseconds = maxDelayMilliseconds
        self.maxPackets = maxPackets
    }

    /// Takes one packet; appends to `out` whatever is now in order.
    mutating func insert(_ packet: RecordedPacket, into out: inout [Sequenced]) {
        let index = unwrapper.unwrap(packet.sequenceNumber)
        if next == nil { next = index }
        guard index >= next! else { late += 1; return }
        guard pending[index] == nil else { duplicates += 1; return }
        pending[index] = packet
        release(into: &out)
        guard !pending.isEmpty else { stuckSince = nil; return }
        if stuckSince == nil { stuckSince = packet.milliseconds }
        while !pending.isEmpty,
              pending.count > maxPackets || Int64(packet.milliseconds) - Int64(stuckSince!) > Int64(maxDelayMilliseconds) {
            // Give up on the missing packets: jump to the oldest one held.
            next = pending.keys.min()!
            release(into: &out)
            stuckSince = pending.isEmpty ? nil : packet.milliseconds
        }
    }

    /// At the end of the file: everything held, in order, across the holes.
    mutating func drain(into out: inout [Sequenced]) {
        for index in pending.keys.sorted() {
            out.append(Sequenced(index: index, packet: pending[index]!))
            next = index + 1
        }
        pending.removeAll()
        stuckSince = nil
    }

    private mutating func release(into out: inout [Sequenced]) {
        while let packet = pending.removeValue(forKey: next!) {
            out.append(Sequenced(index: next!, packet: packet))
            next! += 1
        }
    }
}
