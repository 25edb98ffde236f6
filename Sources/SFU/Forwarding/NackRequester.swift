import Bytes
import RTP

/// Loss recovery on a publisher's uplink (RFC 4585 §6.2.1 generic NACK): the sequence numbers
/// missing from one of its video streams, asked for again at once, then every `retryInterval`
/// up to `maxTries` times, and forgotten after `maxAge` or when they arrive. The retransmission
/// comes in on the stream itself (the bridge negotiates no RTX with publishers) and goes to
/// every viewer like any packet, so a loss on the uplink is repaired once for all of them.
///
/// Fixed storage, no allocation; time is injected. A gap wider than `capacity` (the publisher
/// restarted, or lost a burst a key frame repairs better) is not asked for.
struct NackRequester {
    struct Entry {
        var sequence: UInt16 = 0
        var firstMissed: Duration = .zero
        var lastAsked: Duration = .zero
        var tries: UInt8 = 0
    }

    static let capacity = 64
    static let retryInterval: Duration = .milliseconds(100)
    static let maxTries: UInt8 = 3
    static let maxAge: Duration = .seconds(1)

    private var entries = InlineArray<64, Entry>(repeating: Entry())
    private(set) var count = 0
    private var highest: UInt16?
    /// When the next entry is due for another request (nil: none).
    private var nextDue: Duration?
    /// Packets asked for (each try counts) and packets that came after being asked for.
    private(set) var requested: UInt64 = 0
    private(set) var recovered: UInt64 = 0

    /// A packet arrived. Returns whether requests are due now (a new gap, or a retry).
    mutating func received(_ sequence: UInt16, now: Duration) -> Bool {
        guard let top = highest else {
            highest = sequence
            return false
        }
        let step = Int16(bitPattern: sequence &- top)
        if step > 0 {
            highest = sequence
            if step > 1 {
                if Int(step) - 1 > Self.capacity {
                    count = 0
                } else {
                    var s = top &+ 1
                    while s != sequence {
                        if count == Self.capacity { remove(at: 0) }
                        entries[count] = Entry(sequence: s, firstMissed: now, lastAsked: .zero, tries: 0)
                        count += 1
                        s &+= 1
                    }
                    nextDue = now
                }
            }
        } else if count > 0 {
            // Late or repaired: no longer missing.
            for i in 0..<count where entries[i].sequence == sequence {
                if entries[i].tries > 0 { recovered &+= 1 }
                remove(at: i)
                break
            }
        }
        guard let due = nextDue else { return false }
        return due <= now
    }

    private mutating func remove(at index: Int) {
        var i = index
        while i + 1 < count {
            entries[i] = entries[i + 1]
            i += 1
        }
        count -= 1
    }

    /// Writes one NACK packet (RTPFB FMT 1) for every entry due at `now` into `buffer` and
    /// returns its length (0: nothing due). Entries asked for `maxTries` times, or missing
    /// for `maxAge`, are dropped.
    mutating func writeRequest(mediaSSRC: UInt32, now: Duration, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var i = 0
        while i < count {
            if entries[i].tries >= Self.maxTries || now - entries[i].firstMissed >= Self.maxAge {
                remove(at: i)
            } else {
                i += 1
            }
        }
        nextDue = nil
        var offset = 12
        var pair: (id: UInt16, mask: UInt16)?
        for i in 0..<count {
            let e = entries[i]
            guard e.tries == 0 || now - e.lastAsked >= Self.retryInterval else {
                let due = e.lastAsked + Self.retryInterval
                nextDue = min(nextDue ?? due, due)
                continue
            }
            if let p = pair, e.sequence &- p.id >= 1, e.sequence &- p.id <= 16 {
                pair = (p.id, p.mask | 1 << (e.sequence &- p.id &- 1))
            } else {
                if let p = pair, offset + 4 <= buffer.count {
                    buffer.setUInt16(p.id, at: offset)
                    buffer.setUInt16(p.mask, at: offset + 2)
                    offset += 4
                }
                pair = (e.sequence, 0)
            }
            entries[i].tries += 1
            entries[i].lastAsked = now
            requested &+= 1
            let due = now + Self.retryInterval
            nextDue = min(nextDue ?? due, due)
        }
        guard let p = pair, offset + 4 <= buffer.count else { return 0 }
        buffer.setUInt16(p.id, at: offset)
        buffer.setUInt16(p.mask, at: offset + 2)
        offset += 4
        // Header: V=2, FMT=1, PT=205 (RTPFB), length in words minus one; sender SSRC 1.
        buffer[0] = 0x81
        buffer[1] = 205
        buffer.setUInt16(UInt16(offset / 4 - 1), at: 2)
        buffer.setUInt32(1, at: 4)
        buffer.setUInt32(mediaSSRC, at: 8)
        return offset
    }
}
