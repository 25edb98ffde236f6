import RTP

/// The latest key frame of a video stream and every packet that followed it, as forwarded
/// (before any viewer's rewrite): a viewer that joins mid-stream is sent these at once and
/// decodes from the key frame, instead of waiting for a key-frame request's round trip to the
/// publisher (instant join). One byte buffer, allocated by `prepare` (the control plane, when a
/// stream with video starts); storing allocates nothing.
///
/// A packet that starts a key frame empties it and is stored first. It holds up to `capacity`
/// bytes and `maxPackets` packets after a key frame (2 MiB: 6 s of 2.5 Mbit/s video); past
/// that, or when the stream changes (another SSRC), it is stale until the next key frame, and a
/// joining viewer needs a key-frame request as before.
final class KeyFrameCache {
    let capacity: Int
    let maxPackets: Int
    private var storage: UnsafeMutableRawPointer?
    private var offsets: UnsafeMutablePointer<Int32>?
    private var lengths: UnsafeMutablePointer<Int32>?
    /// Packets held (0: none, or stale).
    private(set) var count = 0
    private var used = 0
    /// The stream whose key frame it holds.
    private(set) var ssrc: UInt32 = 0
    /// When its key frame arrived.
    private(set) var keyFrameAt: ContinuousClock.Instant?
    /// The held stream's codec and clock rate.
    private(set) var codec: CodecKind = .other
    private(set) var clockRate = 90000

    init(capacity: Int = 2 << 20, maxPackets: Int = 2048) {
        self.capacity = capacity
        self.maxPackets = maxPackets
    }

    deinit {
        storage?.deallocate()
        offsets?.deallocate()
        lengths?.deallocate()
    }

    /// Whether it holds a key frame and what followed it.
    var isFresh: Bool { count > 0 }

    /// Allocates the buffer (once; the control plane, before packets come).
    func prepare() {
        guard storage == nil else { return }
        storage = .allocate(byteCount: capacity, alignment: 16)
        offsets = .allocate(capacity: maxPackets)
        lengths = .allocate(capacity: maxPackets)
    }

    /// One forwarded packet of the stream; `startsKeyFrame` says whether it begins a key frame.
    @inline(__always)
    func store(_ packet: UnsafeRawBufferPointer, ssrc: UInt32, startsKeyFrame: Bool, codec: CodecKind, clockRate: Int,
               now: ContinuousClock.Instant) {
        if startsKeyFrame {
            count = 0
            used = 0
            self.ssrc = ssrc
            self.codec = codec
            self.clockRate = clockRate
            keyFrameAt = now
        } else if count == 0 || ssrc != self.ssrc {
            count = 0
            return
        }
        guard count < maxPackets, used + packet.count <= capacity, let storage, let offsets, let lengths else {
            count = 0  // too much since the key frame: stale until the next one
            return
        }
        (storage + used).copyMemory(from: packet.baseAddress!, byteCount: packet.count)
        offsets[count] = Int32(used)
        lengths[count] = Int32(packet.count)
        used += packet.count
        count += 1
    }

    /// The held packets in order, from the key frame.
    func forEach(_ body: (UnsafeRawBufferPointer) -> Void) {
        guard let storage, let offsets, let lengths else { return }
        for i in 0..<count {
            body(UnsafeRawBufferPointer(start: storage + Int(offsets[i]), count: Int(lengths[i])))
        }
    }

    /// The stream is gone (the streamer changed): nothing held.
    func clear() { count = 0 }
}
