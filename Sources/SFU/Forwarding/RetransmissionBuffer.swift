/// The last `capacity` packets of one inbound stream, as received (decrypted, before any
/// rewrite), in fixed slots indexed by `sequence % capacity`: a NACK from a viewer is answered
/// from here without asking the publisher. Allocated once; storing and looking up allocate nothing.
final class RetransmissionBuffer {
    static let slotSize = 1500
    let capacity: Int
    private let mask: Int
    private let storage: UnsafeMutableRawPointer
    private var sequences: [Int32]   // -1: empty
    private var lengths: [Int]

    /// - Parameter capacity: a power of two (1024 holds a few seconds of 2.5 Mbit/s video).
    init(capacity: Int = 1024) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0, "capacity must be a power of two, not \(capacity)")
        self.capacity = capacity
        mask = capacity - 1
        storage = .allocate(byteCount: capacity * Self.slotSize, alignment: 16)
        sequences = [Int32](repeating: -1, count: capacity)
        lengths = [Int](repeating: 0, count: capacity)
    }

    deinit { storage.deallocate() }

    func store(sequence: UInt16, packet: UnsafeRawBufferPointer) {
        guard packet.count <= Self.slotSize else { return }
        let slot = Int(sequence) & mask
        (storage + slot * Self.slotSize).copyMemory(from: packet.baseAddress!, byteCount: packet.count)
        sequences[slot] = Int32(sequence)
        lengths[slot] = packet.count
    }

    /// The stored packet with this sequence number, if it is still in the buffer.
    func packet(sequence: UInt16) -> UnsafeRawBufferPointer? {
        let slot = Int(sequence) & mask
        guard sequences[slot] == Int32(sequence) else { return nil }
        return UnsafeRawBufferPointer(start: storage + slot * Self.slotSize, count: lengths[slot])
    }
}
