import CLinux
import Foundation
import Glibc
import RTP
import Rings
import Synchronization

/// Records one room: the data plane (the room's home loop, the only producer) copies each
/// decrypted streamer RTP packet into a preallocated `WorkerRing` — no lock, no allocation per
/// packet; a full ring drops and counts — and one writer thread (a plain `Thread`, never an
/// event loop) drains it into one `MJRWriter` per track kind, flushing every file at least once
/// a second. The loop wakes the thread through an eventfd (`wakeFD`) once per read batch,
/// never per packet; the thread also wakes by itself to flush.
///
/// The writer thread also keeps the recording's `RecordingManifest` current (files, the first
/// sender-report sync of each track), so that a recording cut short by a crash can be finished
/// at the next start.
///
/// The recording follows the room, not the streamer: each file has one constant SSRC, and
/// sequence numbers and timestamps are rewritten continuously (sequence from 1, timestamp from
/// 0), also across streamer changes (janus-pp-rec locks onto the first SSRC of a file).
///
/// Ids (room, recording, participant) become file names: the caller passes only checked ones,
/// 1–64 characters from A-Z a-z 0-9 _ - (so that no '/', '..', NUL or absolute path results).
public final class Recorder: @unchecked Sendable {  // producer side confined to the room's home loop
    public let id: String
    /// Conference rooms: the one participant this recorder records (its files are named
    /// `<room>-<recording>-<participant>-…`); nil in streaming rooms (the room's streamer).
    public let participant: String?
    /// The id in the file names: the recording's, with the participant's.
    public var fileID: String { participant.map { "\(id)-\($0)" } ?? id }
    public let room: String
    public let directory: String
    /// Wall-clock µs when the recording started.
    public let created: Int64
    private let ring: WorkerRing
    /// Packets the producer could not queue (ring full).
    private let _dropped = Atomic<UInt64>(0)
    private let _bytes = Atomic<Int>(0)
    private let _packets = Atomic<Int>(0)
    /// Video packets skipped while waiting for a key frame.
    private let _skipped = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)
    /// The video file waits for a key frame (set by the writer thread when it skips a packet,
    /// read by the data plane, which then asks the publisher for one through its limiter).
    private let _waitingForKeyFrame = Atomic<Bool>(false)
    /// Monotonic ns of the newest packet written (0: none yet).
    private let _lastPacket = Atomic<Int64>(0)
    private let state: Mutex<Shared>
    /// Written by the data plane once per read batch that queued something; the writer thread
    /// waits on it.
    public let wakeFD: Int32
    /// Called on the writer thread when a file is created, when writing fails (once), and when
    /// packets were lost to a full ring (at most every 10 s, with the new total).
    private let onFile: @Sendable (String) -> Void
    private let onError: @Sendable (String) -> Void
    private let onDropped: @Sendable (UInt64) -> Void

    struct Shared {
        var files: [String] = []
        var error: String?
        var manifest: RecordingManifest
    }

    /// Tracks, on the writer thread only.
    private var tracks: [Track?] = [nil, nil]
    /// Sender reports seen before their track's first packet (ssrc, ntp, rtp), per track kind.
    private var pendingReports: [(ssrc: UInt32, ntp: UInt64, rtp: UInt32)?] = [nil, nil]
    private var failed = false
    /// `directory/<room>-<recording>.json`.
    public let manifestPath: String
    private var reportedDrops: UInt64 = 0
    private var lastDropReport: Int64 = 0

    final class Track {
        let writer: MJRWriter
        let clockRate: Int
        /// One continuous stream (sequence from 1, timestamp from 0) across streamers.
        var splice = StreamSplice(firstSequence: 1, firstTimestamp: 0)
        init(writer: MJRWriter, clockRate: Int) {
            self.writer = writer
            self.clockRate = clockRate
        }
    }

    /// The SSRC every recorded file carries.
    public static let recordedSSRC: [UInt32] = [0x5245_4301, 0x5245_4302]  // audio, video

    /// - Precondition: `id`, `room` and `participant` are checked ids (see the type's comment).
    public init(id: String, room: String, directory: String, participant: String? = nil, participants: [String]? = nil,
                capacity: Int = 4096,
                onFile: @escaping @Sendable (String) -> Void = { _ in },
                onError: @escaping @Sendable (String) -> Void = { _ in },
                onDropped: @escaping @Sendable (UInt64) -> Void = { _ in }) throws(RecordingError) {
        manifestPath = try RecordingManifest.path(directory: directory, room: room,
                                                  recording: participant.map { "\(id)-\($0)" } ?? id)
        self.participant = participant
        self.id = id
        self.room = room
        self.directory = directory
        self.participants = participants.map(Set.init)
        self.onFile = onFile
        self.onError = onError
        self.onDropped = onDropped
        created = Self.wallMicros()
        var manifest = RecordingManifest(id: id, room: room, created: created, participants: participants)
        manifest.participant = participant
        manifest.directory = directory
        state = Mutex(Shared(manifest: manifest))
        wakeFD = csys_eventfd()
        guard wakeFD >= 0 else { throw .noWakeUp(errno) }
        ring = WorkerRing(source: -1, destination: -1, wakeFD: wakeFD, capacity: capacity)
    }

    deinit { close(wakeFD) }

    /// The participants to record (nil: whoever publishes).
    public let participants: Set<String>?

    /// Writes the manifest (state `recording`), then starts the writer thread.
    public func start() throws(RecordingError) {
        try manifest.save(to: manifestPath)
        startThread()
    }

    /// Starts the writer thread, which writes the manifest first (for recorders made on an event
    /// loop, which does no file I/O; a failure is reported through `onError`).
    public func startWritingManifestOffLoop() {
        writeManifestFirst = true
        startThread()
    }

    /// Starts the writer thread without a manifest (tests).
    func startThread() {
        let thread = Thread { [self] in run() }
        thread.name = "recorder-\(id)"
        thread.start()
    }

    // MARK: producer (the room's home loop)

    /// Queues one decrypted RTP packet (copied), stamped with its arrival time. Never blocks;
    /// the caller wakes the writer (`wakeFD`) once per batch.
    @inline(__always)
    public func record(_ bytes: UnsafeRawBufferPointer, video: Bool, codec: CodecKind, clockRate: Int) {
        guard bytes.count >= 12, bytes.count <= WorkerRing.maxPayload, let m = ring.reserve() else {
            _dropped.add(1, ordering: .relaxed)
            return
        }
        let wall = UInt64(bitPattern: Self.wallMicros())
        m.type = .media
        m.kind = video ? 1 : 0
        m.codec = codec.rawValue
        m.a = UInt32(truncatingIfNeeded: wall)
        m.b = UInt32(truncatingIfNeeded: wall >> 32)
        m.c = UInt32(truncatingIfNeeded: clockRate)
        m.d = UInt64(bitPattern: Self.monotonicNanos())
        _ = m.setPayload(bytes)
        ring.commit()
    }

    /// The publisher's sender report on stream `ssrc` (for the audio/video alignment).
    public func senderReport(video: Bool, ssrc: UInt32, ntp: UInt64, rtp: UInt32) {
        guard let m = ring.reserve() else { _dropped.add(1, ordering: .relaxed); return }
        m.type = .senderReport
        m.kind = video ? 1 : 0
        m.a = ssrc
        m.b = rtp
        m.d = ntp
        m.length = 0
        ring.commit()
    }

    /// Wakes the writer thread (tests, and the producer when it has no worker to batch wake-ups).
    public func wake() {
        var one: UInt64 = 1
        _ = Glibc.write(wakeFD, &one, 8)
    }

    // MARK: control

    public var dropped: UInt64 { _dropped.load(ordering: .relaxed) }
    public var bytes: Int { _bytes.load(ordering: .relaxed) }
    public var packets: Int { _packets.load(ordering: .relaxed) }
    public var skipped: Int { _skipped.load(ordering: .relaxed) }
    public var files: [String] { state.withLock { $0.files } }
    public var error: String? { state.withLock { $0.error } }
    public var isFinished: Bool { finished.load(ordering: .acquiring) }
    /// The video file is waiting for a key frame: the publisher should be asked for one.
    @inline(__always)
    public var wantsKeyFrame: Bool { _waitingForKeyFrame.load(ordering: .relaxed) }
    /// The manifest as the writer thread last wrote it.
    public var manifest: RecordingManifest { state.withLock { $0.manifest } }
    /// Monotonic ns of the newest packet written, nil before the first.
    public var lastPacketNanos: Int64? {
        let v = _lastPacket.load(ordering: .relaxed)
        return v == 0 ? nil : v
    }

    /// Drains what is queued, flushes and closes every file; returns when the thread is done.
    /// The producer must have stopped pushing first.
    public func stop() async {
        stopping.store(true, ordering: .releasing)
        wake()
        while !finished.load(ordering: .acquiring) { try? await Task.sleep(for: .milliseconds(5)) }
    }

    /// Blocking variant of `stop` (tests).
    public func stopAndWait() {
        stopping.store(true, ordering: .releasing)
        wake()
        while !finished.load(ordering: .acquiring) { usleep(1000) }
    }

    // MARK: writer thread

    /// Files are flushed this often (a crash loses at most this much).
    static let flushInterval: Int64 = 500_000_000

    private var writeManifestFirst = false
    /// Tests: the writer thread sleeps this long (µs) before each round, as a slow disk would
    /// hold it in `write`.
    nonisolated(unsafe) var stallForTesting: UInt32 = 0

    private func run() {
        // Visible to top/perf as "rec-<id>" (15 bytes at most).
        _ = csys_set_thread_name(String("rec-\(fileID)".prefix(15)))
        if writeManifestFirst { updateManifest { _ in } }
        var lastFlush = Self.monotonicNanos()
        var pfd = pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)
        while true {
            if stallForTesting > 0 { usleep(stallForTesting) }
            let stop = stopping.load(ordering: .acquiring)
            while let m = ring.peek() {
                if m.type == .senderReport {
                    senderReport(m)
                } else {
                    write(m)
                }
                ring.release()
            }
            let now = Self.monotonicNanos()
            if stop || now - lastFlush >= Self.flushInterval {
                flushAll()
                reportDrops(now: now)
                lastFlush = now
            }
            if stop { break }
            // Sleep until the loop queues more, or until the next flush is due.
            let wait = Int32(max(1, (Self.flushInterval - (now - lastFlush)) / 1_000_000))
            if poll(&pfd, 1, wait) > 0 {
                var value: UInt64 = 0
                _ = Glibc.read(wakeFD, &value, 8)
            }
        }
        for t in tracks { t.map { try? $0.writer.flush() } }
        tracks = [nil, nil]  // closes the files
        finished.store(true, ordering: .releasing)
    }

    private func reportDrops(now: Int64) {
        let d = dropped
        guard d > reportedDrops, now - lastDropReport >= 10_000_000_000 || reportedDrops == 0 else { return }
        reportedDrops = d
        lastDropReport = now
        onDropped(d)
    }

    /// A sender report: the sync point of its track, in the file's timeline, kept once per
    /// track (the first one after the track started; the streams' clocks do not drift apart
    /// enough to matter over a recording).
    private func senderReport(_ m: RingMessage) {
        let index = m.kind == 1 ? 1 : 0
        guard !failed, state.withLock({ $0.manifest.sync[Self.kindName(index)] == nil }) else { return }
        guard let t = tracks[index], let source = t.splice.source else {
            pendingReports[index] = (m.a, m.d, m.b)
            return
        }
        guard source == m.a else { return }
        setSync(index, TrackSync(rtp: t.splice.map(sequence: 0, timestamp: m.b).timestamp, ntp: m.d))
    }

    private func setSync(_ index: Int, _ sync: TrackSync) {
        updateManifest { $0.sync[Self.kindName(index)] = sync }
    }

    /// Changes the manifest and writes it (a failure to write it is a recording failure).
    private func updateManifest(_ change: (inout RecordingManifest) -> Void) {
        let m = state.withLock { s in
            change(&s.manifest)
            return s.manifest
        }
        do { try m.save(to: manifestPath) } catch { fail("\(error)") }
    }

    static func kindName(_ index: Int) -> String { index == 1 ? "video" : "audio" }

    private func flushAll() {
        var total = 0
        for t in tracks {
            guard let t else { continue }
            do { try t.writer.flush() } catch { fail("\(error)") }
            total += t.writer.bytesWritten
        }
        _bytes.store(total, ordering: .relaxed)
    }

    private func fail(_ why: String) {
        guard !failed else { return }
        failed = true
        let m = state.withLock { s in
            s.error = why
            s.manifest.state = .failed
            s.manifest.error = why
            return s.manifest
        }
        try? m.save(to: manifestPath)  // may fail too (a full disk): the next start still finds it
        onError(why)
    }

    private func write(_ m: RingMessage) {
        guard !failed else { return }
        let index = m.kind == 1 ? 1 : 0
        let p = m.payload
        let length = m.length
        let wall = Int64(bitPattern: UInt64(m.a) | UInt64(m.b) << 32)
        let mono = Int64(bitPattern: m.d)
        _lastPacket.store(mono, ordering: .relaxed)
        if tracks[index] == nil {
            let kind: MediaKind = index == 1 ? .video : .audio
            let codec = CodecKind(rawValue: m.codec) ?? .other
            let name = Self.codecName(codec, kind: kind)
            do {
                let path = try Self.path(directory: directory, room: room, recording: fileID, track: kind == .video ? "video" : "audio")
                let writer = try MJRWriter(path: path, kind: kind, codec: name, created: created)
                tracks[index] = Track(writer: writer, clockRate: Int(m.c))
                state.withLock { $0.files.append(path) }
                updateManifest { $0.files[Self.kindName(index)] = path }
                onFile(path)
            } catch {
                fail("\(error)")
                return
            }
        }
        let t = tracks[index]!
        let inSSRC = UInt32(bigEndian: (p + 8).loadUnaligned(as: UInt32.self))
        if index == 1, inSSRC != t.splice.source {
            // Video starts on a key frame (at the start, and after a streamer change).
            let codec = CodecKind(rawValue: m.codec) ?? .other
            guard let view = try? RTPPacketView(parsing: UnsafeMutableRawBufferPointer(start: p, count: length)),
                  codec.startsKeyFrame(UnsafeRawBufferPointer(view.payload)) else {
                _skipped.add(1, ordering: .relaxed)
                _waitingForKeyFrame.store(true, ordering: .relaxed)
                return
            }
            _waitingForKeyFrame.store(false, ordering: .relaxed)
        }
        // Rewrite in place (the slot is ours until release): constant SSRC, continuous
        // sequence numbers and timestamps across streamers.
        let inSeq = UInt16(bigEndian: (p + 2).loadUnaligned(as: UInt16.self))
        let inTs = UInt32(bigEndian: (p + 4).loadUnaligned(as: UInt32.self))
        let now = Duration.nanoseconds(mono)
        if inSSRC != t.splice.source {
            let first = t.splice.source == nil
            t.splice.anchor(source: inSSRC, sequence: inSeq, timestamp: inTs, clockRate: t.clockRate, now: now)
            if first, let r = pendingReports[index], r.ssrc == inSSRC {
                setSync(index, TrackSync(rtp: t.splice.map(sequence: 0, timestamp: r.rtp).timestamp, ntp: r.ntp))
            }
            pendingReports[index] = nil
        }
        let (outSeq, outTs) = t.splice.map(sequence: inSeq, timestamp: inTs)
        t.splice.sent(sequence: outSeq, timestamp: outTs, now: now)
        (p + 2).storeBytes(of: outSeq.bigEndian, as: UInt16.self)
        (p + 4).storeBytes(of: outTs.bigEndian, as: UInt32.self)
        (p + 8).storeBytes(of: Self.recordedSSRC[index].bigEndian, as: UInt32.self)
        do {
            try t.writer.append(UnsafeRawBufferPointer(start: p, count: length), wallMicros: wall, monotonicNanos: mono)
            _packets.add(1, ordering: .relaxed)
        } catch {
            fail("\(error)")
        }
    }

    // MARK: names and clocks

    static func codecName(_ codec: CodecKind, kind: MediaKind) -> String {
        switch codec {
        case .opus: "opus"
        case .vp8: "vp8"
        case .vp9: "vp9"
        case .h264: "h264"
        case .av1: "av1"
        case .other: kind == .audio ? "opus" : "vp8"
        }
    }

    /// `directory/<room>-<recording>-<track>.mjr`.
    /// - Precondition: `room`, `recording` and `track` are checked ids (see the type's comment).
    public static func path(directory: String, room: String, recording: String, track: String) throws(RecordingError) -> String {
        guard !directory.isEmpty, !directory.utf8.contains(0) else { throw .invalidDirectory }
        let dir = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        return "\(dir)/\(room)-\(recording)-\(track).mjr"
    }

    @inline(__always)
    static func wallMicros() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
    }

    @inline(__always)
    public static func monotonicNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
