import Foundation
import Testing
@testable import Recording
import RTP

/// The `.mjr` format byte for byte, and Debian's janus-pp-rec converting what we write.
struct MJRTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static let headers: [(kind: MediaKind, codec: String, extensions: [(UInt8, String)], json: String)] = [
        (.audio, "opus", [], #"{"t": "a", "c": "opus", "s": 1000, "u": 2000}"#),
        (.video, "vp8", [(4, "urn:ietf:params:rtp-hdrext:sdes:mid")],
         #"{"t": "v", "c": "vp8", "s": 1000, "u": 2000, "x": {"4": "urn:ietf:params:rtp-hdrext:sdes:mid"}}"#),
        (.video, "h\"264", [], #"{"t": "v", "c": "h\"264", "s": 1000, "u": 2000}"#),
    ]

    @Test func infoHeaderIsLengthPrefixedJSON() {
        for h in Self.headers {
            let bytes = MJR.infoHeader(kind: h.kind, codec: h.codec, created: 1000, firstPacket: 2000,
                                       extensions: h.extensions.map { (id: $0.0, uri: $0.1) })
            let json = Array(h.json.utf8)
            #expect(bytes == [UInt8(json.count >> 8), UInt8(json.count & 0xFF)] + json)
        }
    }

    @Test func packetPrefix() {
        var b = [UInt8](repeating: 0, count: 10)
        b.withUnsafeMutableBytes { MJR.writePacketPrefix(into: $0.baseAddress!, milliseconds: 0x0102_0304, length: 0x0506) }
        #expect(b == [0x4D, 0x45, 0x45, 0x54, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06])
    }

    /// What we write parses back, with times relative to the first packet; a cut file keeps every
    /// whole record.
    @Test func writeThenParse() throws {
        let path = NSTemporaryDirectory() + "mjr-\(UUID().uuidString).mjr"
        defer { unlink(path) }
        let w = try MJRWriter(path: path, kind: .audio, codec: "opus", created: 5)
        let rtp: [[UInt8]] = (0..<3).map { i in [0x80, 111, 0, UInt8(i), 0, 0, 0, 0, 0, 0, 0, 1] + [UInt8](repeating: UInt8(i), count: 20) }
        for (i, p) in rtp.enumerated() {
            try p.withUnsafeBytes { try w.append($0, wallMicros: 77, monotonicNanos: 1_000_000_000 + Int64(i) * 20_000_000) }
        }
        try w.append(UnsafeRawBufferPointer(start: nil, count: 0), wallMicros: 0, monotonicNanos: 0)  // ignored
        try w.flush()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let file = try MJRFile(bytes: bytes)
        #expect(file.info == #"{"t": "a", "c": "opus", "s": 5, "u": 77}"#)
        #expect(file.packets == rtp.enumerated().map { MJRFile.Packet(milliseconds: UInt32($0.offset * 20), rtp: $0.element) })
        #expect(file.trailingBytes == 0)
        let cut = try MJRFile(bytes: Array(bytes.dropLast(5)))
        #expect(cut.packets.count == 2)
        #expect(cut.trailingBytes == 10 + 32 - 5)
        #expect(throws: MJRFile.ParseError.notMJR) { try MJRFile(bytes: Array("MEETECHO".utf8)) }
    }

    /// Janus's own recordings (streaming plugin, VP8 and Opus) re-written by MJRWriter convert with
    /// janus-pp-rec to the same number of frames as the originals.
    @Test(arguments: [("streaming-vp8.mjr", "webm", MediaKind.video, "vp8"), ("streaming-opus.mjr", "opus", .audio, "opus")])
    func janusPPRecConvertsWhatWeWrite(sample: String, container: String, kind: MediaKind, codec: String) throws {
        let original = Self.fixtures.appendingPathComponent(sample).path
        let file = try MJRFile(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: original))))
        #expect(file.packets.count > 100)
        let dir = NSTemporaryDirectory() + "mjr-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ours = dir + "/ours.mjr"
        let w = try MJRWriter(path: ours, kind: kind, codec: codec, created: 1_795_335_461_223_856)
        for p in file.packets {
            try p.rtp.withUnsafeBytes {
                try w.append($0, wallMicros: 1_795_335_461_280_111, monotonicNanos: Int64(p.milliseconds) * 1_000_000)
            }
        }
        try w.flush()
        let framesOriginal = try Self.convertAndCountFrames(original, dir + "/original.\(container)")
        let framesOurs = try Self.convertAndCountFrames(ours, dir + "/ours.\(container)")
        print("janus-pp-rec: \(sample): \(framesOriginal) frames from the original, \(framesOurs) from ours")
        #expect(framesOriginal > 50)
        #expect(framesOurs == framesOriginal)
    }

    static func run(_ tool: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/" + tool)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(tool) \(args) exited \(p.terminationStatus)")
        return String(decoding: data, as: UTF8.self)
    }

    /// janus-pp-rec (Debian janus-tools), then ffprobe counting decoded frames.
    static func convertAndCountFrames(_ mjr: String, _ output: String) throws -> Int {
        _ = try run("janus-pp-rec", [mjr, output])
        let count = try run("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "0",
                                        "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", output])
        return Int(count.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }
}
