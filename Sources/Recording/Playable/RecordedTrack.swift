import RTP

/// One `.mjr` file as a sequence of whole frames on the wall clock: reader → reorder buffer →
/// frame assembly → depacketizer, each frame's RTP timestamp unwrapped and mapped to wall µs.
/// Streams: only a few hundred packets are held at a time.
final class RecordedTrack {
    /// A frame ready for the muxer.
    struct TimedFrame {
        var frame: DepacketizedFrame
        var rtp: Int64
        var wallMicros: Int64
    }

    let path: String
    let header: MJRHeader
    let kind: MediaKind
    let clockRate: Int
    private let reader: MJRReader
    private var reorder = ReorderBuffer()
    private var assembler: FrameAssembler
    private var unwrapper = TimestampUnwrapper()
    private var clock: RTPWallClock?
    private var sync: TrackSync?
    private var ready: [FrameAssembler.Frame] = []
    private var readyAt = 0
    private var sequenced: [ReorderBuffer.Sequenced] = []
    private var ended = false

    /// Frames dropped (holes, undecodable, waiting for a key frame).
    var dropped: Int { assembler.dropped }
    /// Packets the reorder buffer gave up on, or saw twice.
    var latePackets: Int { reorder.late + reorder.duplicates }
    /// Bytes after the last whole record (a cut file), once the track is read to the end.
    var trailingBytes: Int { reader.trailingBytes }

    /// Opens `path`; nil when the file ends before its info header (a recording killed before
    /// its first packet was written).
    init?(path: String, kind: MediaKind) throws(PlayableError) {
        let reader = try MJRReader(path: path)
        guard let header = reader.header else { return nil }
        guard header.kind == kind else { throw .wrongKind(path: path, expected: kind) }
        guard let depacketizer = Depacketizers.make(codec: header.codec) else {
            throw .unsupportedCodec(path: path, codec: header.codec)
        }
        self.path = path
        self.header = header
        self.kind = kind
        self.reader = reader
        clockRate = depacketizer.clockRate
        assembler = FrameAssembler(depacketizer)
    }

    /// Times frames with the sender's clock (RTCP), or else with the arrival estimate.
    func useClock(sync: TrackSync?) throws(PlayableError) {
        self.sync = sync
        if sync == nil { clock = try ArrivalClock.estimate(path: path, clockRate: clockRate) }
    }

    /// The next whole frame, or nil at the end of the file.
    func next() throws(PlayableError) -> TimedFrame? {
        while readyAt == ready.count {
            ready.removeAll(keepingCapacity: true)
            readyAt = 0
            guard !ended else { return nil }
            try pull()
        }
        let f = ready[readyAt]
        readyAt += 1
        let rtp = unwrapper.unwrap(f.timestamp)
        if clock == nil, let sync {
            clock = RTPWallClock(sync: sync, clockRate: clockRate, firstRTP: rtp)
        }
        let wall = clock?.wallMicros(rtp) ?? header.firstPacket &+ rtp * 1_000_000 / Int64(clockRate)
        return TimedFrame(frame: f.frame, rtp: rtp, wallMicros: wall)
    }

    /// Reads records until some frames are complete or the file ends.
    private func pull() throws(PlayableError) {
        sequenced.removeAll(keepingCapacity: true)
        if let record = try reader.next() {
            guard let packet = RecordedPacket(record) else { return }
            // The same first value as ArrivalClock's unwrapper, so both share one timeline.
            if unwrapper.peekIsFirst { _ = unwrapper.unwrap(packet.timestamp) }
            reorder.insert(packet, into: &sequenced)
        } else {
            reorder.drain(into: &sequenced)
            ended = true
        }
        for s in sequenced { assembler.append(s, into: &ready) }
        if ended { assembler.finish(into: &ready) }
    }
}
