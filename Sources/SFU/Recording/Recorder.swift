import Foundation
import Glibc
import RTP
import Synchronization

/// Records one room: the data plane (the room's home loop, the only producer) copies each
/// decrypted streamer RTP packet into a preallocated `WorkerRing` — no lock, no allocation per
/// packet; a full ring drops and counts — and one writer thread (a plain `Thread`, never an
/// event loop) drains it into one `MJRWriter` per track kind, flushing every file at least once
/// a second.
///
/// The recording follows the room, not the streamer: each file has one constant SSRC, and
/// sequence numbers and timestamps are rewritten continuously (sequence from 1, timestamp from
/// 0), also across streamer changes (janus-pp-rec locks onto the first SSRC of a file).
public final class Recorder: @unchecked Sendable {  // producer side confined to the room's home loop
    public let id: String
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
    private let state = Mutex<Shared>(Shared())
    /// Called on the writer thread when a file is created, and when writing fails.
    private let onFile: @Sendable (String) -> Void
    private let onError: @Sendable (String) -> Void

    struct Shared {
        var files: [String] = []
        var error: String?
    }

    /// Tracks, on the writer thread only.
    private var tracks: [Track?] = [nil, nil]
    private var failed = false

    final class Track {
        let writer: MJRWriter
        let clockRate: Int
        var inSSRC: UInt32 = 0
        var started = false
        var seqOffset: UInt16 = 0
        var tsOffset: UInt32 = 0
        var lastSeq: UInt16 = 0
        var lastTs: UInt32 = 0
        var lastMonotonic: Int64 = 0
        init(writer: MJRWriter, clockRate: Int) {
            self.writer = writer
            self.clockRate = clockRate
        }
    }

    /// The SSRC every recorded file carries.
    public static let recordedSSRC: [UInt32] = [0x5245_4301, 0x5245_4302]  // audio, video

    public init(id: String, room: String, directory: String, capacity: Int = 4096,
                onFile: @escaping @Sendable (String) -> Void = { _ in },
                onError: @escaping @Sendable (String) -> Void = { _ in }) throws(ControlError) {
        _ = try Self.path(directory: directory, room: room, recording: id, track: "audio")
        self.id = id
        self.room = room
        self.directory = directory
        self.onFile = onFile
        self.onError = onError
        created = Self.wallMicros()
        ring = WorkerRing(source: -1, destination: -1, wakeFD: -1, capacity: capacity)
    }

    /// Starts the writer thread.
    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "recorder-\(id)"
        thread.start()
    }

    // MARK: producer (the room's home loop)

    /// Queues one decrypted RTP packet (copied), stamped with its arrival time. Never blocks.
    @inline(__always)
    func record(_ bytes: UnsafeRawBufferPointer, video: Bool, codec: CodecKind, clockRate: Int) {
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

    // MARK: control

    public var dropped: UInt64 { _dropped.load(ordering: .relaxed) }
    public var bytes: Int { _bytes.load(ordering: .relaxed) }
    public var packets: Int { _packets.load(ordering: .relaxed) }
    public var skipped: Int { _skipped.load(ordering: .relaxed) }
    public var files: [String] { state.withLock { $0.files } }
    public var error: String? { state.withLock { $0.error } }
    public var isFinished: Bool { finished.load(ordering: .acquiring) }

    /// Drains what is queued, flushes and closes every file; returns when the thread is done.
    /// The producer must have stopped pushing first.
    public func stop() async {
        stopping.store(true, ordering: .releasing)
        while !finished.load(ordering: .acquiring) { try? await Task.sleep(for: .milliseconds(5)) }
    }

    /// Blocking variant of `stop` (tests).
    public func stopAndWait() {
        stopping.store(true, ordering: .releasing)
        while !finished.load(ordering: .acquiring) { usleep(1000) }
    }

    // MARK: writer thread

    private func run() {
        var lastFlush = Self.monotonicNanos()
        while true {
            let stop = stopping.load(ordering: .acquiring)
            var drained = 0
            while let m = ring.peek() {
                write(m)
                ring.release()
                drained += 1
            }
            let now = Self.monotonicNanos()
            if stop || now - lastFlush >= 500_000_000 {
                flushAll()
                lastFlush = now
            }
            if stop { break }
            if drained == 0 { usleep(2000) }
        }
        for t in tracks { t.map { try? $0.writer.flush() } }
        tracks = [nil, nil]  // closes the files
        finished.store(true, ordering: .releasing)
    }

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
        state.withLock { $0.error = why }
        onError(why)
    }

    private func write(_ m: RingMessage) {
        guard !failed else { return }
        let index = m.kind == 1 ? 1 : 0
        let p = m.payload
        let length = m.length
        let wall = Int64(bitPattern: UInt64(m.a) | UInt64(m.b) << 32)
        let mono = Int64(bitPattern: m.d)
        if tracks[index] == nil {
            let kind: MediaKind = index == 1 ? .video : .audio
            let codec = CodecKind(rawValue: m.codec) ?? .other
            let name = Self.codecName(codec, kind: kind)
            do {
                let path = try Self.path(directory: directory, room: room, recording: id, track: kind == .video ? "video" : "audio")
                let writer = try MJRWriter(path: path, kind: kind, codec: name, created: created)
                tracks[index] = Track(writer: writer, clockRate: Int(m.c))
                state.withLock { $0.files.append(path) }
                onFile(path)
            } catch {
                fail("\(error)")
                return
            }
        }
        let t = tracks[index]!
        if index == 1, !t.started || UInt32(bigEndian: (p + 8).loadUnaligned(as: UInt32.self)) != t.inSSRC {
            // Video starts on a key frame (at the start, and after a streamer change).
            let codec = CodecKind(rawValue: m.codec) ?? .other
            guard let view = try? RTPPacketView(parsing: UnsafeMutableRawBufferPointer(start: p, count: length)),
                  codec.startsKeyFrame(UnsafeRawBufferPointer(view.payload)) else {
                _skipped.add(1, ordering: .relaxed)
                return
            }
        }
        // Rewrite in place (the slot is ours until release): constant SSRC, continuous
        // sequence numbers and timestamps.
        let inSSRC = UInt32(bigEndian: (p + 8).loadUnaligned(as: UInt32.self))
        let inSeq = UInt16(bigEndian: (p + 2).loadUnaligned(as: UInt16.self))
        let inTs = UInt32(bigEndian: (p + 4).loadUnaligned(as: UInt32.self))
        if !t.started {
            t.started = true
            t.inSSRC = inSSRC
            t.seqOffset = 1 &- inSeq
            t.tsOffset = 0 &- inTs
        } else if inSSRC != t.inSSRC {
            // A new streamer (or stream): continue right after the last packet written, the
            // timestamp advanced by the time that has passed.
            t.inSSRC = inSSRC
            let elapsed = max(1, (mono - t.lastMonotonic) / 1_000_000)  // ms
            let step = UInt32(truncatingIfNeeded: elapsed * Int64(max(1, t.clockRate)) / 1000)
            t.seqOffset = (t.lastSeq &+ 1) &- inSeq
            t.tsOffset = (t.lastTs &+ max(1, step)) &- inTs
        }
        let outSeq = inSeq &+ t.seqOffset
        let outTs = inTs &+ t.tsOffset
        // Track the newest packet (by sequence) for continuation.
        let delta = Int16(bitPattern: outSeq &- t.lastSeq)
        if t.writer.packets == 0 || delta > 0 {
            t.lastSeq = outSeq
            t.lastTs = outTs
            t.lastMonotonic = mono
        }
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

    /// `directory/<room>-<recording>-<track>.mjr`, built only from checked ids: each must be
    /// 1–64 characters from A-Z a-z 0-9 _ - (no '/', '..', NUL, or absolute path can result).
    public static func path(directory: String, room: String, recording: String, track: String) throws(ControlError) -> String {
        guard isValidID(room) else { throw .invalidID(room) }
        guard isValidID(recording) else { throw .invalidID(recording) }
        guard isValidID(track) else { throw .invalidID(track) }
        guard !directory.isEmpty, !directory.utf8.contains(0) else { throw .recordingFailed("invalid recording directory") }
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
    static func monotonicNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
