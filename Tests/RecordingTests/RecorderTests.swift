import Foundation
import Synchronization
import Testing
@testable import Recording
import RTP

/// The recorder: packets through its ring to .mjr records, drops when the ring is full, and
/// file names in the recording directory.
struct RecorderTests {
    static func directory() -> String {
        let d = NSTemporaryDirectory() + "recorder-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    static func opus(ssrc: UInt32, seq: UInt16, ts: UInt32) -> [UInt8] {
        var p: [UInt8] = [0x80, 111, UInt8(seq >> 8), UInt8(seq & 0xFF)]
        p += withUnsafeBytes(of: ts.bigEndian, Array.init)
        p += withUnsafeBytes(of: ssrc.bigEndian, Array.init)
        return p + [UInt8](repeating: 0xAB, count: 40)
    }

    /// Two streamers one after the other: one file, one SSRC, sequence from 1 and timestamp from
    /// 0, continuous across the change.
    @Test func packetsBecomeContinuousRecords() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Recorder(id: "rec1", room: "room-1", directory: dir)
        try r.start()
        for i in 0..<50 {
            Self.opus(ssrc: 111, seq: 60000 &+ UInt16(i), ts: 4_000_000_000 &+ UInt32(i * 960))
                .withUnsafeBytes { r.record($0, video: false, codec: .opus, clockRate: 48000) }
        }
        usleep(30_000)
        for i in 0..<20 {
            Self.opus(ssrc: 222, seq: 7 + UInt16(i), ts: 12345 + UInt32(i * 960))
                .withUnsafeBytes { r.record($0, video: false, codec: .opus, clockRate: 48000) }
        }
        r.stopAndWait()
        #expect(r.dropped == 0)
        #expect(r.files == ["\(dir)/room-1-rec1-audio.mjr"])
        let file = try MJRFile(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: r.files[0]))))
        #expect(file.info?.contains(#""c": "opus""#) == true)
        #expect(file.packets.count == 70)
        let seqs = file.packets.map { UInt16($0.rtp[2]) << 8 | UInt16($0.rtp[3]) }
        #expect(seqs == (1...70).map { UInt16($0) })
        let ssrcs = Set(file.packets.map { Array($0.rtp[8..<12]) })
        #expect(ssrcs.count == 1)
        let ts = file.packets.map { $0.rtp[4..<8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
        #expect(ts[0] == 0 && ts[49] == 49 * 960)
        #expect(ts[50] > ts[49] && ts[51] - ts[50] == 960)
        #expect(r.bytes == (try FileManager.default.attributesOfItem(atPath: r.files[0])[.size] as? Int))
    }

    /// A full ring (the writer not draining) drops and counts; what fitted is written.
    @Test func fullRingDropsAndCounts() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Recorder(id: "rec2", room: "r", directory: dir, capacity: 8)
        for i in 0..<20 {
            Self.opus(ssrc: 5, seq: UInt16(i), ts: UInt32(i * 960))
                .withUnsafeBytes { r.record($0, video: false, codec: .opus, clockRate: 48000) }
        }
        #expect(r.dropped == 12)
        try r.start()
        r.stopAndWait()
        #expect(r.packets == 8)
        let file = try MJRFile(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: r.files[0]))))
        #expect(file.packets.count == 8)
    }

    /// Ids are checked by the caller (`isValidID` in SFU: `RecordingBackendTests`); the
    /// directory here.
    @Test(arguments: ["", "/tmp/a\0b"])
    func badDirectoriesAreRefused(directory: String) {
        #expect(throws: RecordingError.invalidDirectory) { try Recorder.path(directory: directory, room: "ok", recording: "r1", track: "video") }
        #expect(throws: RecordingError.invalidDirectory) { _ = try Recorder(id: "r1", room: "ok", directory: directory) }
    }

    @Test func goodIDsStayInTheDirectory() throws {
        #expect(try Recorder.path(directory: "/tmp/rec/", room: "Live_1-a", recording: "abc123", track: "audio")
                == "/tmp/rec/Live_1-a-abc123-audio.mjr")
    }

    /// Sender reports give each track its sync point in the file's timeline (a report that came
    /// before the track's first packet counts once the track starts); the manifest on disk says
    /// which files exist and the recording's state.
    @Test func senderReportsBecomeTheManifestsSync() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Recorder(id: "rec3", room: "room", directory: dir, participants: ["alice"])
        try r.start()
        let path = "\(dir)/room-rec3.json"
        var m = try RecordingManifest.load(path: path)
        #expect(m.state == .recording && m.files.isEmpty && m.participants == ["alice"])
        // NTP 2026-01-01T00:00:00.5Z; the audio stream's RTP at that instant: 1_000_000.
        let unix: UInt64 = 1_767_225_600
        let ntp = (unix + 2_208_988_800) << 32 | 0x8000_0000
        r.senderReport(video: false, ssrc: 111, ntp: ntp, rtp: 1_000_000)
        for i in 0..<10 {
            Self.opus(ssrc: 111, seq: UInt16(100 + i), ts: 1_000_960 + UInt32(i * 960))
                .withUnsafeBytes { r.record($0, video: false, codec: .opus, clockRate: 48000) }
        }
        r.wake()
        r.stopAndWait()
        m = try RecordingManifest.load(path: path)
        #expect(m.files == ["audio": "\(dir)/room-rec3-audio.mjr"])
        // The first packet (RTP 1_000_960) is the file's timestamp 0: the report's instant is -960.
        #expect(m.sync["audio"] == TrackSync(rtp: 0 &- 960, wallMicros: Int64(unix) * 1_000_000 + 500_000))
        #expect(m.sync["video"] == nil)
        #expect(RecordingManifest.unfinished(in: dir).map(\.manifest.id) == ["rec3"])
        m.state = .ready
        try m.save(to: path)
        #expect(RecordingManifest.unfinished(in: dir).isEmpty)
    }

    /// Writing that fails (here: the directory is gone) is reported once, and the manifest says so.
    @Test func aWriteFailureIsReportedOnce() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let errors = Mutex<[String]>([])
        let r = try Recorder(id: "rec4", room: "room", directory: dir, onError: { why in errors.withLock { $0.append(why) } })
        try r.start()
        try FileManager.default.removeItem(atPath: dir)
        for i in 0..<5 {
            Self.opus(ssrc: 1, seq: UInt16(i), ts: UInt32(i * 960))
                .withUnsafeBytes { r.record($0, video: false, codec: .opus, clockRate: 48000) }
        }
        r.stopAndWait()
        let seen = errors.withLock { $0 }
        #expect(seen.count == 1)
        #expect(seen.first?.contains("No such file or directory") == true)
        #expect(r.error == seen.first && r.packets == 0)
    }

    @Test(arguments: [
        (UInt64(2_208_988_800) << 32, Int64(0)),                                  // the Unix epoch
        ((UInt64(2_208_988_800) + 1) << 32 | 0x4000_0000, Int64(1_250_000)),      // +1.25 s
    ])
    func ntpToWallClock(ntp: UInt64, micros: Int64) {
        #expect(TrackSync(rtp: 7, ntp: ntp) == TrackSync(rtp: 7, wallMicros: micros))
    }
}
