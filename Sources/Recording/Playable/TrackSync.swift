/// Where a recorded track sits on the sender's wall clock: `wallMicros` (µs since the Unix
/// epoch, from the NTP time of an RTCP sender report, RFC 3550 §6.4.1) is the moment of RTP
/// timestamp `rtp` in the track's `.mjr` timeline (the recorder's rewritten timestamps). With
/// one for each track, audio and video are aligned the way the sender captured them.
public struct TrackSync: Codable, Sendable, Equatable {
    /// An RTP timestamp of the `.mjr` file (after the recorder's rewrite).
    public var rtp: UInt32
    /// The sender's wall clock at `rtp`, µs since the Unix epoch.
    public var wallMicros: Int64

    public init(rtp: UInt32, wallMicros: Int64) {
        self.rtp = rtp
        self.wallMicros = wallMicros
    }
}

/// Maps a track's unwrapped RTP timestamps to wall-clock µs: wall = base + (rtp − baseRTP) / rate.
struct RTPWallClock: Equatable {
    var clockRate: Int
    var baseRTP: Int64
    var baseWallMicros: Int64

    func wallMicros(_ rtp: Int64) -> Int64 {
        let ticks = rtp &- baseRTP
        // Floor division, so that the mapping is monotonic across baseRTP.
        let micros = ticks >= 0 ? ticks * 1_000_000 / Int64(clockRate)
                                : -((-ticks * 1_000_000 + Int64(clockRate) - 1) / Int64(clockRate))
        return baseWallMicros &+ micros
    }

    /// From a sender report. The sync's 32-bit timestamp is placed nearest to `firstRTP` (the
    /// track's first unwrapped timestamp): a report from within 2^31 ticks of the file's start
    /// (6.6 hours at 90 kHz, 12 at 48 kHz).
    init(sync: TrackSync, clockRate: Int, firstRTP: Int64) {
        self.clockRate = clockRate
        baseRTP = firstRTP + Int64(Int32(bitPattern: sync.rtp &- UInt32(truncatingIfNeeded: firstRTP)))
        baseWallMicros = sync.wallMicros
    }

    init(clockRate: Int, baseRTP: Int64, baseWallMicros: Int64) {
        self.clockRate = clockRate
        self.baseRTP = baseRTP
        self.baseWallMicros = baseWallMicros
    }
}

/// Without sender reports, the mapping is estimated from the arrival times the `.mjr` holds
/// (header "u" + each record's ms). A packet arrives at its send time plus a delay that jitter
/// only makes longer, so the smallest `arrival − rtp / rate` over the first 10 s (at most 2000
/// packets) is the least delayed packet's, the closest to the send time. (The fixtures from a
/// loaded CI machine show arrival jitter of ±100 ms; the minimum is within a few ms of the
/// lowest-delay path.) Both tracks of a participant get the same treatment, so their common
/// network delay cancels.
enum ArrivalClock {
    static let window: UInt32 = 10_000
    static let maxPackets = 2000

    /// nil when the file has no RTP packet.
    static func estimate(path: String, clockRate: Int) throws(PlayableError) -> RTPWallClock? {
        let reader = try MJRReader(path: path)
        guard let header = reader.header else { return nil }
        var unwrapper = TimestampUnwrapper()
        var best: Int64?
        var count = 0
        while count < maxPackets, let record = try reader.next() {
            guard record.milliseconds <= window else { break }
            guard let p = RecordedPacket(record) else { continue }
            count += 1
            let rtp = unwrapper.unwrap(p.timestamp)
            // Wrapping: a corrupt header's "u" must not trap.
            let arrival = header.firstPacket &+ Int64(p.milliseconds) * 1000
            let offset = arrival &- rtp * 1_000_000 / Int64(clockRate)
            best = min(best ?? offset, offset)
        }
        return best.map { RTPWallClock(clockRate: clockRate, baseRTP: 0, baseWallMicros: $0) }
    }
}
