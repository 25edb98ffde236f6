import Foundation
import RTP
import Testing
@testable import Recording

extension PlayableTests {
    /// The AV1 RTP payload format's aggregation header and OBU elements into low-overhead
    /// temporal units; sequence headers.
    struct AV1DepacketizerTests {
        /// libaom's sequence header payload for 320×240 (FFmpeg, Debian 12).
        static let sequence: [UInt8] = [0x00, 0x00, 0x00, 0x04, 0x3C, 0xFF, 0xBC, 0xDA, 0xF9, 0x00, 0x40]
        static let sequenceOBU: [UInt8] = [0x08] + sequence  // type 1, no size field
        static let sequenceLowOverhead: [UInt8] = [0x0A, 11] + sequence  // obu_has_size_field, size
        /// OBU_FRAME (type 6) payloads: 0x10 = show_existing 0, KEY_FRAME; 0x30 = INTER_FRAME.
        static let keyFrame: [UInt8] = [0x30, 0x10, 0xAA, 0xBB]
        static let interFrame: [UInt8] = [0x30, 0x30, 0x01]

        static let cases: [(name: String, payloads: [[UInt8]], expected: Depacketized)] = [
            ("key frame: N, W=2, sequence header then frame",
             [[0x28, 12] + sequenceOBU + keyFrame],  // N=1 W=2 | length 12 | last element unprefixed
             .frame(.init(data: sequenceLowOverhead + [0x32, 3, 0x10, 0xAA, 0xBB], isKeyFrame: true, width: 320, height: 240,
                          configuration: sequenceLowOverhead))),
            ("W=0: every element length-prefixed; the temporal delimiter goes",
             [[0x00, 1, 0x10, 3] + interFrame],
             .frame(.init(data: [0x32, 2, 0x30, 0x01], isKeyFrame: false))),
            ("an OBU in three fragments (Y, Z+Y, Z)",
             [[0x50, 0x30, 0x30, 0x01], [0xD0, 0x02, 0x03], [0x90, 0x04]],
             .frame(.init(data: [0x32, 5, 0x30, 0x01, 0x02, 0x03, 0x04], isKeyFrame: false))),
            ("an OBU with its size field and an extension byte kept as it is",
             [[0x10, 0x36, 0x28, 0x02, 0x30, 0x09]],
             .frame(.init(data: [0x36, 0x28, 0x02, 0x30, 0x09], isKeyFrame: false))),
            ("a key frame without a known sequence header is not usable",
             [[0x10] + keyFrame], .frame(.init(data: [0x32, 3, 0x10, 0xAA, 0xBB], isKeyFrame: false))),
            ("a continuation first (its beginning lost)", [[0x90, 0x04]], .invalid),
            ("the last OBU never ends", [[0x50, 0x30, 0x30]], .invalid),
            ("a length past the end", [[0x00, 9, 0x30, 0x30]], .invalid),
            ("W=2 with one element", [[0x20, 0x02, 0x30, 0x01]], .invalid),
            ("the forbidden bit", [[0x10, 0xB0, 0x01]], .invalid),
            ("a temporal delimiter alone", [[0x10, 0x12, 0x00]], .none),
        ]

        @Test(arguments: cases.indices)
        func depacketize(_ i: Int) {
            let c = Self.cases[i]
            var d = AV1Depacketizer()
            #expect(d.depacketize(c.payloads) == c.expected, "\(c.name)")
        }

        @Test func startsFrame() {
            let d = AV1Depacketizer()
            #expect(d.startsFrame([0x28, 12] + Self.sequenceOBU))  // N
            #expect(d.startsFrame([0x00, 1, 0x12]))               // a temporal delimiter first
            #expect(d.startsFrame([0x10] + Self.sequenceOBU))     // a sequence header first
            #expect(!d.startsFrame([0x10] + Self.interFrame))      // a frame: maybe not the unit's first
            #expect(!d.startsFrame([0x98, 0x12]))                  // Z
        }

        @Test func sequenceHeader() {
            let h = AV1SequenceHeader(Self.sequence)
            #expect(h?.width == 320 && h?.height == 240 && h?.reducedStillPictureHeader == false)
            #expect(AV1SequenceHeader([0x00]) == nil)
        }

        @Test func leb128() {
            for (value, bytes) in [(0, [UInt8(0)]), (127, [0x7F]), (128, [0x80, 0x01]), (300, [0xAC, 0x02])] {
                #expect(AV1Depacketizer.leb128(value) == bytes)
                var at = 0
                #expect(AV1Depacketizer.leb128(bytes, at: &at) == value && at == bytes.count)
            }
        }

        /// The OBUs of FFmpeg's `-f obu` output (low-overhead, with temporal delimiters) by
        /// temporal unit, as RTP carries them: no temporal delimiter, obu_has_size_field = 0.
        static func temporalUnits(_ b: [UInt8]) -> [[[UInt8]]] {
            var units: [[[UInt8]]] = [], at = 0
            while at < b.count {
                let header = b[at], ext = header & 0x04 != 0 ? 1 : 0
                var p = at + 1 + ext
                let size = AV1Depacketizer.leb128(b, at: &p)!
                if header >> 3 & 0x0F == 2 {
                    units.append([])
                } else {
                    units[units.count - 1].append([header & ~0x02] + b[(at + 1)..<(at + 1 + ext)] + b[p..<p + size])
                }
                at = p + size
            }
            return units
        }

        /// Packets of at most 1000 bytes, W=0, OBUs fragmented with Y and Z, N on a unit with a
        /// sequence header, the marker on each unit's last packet (a test packetizer: FFmpeg 5.1
        /// has none for AV1).
        static func packetize(_ units: [[[UInt8]]]) -> [(ts: UInt32, marker: Bool, payload: [UInt8])] {
            var out: [(ts: UInt32, marker: Bool, payload: [UInt8])] = []
            for (i, unit) in units.enumerated() {
                let ts = UInt32(i) * 3600
                let n = unit.contains { $0[0] >> 3 & 0x0F == 1 }
                var packets: [[UInt8]] = [], current: [UInt8] = [], z = false
                func flush(continues y: Bool) {
                    let header: UInt8 = (z ? 0x80 : 0) | (y ? 0x40 : 0) | (n && packets.isEmpty ? 0x08 : 0)
                    packets.append([header] + current)
                    current = []
                    z = y
                }
                for obu in unit {
                    var rest = obu[...]
                    while !rest.isEmpty {
                        let room = 1000 - 1 - current.count - 2
                        if room < 16 { flush(continues: false); continue }
                        let chunk = rest.prefix(room)
                        current += AV1Depacketizer.leb128(chunk.count) + chunk
                        rest = rest.dropFirst(chunk.count)
                        if !rest.isEmpty { flush(continues: true) }
                    }
                }
                if !current.isEmpty { flush(continues: false) }
                out += packets.enumerated().map { (ts, $0.offset == packets.count - 1, $0.element) }
            }
            return out
        }

        /// libaom's AV1 (FFmpeg), packetized, recorded with MJRWriter, to Matroska; ffprobe counts
        /// the frames and ffmpeg -xerror decodes them.
        @Test(.enabled(if: PlayableTests.hasFFmpeg, "needs ffmpeg and ffprobe"))
        func av1ToMatroska() throws {
            let dir = try PlayableTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let encode = try PlayableTests.run("ffmpeg", [
                "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-frames:v", "50",
                "-c:v", "libaom-av1", "-usage", "realtime", "-cpu-used", "8", "-lag-in-frames", "0", "-g", "25",
                "-pix_fmt", "yuv420p", "-f", "obu", dir + "/in.obu"])
            try #require(encode.status == 0, "\(encode.stderr)")
            let units = Self.temporalUnits([UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/in.obu"))))
            #expect(units.count == 50)
            let packets = Self.packetize(units)
            #expect(packets.contains { $0.payload[0] & 0xC0 != 0 })  // some OBU was fragmented
            try PlayableTests.writeMJR(dir + "/v.mjr", kind: .video, codec: "av1", firstPacketWall: 1,
                                       packets.enumerated().map { i, p in
                                           (Int64(p.ts / 90), PlayableTests.rtp(seq: UInt16(i + 1), ts: p.ts, marker: p.marker, pt: 45, p.payload))
                                       })
            let r = try PlayableFile.build(audio: nil, audioSync: nil, video: dir + "/v.mjr", videoSync: nil,
                                           outputBase: dir + "/out")
            #expect(r.path == dir + "/out.mkv")
            #expect(r.videoCodec == "av1" && r.width == 320 && r.height == 240)
            #expect(r.videoFrames == 50 && r.framesDropped == 0)
            let (ok, errors) = try PlayableTests.decodesCleanly(r.path)
            #expect(ok, "\(errors)")
            let v = try PlayableTests.probe(r.path).first
            #expect(v?.codec_name == "av1")
            #expect(v?.width == 320 && v?.height == 240)
            #expect(v?.frames == 50)
        }
    }
}
