import RTP

/// The send side of transport-wide congestion control toward one peer: the bridge numbers
/// every RTP packet it sends on the transport (draft-holmer-rmcat-transport-wide-cc-
/// extensions-01), whatever stream it belongs to, and remembers when it left and how big it
/// was, so that the peer's transport-cc feedback can be turned into (sent, size, arrived)
/// triples for the downlink estimate. A ring indexed by the sequence number, 8 bytes a packet
/// (16 KiB a receiver: about 6 s of a 720p stream, where feedback comes within a round trip);
/// nothing here allocates after `init`. A value owned by its transport, which calls
/// `deallocate()`.
struct TransportSendHistory {
    /// The transport-wide sequence number's header extension ID negotiated with the peer.
    let extensionID: UInt8
    static let capacity = 1 << 11
    private static let mask = capacity - 1
    private struct Entry {
        var sequence: UInt16
        var size: UInt16
        /// The low 32 bits of the µs it was sent at (`lastSent` gives the rest).
        var sentAt: UInt32
    }
    /// When the last numbered packet was sent (µs).
    private var lastSent: Int64 = 0
    private let entries: UnsafeMutablePointer<Entry>
    /// The number the next packet gets.
    private(set) var next = UInt16.random(in: 0...UInt16.max)
    /// Packets sent with a number.
    private(set) var stamped: UInt64 = 0

    init(extensionID: UInt8) {
        self.extensionID = extensionID
        entries = .allocate(capacity: Self.capacity)
        entries.initialize(repeating: Entry(sequence: 0, size: 0, sentAt: 0), count: Self.capacity)
    }

    func deallocate() { entries.deallocate() }

    /// Numbers the packet in `buffer[0..<length]` (room for `capacity` bytes), sent at `now`
    /// (µs): returns its new length, or `length` unchanged when it cannot carry a number.
    @inline(__always)
    mutating func stamp(_ buffer: UnsafeMutableRawPointer, length: Int, capacity: Int, now: Int64) -> Int {
        guard let n = TransportSequenceStamp.stamp(buffer, length: length, capacity: capacity, id: extensionID, sequence: next)
        else { return length }
        entries[Int(next) & Self.mask] = Entry(sequence: next, size: UInt16(truncatingIfNeeded: n),
                                               sentAt: UInt32(truncatingIfNeeded: now))
        lastSent = now
        next &+= 1
        stamped &+= 1
        return n
    }

    /// When the packet numbered `sequence` was sent (µs) and its size; nil when it is not in
    /// the ring (too old, or never sent).
    func sent(_ sequence: UInt16) -> (at: Int64, size: Int)? {
        let e = entries[Int(sequence) & Self.mask]
        let age = next &- sequence
        guard stamped > 0, e.sequence == sequence, age > 0, Int(age) <= Self.capacity else { return nil }
        return (lastSent - Int64(UInt32(truncatingIfNeeded: lastSent) &- e.sentAt), Int(e.size))
    }
}
