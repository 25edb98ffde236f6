import RTP

/// The send side of transport-wide congestion control toward one peer: the bridge numbers
/// every RTP packet it sends on the transport (draft-holmer-rmcat-transport-wide-cc-
/// extensions-01), whatever stream it belongs to, and remembers when it left and how big it
/// was, so that the peer's transport-cc feedback can be turned into (sent, size, arrived)
/// triples for the downlink estimate. A ring indexed by the sequence number; nothing here
/// allocates after `init`. A value owned by its transport, which calls `deallocate()`.
struct TransportSendHistory {
    /// The transport-wide sequence number's header extension ID negotiated with the peer.
    let extensionID: UInt8
    static let capacity = 1 << 12
    private static let mask = capacity - 1
    private struct Entry {
        var sequence: UInt16
        var size: UInt16
        var sentAt: Int64
    }
    private let entries: UnsafeMutablePointer<Entry>
    /// The number the next packet gets.
    private(set) var next = UInt16.random(in: 0...UInt16.max)
    /// Packets sent with a number.
    private(set) var stamped: UInt64 = 0

    init(extensionID: UInt8) {
        self.extensionID = extensionID
        entries = .allocate(capacity: Self.capacity)
        entries.initialize(repeating: Entry(sequence: 0, size: 0, sentAt: .min), count: Self.capacity)
    }

    func deallocate() { entries.deallocate() }

    /// Numbers the packet in `buffer[0..<length]` (room for `capacity` bytes), sent at `now`
    /// (µs): returns its new length, or `length` unchanged when it cannot carry a number.
    @inline(__always)
    mutating func stamp(_ buffer: UnsafeMutableRawPointer, length: Int, capacity: Int, now: Int64) -> Int {
        guard let n = TransportSequenceStamp.stamp(buffer, length: length, capacity: capacity, id: extensionID, sequence: next)
        else { return length }
        entries[Int(next) & Self.mask] = Entry(sequence: next, size: UInt16(truncatingIfNeeded: n), sentAt: now)
        next &+= 1
        stamped &+= 1
        return n
    }

    /// When the packet numbered `sequence` was sent (µs) and its size; nil when it is not in
    /// the ring (too old, or never sent).
    func sent(_ sequence: UInt16) -> (at: Int64, size: Int)? {
        let e = entries[Int(sequence) & Self.mask]
        guard e.sequence == sequence, e.sentAt != .min,
              Int16(bitPattern: next &- sequence) > 0 else { return nil }
        return (e.sentAt, Int(e.size))
    }
}
