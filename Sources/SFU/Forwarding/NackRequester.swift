import RTP

/// Loss recovery on a publisher's uplink (RFC 4585 §6.2.1 generic NACK): the sequence numbers
/// missing from one of its video streams, asked for again at once, then every `retryInterval`
/// (twice the time repairs have taken to come, between 20 and 100 ms) up to `maxTries` times, and given up after that or after `maxAge`, forgotten when they
/// arrive. The retransmission comes in RTX (or on the stream itself where the publisher has
/// no RTX) and goes to every viewer like any packet, so a loss on the uplink is repaired once
/// for all of them. A packet given up (`givenUp`) is one a key frame must make good.
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
    static let shortestRetry: Duration = .milliseconds(20)
    static let longestRetry: Duration = .milliseconds(100)
    static let maxTries: UInt8 = 5
    static let maxAge: Duration = .seconds(1)

    private var entries = InlineArray<64, Entry>(repeating: Entry())
    private(set) var count = 0
    private var highest: UInt16?
    /// When the next entry is due for another request (nil: none).
    private var nextDue: Duration?
    /// Packets asked for (each try counts) and packets that came after being asked for.
    private(set) var requested: UInt64 = 0
    private(set) var recovered: UInt64 = 0
    /// Packets given up on: asked for `maxTries` times, or missing for `maxAge`.
    private(set) var givenUp: UInt64 = 0
    /// How long a repair takes to come after its request (the round trip to the publisher and
    /// its sending), smoothed; nil until one came.
    private(set) var repairDelay: Duration?

    /// How long a request waits before it is made again: twice the repair delay, so that a
    /// repair lost on the way is asked for again about when it should have come.
    var retryInterval: Duration {
        guard let d = repairDelay else { return Self.longestRetry }
        return min(max(d * 2, Self.shortestRetry), Self.longestRetry)
    }

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
                if entries[i].tries > 0 {
                    recovered &+= 1
                    let d = now - entries[i].lastAsked
                    repairDelay = repairDelay.map { ($0 * 7 + d) / 8 } ?? d
                }
                remove(at: i)
                break
            }
        }
        guard let due = nextDue else { return false }
        return due <= now
    }

    /// Whether `sequence` is missing and still asked for: what a retransmission must be to be
    /// worth forwarding (a sender probing with RTX resends what already came).
    func isMissing(_ sequence: UInt16) -> Bool {
        for i in 0..<count where entries[i].sequence == sequence { return true }
        return false
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
    /// for `maxAge`, are given up.
    mutating func writeRequest(mediaSSRC: UInt32, now: Duration, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var i = 0
        while i < count {
            if entries[i].tries >= Self.maxTries || now - entries[i].firstMissed >= Self.maxAge {
                givenUp &+= 1
                remove(at: i)
            } else {
                i += 1
            }
        }
        nextDue = nil
        var pairs = Pairs()
        for i in 0..<count {
            let e = entries[i]
            guard e.tries == 0 || now - e.lastAsked >= retryInterval else {
                let due = e.lastAsked + retryInterval
                nextDue = min(nextDue ?? due, due)
                continue
            }
            pairs.add(e.sequence)
            entries[i].tries += 1
            entries[i].lastAsked = now
            requested &+= 1
            let due = now + retryInterval
            nextDue = min(nextDue ?? due, due)
        }
        guard !pairs.isEmpty, 12 + 4 * pairs.count <= buffer.count else { return 0 }
        return TransportLayerNack.serialize(senderSSRC: 1, mediaSSRC: mediaSSRC, pairs: pairs, into: buffer)
    }

    /// The pairs of one request, in fixed storage: each sequence number joins the last pair's
    /// bitmask when within 16 after its packet ID, else starts a pair.
    struct Pairs: RandomAccessCollection {
        private var storage = InlineArray<64, NackPair>(repeating: NackPair(packetID: 0))
        private(set) var endIndex = 0
        var startIndex: Int { 0 }
        subscript(i: Int) -> NackPair { storage[i] }

        mutating func add(_ sequence: UInt16) {
            if endIndex > 0 {
                let distance = sequence &- storage[endIndex - 1].packetID
                if (1...16).contains(distance) {
                    storage[endIndex - 1].lostPackets |= 1 << (distance - 1)
                    return
                }
            }
            storage[endIndex] = NackPair(packetID: sequence)
            endIndex += 1
        }
    }
}
