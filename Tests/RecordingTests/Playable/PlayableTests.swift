import Foundation
import Testing
@testable import Recording
import RTP

/// The playable-file builder (Sources/SFU/Recording/Playable): one suite per concept nested
/// here, so that `swift test --filter Playable` runs them all.
enum PlayableTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    /// Debian's ffmpeg package: CI installs it (scripts/setup.sh test); without it the tests that
    /// need it are skipped.
    static let hasFFmpeg = FileManager.default.isExecutableFile(atPath: "/usr/bin/ffprobe")
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg")

    /// A fresh directory, removed by the caller.
    static func temporaryDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "playable-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    struct ToolResult {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs /usr/bin/<tool>; stderr goes through a file so that neither pipe can fill up and
    /// block the tool.
    static func run(_ tool: String, _ args: [String]) throws -> ToolResult {
        let errPath = NSTemporaryDirectory() + "playable-stderr-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/" + tool)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let e = (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data()
        return ToolResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                          stderr: String(decoding: e, as: UTF8.self))
    }

    /// One stream as `ffprobe -count_frames -show_streams -of json` reports it.
    struct ProbedStream: Decodable {
        var codec_name: String
        var codec_type: String
        var width: Int?
        var height: Int?
        var nb_read_frames: String?
        var start_time: String?
        var sample_rate: String?
        var channels: Int?

        var frames: Int { Int(nb_read_frames ?? "") ?? -1 }
        var start: Double { Double(start_time ?? "") ?? .nan }
    }

    static func probe(_ path: String) throws -> [ProbedStream] {
        let r = try run("ffprobe", ["-v", "error", "-count_frames", "-show_streams", "-of", "json", path])
        #expect(r.status == 0, "ffprobe: \(r.stderr)")
        struct Root: Decodable { var streams: [ProbedStream] }
        return try JSONDecoder().decode(Root.self, from: Data(r.stdout.utf8)).streams
    }

    /// `ffmpeg -xerror` decodes every frame and stops at the first error.
    static func decodesCleanly(_ path: String) throws -> (Bool, String) {
        let r = try run("ffmpeg", ["-nostdin", "-v", "error", "-xerror", "-i", path, "-f", "null", "-"])
        return (r.status == 0 && r.stderr.isEmpty, r.stderr)
    }
}

extension PlayableTests {
    /// Writes an `.mjr` with MJRWriter, the way the recorder does: `packets` are RTP datagrams
    /// with their arrival in ms after the first; `firstPacketWall` is the header's "u".
    static func writeMJR(_ path: String, kind: MediaKind, codec: String, firstPacketWall: Int64,
                         _ packets: [(ms: Int64, rtp: [UInt8])]) throws {
        let w = try MJRWriter(path: path, kind: kind, codec: codec, created: firstPacketWall - 1000)
        for p in packets {
            try p.rtp.withUnsafeBytes {
                try w.append($0, wallMicros: firstPacketWall, monotonicNanos: 5_000_000_000 + p.ms * 1_000_000)
            }
        }
        try w.flush()
    }

    /// An RTP datagram.
    static func rtp(seq: UInt16, ts: UInt32, marker: Bool = false, pt: UInt8 = 96, ssrc: UInt32 = 1,
                    _ payload: [UInt8]) -> [UInt8] {
        RTPPacket(marker: marker, payloadType: pt, sequenceNumber: seq, timestamp: ts, ssrc: ssrc, payload: payload)
            .serialized()
    }

    /// The packets of a whole `.mjr` (the existing whole-file parser, as an oracle).
    static func packets(_ path: String, cut: Int? = nil) throws -> [RTPPacket] {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        if let cut { bytes = Array(bytes.prefix(cut)) }
        return try MJRFile(bytes: bytes).packets.map { p in try p.rtp.withUnsafeBytes { try RTPPacket(parsing: $0) } }
    }
}
