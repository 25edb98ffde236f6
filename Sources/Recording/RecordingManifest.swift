import Foundation
import Glibc

/// The sidecar of a recording, `<room>-<recording>.json` next to its `.mjr` files: what the
/// recording is, how far it got, and the sender-report sync of each track. Written atomically
/// (a temporary file renamed over it) whenever it changes, so that after a crash the next start
/// knows which recordings never became playable and how to align their tracks.
public struct RecordingManifest: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        /// Packets are being written.
        case recording
        /// The `.mjr` files are closed; the playable file is being built.
        case stopped
        /// The playable file is complete.
        case ready
        /// Writing stopped on an error (`error`); what was written stays.
        case failed
    }

    public var id: String
    public var room: String
    /// Wall-clock µs (Unix epoch) when the recording started.
    public var created: Int64
    public var state: State
    /// The participants recorded; nil: whoever publishes.
    public var participants: [String]?
    /// Conference rooms: the participant whose tracks these files hold.
    public var participant: String?
    /// The raw logs, by track kind ("audio", "video"), once their first packet is written.
    public var files: [String: String] = [:]
    /// Per track kind: the sender's wall clock at one RTP timestamp of the file's timeline.
    public var sync: [String: TrackSync] = [:]
    /// The playable file, once built.
    public var playable: String?
    public var error: String?
    /// The playable file was built at a later start, after the process had died.
    public var recovered: Bool?

    public init(id: String, room: String, created: Int64, state: State = .recording, participants: [String]? = nil) {
        self.id = id
        self.room = room
        self.created = created
        self.state = state
        self.participants = participants
    }

    /// `directory/<room>-<recording>.json`, from checked ids only (see `Recorder`).
    public static func path(directory: String, room: String, recording: String) throws(RecordingError) -> String {
        let audio = try Recorder.path(directory: directory, room: room, recording: recording, track: "audio")
        return String(audio.dropLast("-audio.mjr".count)) + ".json"
    }

    /// The playable file's path without its extension (the muxer picks .webm or .mkv).
    public var outputBase: String? {
        guard let p = try? Self.path(directory: directory, room: room, recording: participant.map { "\(id)-\($0)" } ?? id) else { return nil }
        return String(p.dropLast(".json".count))
    }

    /// The directory the manifest lives in (that of its files).
    public var directory: String = ""

    private enum CodingKeys: String, CodingKey {
        case id, room, created, state, participants, participant, files, sync, playable, error, recovered
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return e
    }()

    /// Writes the manifest atomically to `path`.
    public func save(to path: String) throws(RecordingError) {
        guard let data = try? Self.encoder.encode(self) else { throw .cannotEncode(path) }
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .cannotWrite(path, errno) }
        defer { close(fd) }
        var done = 0
        let ok = data.withUnsafeBytes { raw -> Bool in
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 { if errno == EINTR { continue }; return false }
                done += n
            }
            return true
        }
        guard ok else { let e = errno; unlink(tmp); throw .cannotWrite(path, e) }
        guard rename(tmp, path) == 0 else { let e = errno; unlink(tmp); throw .cannotWrite(path, e) }
    }

    public static func load(path: String) throws -> RecordingManifest {
        var m = try JSONDecoder().decode(RecordingManifest.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        m.directory = (path as NSString).deletingLastPathComponent
        return m
    }

    /// The manifests in `directory` of recordings that never became playable (the process died
    /// while recording or building), oldest first.
    public static func unfinished(in directory: String) -> [(path: String, manifest: RecordingManifest)] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var out: [(String, RecordingManifest)] = []
        for name in names where name.hasSuffix(".json") {
            let path = directory + "/" + name
            guard let m = try? load(path: path), m.state == .recording || m.state == .stopped else { continue }
            out.append((path, m))
        }
        return out.sorted { $0.1.created < $1.1.created }
    }
}

extension TrackSync {
    /// From an RTCP sender report's NTP time (RFC 3550: seconds since 1900, 32.32 fixed point).
    public init(rtp: UInt32, ntp: UInt64) {
        let seconds = Int64(ntp >> 32) - 2_208_988_800
        let micros = Int64(((ntp & 0xFFFF_FFFF) * 1_000_000) >> 32)
        self.init(rtp: rtp, wallMicros: seconds * 1_000_000 + micros)
    }
}
