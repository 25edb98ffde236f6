import Synchronization

/// A single-producer, single-consumer ring of fixed slots from one thread to another: how a
/// room's home loop hands decrypted streamer packets to the loops that serve some of its viewers,
/// how those loops send key-frame requests and NACKs back, and how a recorded room's loop hands
/// its packets to the recorder's writer thread.
///
/// Allocated once (when two workers first need to talk, or a recording starts); pushing and popping copy into and
/// out of preallocated slots, take no lock and allocate nothing. Head and tail are atomics:
/// the producer publishes a slot with a releasing store of `tail`, the consumer frees it with a
/// releasing store of `head`. A full ring refuses the message (the producer counts the drop).
///
/// The producer wakes the consumer (writes its eventfd, `wakeFD`) once per batch, never per
/// message.
public final class WorkerRing: @unchecked Sendable {  // producer side confined to one thread, consumer side to another
    /// Bytes per slot: a fixed header, then the message's bytes.
    public static let slotSize = 2048
    public static let headerSize = 64
    /// Largest payload a slot holds (at least the largest packet a worker sends).
    public static let maxPayload = slotSize - headerSize
    public static let defaultCapacity = 1024

    /// Worker indices: who pushes, who pops (-1: not a worker).
    public let source: Int
    public let destination: Int
    /// The consumer's eventfd (written to wake it).
    public let wakeFD: Int32
    public let capacity: Int
    @usableFromInline let mask: Int
    @usableFromInline let storage: UnsafeMutableRawPointer

    // Producer and consumer positions on separate cache lines (class layout follows declaration
    // order), each with the other side's last-seen value cached locally. Each side's plain
    // variables are touched by that side only: no exclusivity checks needed.
    private let _pad0: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    @usableFromInline let tail = Atomic<Int>(0)
    @exclusivity(unchecked) @usableFromInline var producerTail = 0
    @exclusivity(unchecked) @usableFromInline var producerCachedHead = 0
    private let _pad1: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    @usableFromInline let head = Atomic<Int>(0)
    @exclusivity(unchecked) @usableFromInline var consumerHead = 0
    @exclusivity(unchecked) @usableFromInline var consumerCachedTail = 0
    private let _pad2: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

    /// - Parameter capacity: slots, a power of two.
    public init(source: Int, destination: Int, wakeFD: Int32, capacity: Int = WorkerRing.defaultCapacity) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0, "capacity must be a power of two")
        self.source = source
        self.destination = destination
        self.wakeFD = wakeFD
        self.capacity = capacity
        mask = capacity - 1
        storage = .allocate(byteCount: capacity * Self.slotSize, alignment: 64)
    }

    deinit { storage.deallocate() }

    // MARK: producer

    /// The next free slot to fill, or nil when the ring is full. Producer only.
    @inlinable @inline(__always)
    public func reserve() -> RingMessage? {
        if producerTail &- producerCachedHead == capacity {
            producerCachedHead = head.load(ordering: .acquiring)
            if producerTail &- producerCachedHead == capacity { return nil }
        }
        return RingMessage(slot: storage + (producerTail & mask) * Self.slotSize)
    }

    /// Publishes the slot `reserve` returned. Producer only.
    @inlinable @inline(__always)
    public func commit() {
        producerTail &+= 1
        tail.store(producerTail, ordering: .releasing)
    }

    // MARK: consumer

    /// The oldest unread message, or nil. It stays valid (and may be rewritten in place) until
    /// `release`. Consumer only.
    @inlinable @inline(__always)
    public func peek() -> RingMessage? {
        if consumerHead == consumerCachedTail {
            consumerCachedTail = tail.load(ordering: .acquiring)
            if consumerHead == consumerCachedTail { return nil }
        }
        return RingMessage(slot: storage + (consumerHead & mask) * Self.slotSize)
    }

    /// Frees the slot `peek` returned. Consumer only.
    @inlinable @inline(__always)
    public func release() {
        consumerHead &+= 1
        head.store(consumerHead, ordering: .releasing)
    }
}

/// What travels between workers. Rare control-ish messages (key-frame requests, NACKs, sender
/// reports) share the ring with media so that nothing in either direction allocates. (A
/// recorder's ring carries `media` and `senderReport` only, with its own use of the fields.)
public enum RingMessageType: UInt8, Sendable {
    /// home → viewer worker: a decrypted streamer RTP packet (a = clock rate; kind, codec).
    case media = 1
    /// home → viewer worker: a stored packet answering one viewer's NACK (a = viewer,
    /// b = the sequence number the viewer asked for).
    case retransmission = 2
    /// home → viewer worker: a streamer sender report (a = SSRC, b = RTP time, d = NTP time).
    case senderReport = 3
    /// viewer worker → home: a key frame is needed on this streamer SSRC (a; 0: every video stream).
    case keyFrameRequest = 4
    /// viewer worker → home: resend streamer packet (a = SSRC, b = its sequence number) to a
    /// viewer (c), who asked for it as sequence d.
    case nack = 5
}

/// A view of one ring slot: a 64-byte header of fixed fields, then up to `maxPayload` bytes.
public struct RingMessage {
    public let slot: UnsafeMutableRawPointer

    @inlinable
    init(slot: UnsafeMutableRawPointer) { self.slot = slot }

    @inlinable
    public var type: RingMessageType? {
        get { RingMessageType(rawValue: slot.load(as: UInt8.self)) }
        nonmutating set { slot.storeBytes(of: newValue?.rawValue ?? 0, as: UInt8.self) }
    }
    @inlinable
    public var kind: UInt8 {
        get { slot.load(fromByteOffset: 1, as: UInt8.self) }
        nonmutating set { slot.storeBytes(of: newValue, toByteOffset: 1, as: UInt8.self) }
    }
    @inlinable
    public var codec: UInt8 {
        get { slot.load(fromByteOffset: 2, as: UInt8.self) }
        nonmutating set { slot.storeBytes(of: newValue, toByteOffset: 2, as: UInt8.self) }
    }
    @inlinable
    public var length: Int {
        get { Int(slot.load(fromByteOffset: 4, as: UInt32.self)) }
        nonmutating set { slot.storeBytes(of: UInt32(truncatingIfNeeded: newValue), toByteOffset: 4, as: UInt32.self) }
    }
    /// Whom the message is for on the consumer's side (a room's token, in the SFU).
    @inlinable
    public var token: UInt32 {
        get { slot.load(fromByteOffset: 8, as: UInt32.self) }
        nonmutating set { slot.storeBytes(of: newValue, toByteOffset: 8, as: UInt32.self) }
    }
    @inlinable
    public var a: UInt32 {
        get { slot.load(fromByteOffset: 12, as: UInt32.self) }
        nonmutating set { slot.storeBytes(of: newValue, toByteOffset: 12, as: UInt32.self) }
    }
    @inlinable
    public var b: UInt32 {
        get { slot.load(fromByteOffset: 16, as: UInt32.self) }
        nonmutating set { slot.storeBytes(of: newValue, toByteOffset: 16, as: UInt32.self) }
    }
    @inlinable
    public var c: UInt32 {
        get { slot.load(fromByteOffset: 20, as: UInt32.self) }
        nonmutating set { slot.storeBytes(of: newValue, toByteOffset: 20, as: UInt32.self) }
    }
    @inlinable
    public var d: UInt64 {
        get { slot.load(fromByteOffset: 24, as: UInt64.self) }
        nonmutating set { slot.storeBytes(of: newValue, toByteOffset: 24, as: UInt64.self) }
    }

    @inlinable
    public var payload: UnsafeMutableRawPointer { slot + WorkerRing.headerSize }

    /// Copies `bytes` in as the payload; false if they do not fit.
    @inlinable @inline(__always)
    public func setPayload(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count <= WorkerRing.maxPayload else { return false }
        if bytes.count > 0 { payload.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
        length = bytes.count
        return true
    }
}
