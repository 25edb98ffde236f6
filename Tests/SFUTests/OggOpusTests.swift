import Foundation
import Testing
@testable import SFU

/// TOC durations from RFC 6716 §3.1, and a real Ogg Opus file from Debian's ffmpeg (libopus).
struct OggOpusTests {
    @Test(arguments: [
        ([UInt8(0x08)], 960),             // config 1 (SILK NB 20 ms), code 0
        ([UInt8(0x78)], 960),             // config 15 (hybrid FB 20 ms)
        ([UInt8(0xF8)], 960),             // config 31 (CELT FB 20 ms)
        ([UInt8(0xF9), 0x00], 1920),      // code 1: two frames
        ([UInt8(0xE3), 0x03], 360),       // config 28 (CELT FB 2.5 ms), code 3, 3 frames
        ([UInt8(0x1B), 0x03], 8640),      // config 3 (60 ms) × 3 = 180 ms: too long
        ([UInt8(0x03)], nil),             // code 3 without its count byte
    ] as [([UInt8], Int?)])
    func durationFromTheTOC(packet: [UInt8], samples: Int?) {
        let expected = samples.flatMap { $0 <= 5760 ? $0 : nil }
        #expect(OggOpus.samples(packet) == expected)
    }

    @Test func garbageIsRefused() {
        #expect(throws: OggOpus.ParseError.notOgg) { try OggOpus(bytes: Array("RIFF....".utf8)) }
        #expect(throws: OggOpus.ParseError.truncated) { try OggOpus(bytes: Array("OggS".utf8) + [0, 0]) }
    }

    @Test func aFileMadeByFFmpeg() throws {
        let dir = NSTemporaryDirectory() + "ogg-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/tone.ogg"
        let ffmpeg = Process()
        ffmpeg.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        ffmpeg.arguments = ["-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-ac", "2",
                            "-c:a", "libopus", "-b:a", "64k", path]
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg") else { return }  // CI installs it
        try ffmpeg.run()
        ffmpeg.waitUntilExit()
        #expect(ffmpeg.terminationStatus == 0)
        let ogg = try OggOpus(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(ogg.channels == 2)
        #expect(ogg.preSkip > 0)
        // 3 s of 20 ms packets (the last one may be padded).
        #expect((148...152).contains(ogg.packets.count))
        #expect(abs(ogg.totalSamples - ogg.preSkip - 3 * 48000) <= 960)
        // Cut the file short: the pages that are whole still parse... a cut page is reported.
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(throws: OggOpus.ParseError.truncated) { try OggOpus(bytes: Array(bytes.dropLast(10))) }
    }
}
