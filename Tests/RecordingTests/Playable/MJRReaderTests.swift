import Foundation
import Testing
@testable import Recording
import RTP

extension PlayableTests {
    /// The streaming `.mjr` reader: same records as the whole-file parser, any cut tolerated.
    struct MJRReaderTests {
        static func read(_ path: String) throws -> (header: MJRHeader?, records: [MJRRecord], trailing: Int) {
            let r = try MJRReader(path: path)
            var records: [MJRRecord] = []
            while let rec = try r.next() { records.append(rec) }
            return (r.header, records, r.trailingBytes)
        }

        @Test func header() throws {
            let dir = try PlayableTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try PlayableTests.writeMJR(dir + "/a.mjr", kind: .audio, codec: "opus", firstPacketWall: 1_700_000_000_000_000,
                                       [(0, PlayableTests.rtp(seq: 1, ts: 0, [0xFC])), (20, PlayableTests.rtp(seq: 2, ts: 960, [0xFC]))])
            let r = try Self.read(dir + "/a.mjr")
            #expect(r.header == MJRHeader(kind: .audio, codec: "opus", created: 1_699_999_999_999_000, firstPacket: 1_700_000_000_000_000))
            #expect(r.records.map(\.milliseconds) == [0, 20])
            #expect(r.records.map(\.rtp) == [PlayableTests.rtp(seq: 1, ts: 0, [0xFC]), PlayableTests.rtp(seq: 2, ts: 960, [0xFC])])
            #expect(r.trailing == 0)
        }

        /// A recording killed with kill -9 is cut anywhere: at every cut the reader returns the
        /// whole records before it, like MJRFile, and counts the rest as the tail.
        @Test func everyCut() throws {
            let dir = try PlayableTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try PlayableTests.writeMJR(dir + "/v.mjr", kind: .video, codec: "vp8", firstPacketWall: 1,
                                       (1...4).map { (Int64($0), PlayableTests.rtp(seq: UInt16($0), ts: 0, [0x10, UInt8($0)])) })
            let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/v.mjr")))
            for cut in 0...whole.count {
                let path = dir + "/cut.mjr"
                try Data(whole.prefix(cut)).write(to: URL(fileURLWithPath: path))
                let r = try Self.read(path)
                let oracle = cut >= 8 ? try MJRFile(bytes: Array(whole.prefix(cut))) : nil
                #expect(r.records.map(\.rtp) == (oracle?.packets.map(\.rtp) ?? []), "cut at \(cut)")
                #expect(r.trailing == (oracle?.trailingBytes ?? cut), "cut at \(cut)")
                #expect((r.header != nil) == (oracle?.info != nil), "cut at \(cut)")
            }
        }

        /// Larger than the reader's 256 KiB window: records straddle its refills.
        @Test func largerThanTheWindow() throws {
            let dir = try PlayableTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let packets = (0..<1000).map { i in
                (Int64(i), PlayableTests.rtp(seq: UInt16(i), ts: UInt32(i), [UInt8](repeating: UInt8(i & 0xFF), count: 1000 + i % 400)))
            }
            try PlayableTests.writeMJR(dir + "/big.mjr", kind: .video, codec: "vp8", firstPacketWall: 1, packets)
            let r = try Self.read(dir + "/big.mjr")
            #expect(r.records.count == 1000)
            #expect(r.records.map(\.rtp) == packets.map(\.1))
            #expect(r.records.map(\.milliseconds) == (0..<1000).map(UInt32.init))
        }

        @Test func garbledRecordEndsTheFile() throws {
            let dir = try PlayableTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try PlayableTests.writeMJR(dir + "/g.mjr", kind: .video, codec: "vp8", firstPacketWall: 1,
                                       [(0, PlayableTests.rtp(seq: 1, ts: 0, [0x10]))])
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/g.mjr"))
            h.seekToEndOfFile()
            h.write(Data("MEEP\0\0\0\0\0\u{4}abcd".utf8))
            try h.close()
            let r = try Self.read(dir + "/g.mjr")
            #expect(r.records.count == 1)
            #expect(r.trailing == 14)
        }

        @Test func errors() throws {
            let dir = try PlayableTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            #expect(throws: PlayableError.fileMissing(dir + "/none.mjr")) { _ = try MJRReader(path: dir + "/none.mjr") }
            try Data("MEETECHO and more".utf8).write(to: URL(fileURLWithPath: dir + "/x.mjr"))
            #expect(throws: PlayableError.notMJR(dir + "/x.mjr")) { _ = try MJRReader(path: dir + "/x.mjr") }
            try Data(MJR.magic + [0, 3] + Array("{a}".utf8)).write(to: URL(fileURLWithPath: dir + "/j.mjr"))
            #expect(throws: PlayableError.notMJR(dir + "/j.mjr")) { _ = try MJRReader(path: dir + "/j.mjr") }
            #expect(throws: PlayableError.unreadable(dir, EISDIR)) { _ = try Self.read(dir) }
        }
    }
}
