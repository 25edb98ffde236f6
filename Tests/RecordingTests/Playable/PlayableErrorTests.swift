import Foundation
import Testing
@testable import Recording
import RTP

extension PlayableTests {
    /// Each failure is a typed error with a clear description.
    struct PlayableErrorTests {
        @Test func errors() throws {
            let dir = try PlayableTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let vp8 = PlayableTests.fixture("streaming-vp8.mjr"), opus = PlayableTests.fixture("streaming-opus.mjr")
            func build(audio: String? = nil, video: String? = nil, out: String? = nil) throws(PlayableError) {
                _ = try PlayableFile.build(audio: audio, audioSync: nil, video: video, videoSync: nil, outputBase: out ?? dir + "/out")
            }
            #expect(throws: PlayableError.fileMissing(dir + "/none.mjr")) { try build(video: dir + "/none.mjr") }
            try Data("not a recording".utf8).write(to: URL(fileURLWithPath: dir + "/text.mjr"))
            #expect(throws: PlayableError.notMJR(dir + "/text.mjr")) { try build(audio: dir + "/text.mjr") }
            #expect(throws: PlayableError.wrongKind(path: opus, expected: .video)) { try build(video: opus) }
            #expect(throws: PlayableError.wrongKind(path: vp8, expected: .audio)) { try build(audio: vp8) }
            try Data(MJR.magic).write(to: URL(fileURLWithPath: dir + "/empty.mjr"))
            #expect(throws: PlayableError.noDecodableFrame) { try build(audio: dir + "/empty.mjr", video: dir + "/empty.mjr") }
            #expect(throws: PlayableError.noDecodableFrame) { try build() }
            try PlayableTests.writeMJR(dir + "/g722.mjr", kind: .audio, codec: "g722", firstPacketWall: 1,
                                       [(0, PlayableTests.rtp(seq: 1, ts: 0, [1]))])
            #expect(throws: PlayableError.unsupportedCodec(path: dir + "/g722.mjr", codec: "g722")) { try build(audio: dir + "/g722.mjr") }
            do {
                try build(audio: opus, out: dir + "/no/such/dir/out")
                Issue.record("built into a missing directory")
            } catch {
                guard case .muxer(let text) = error else { Issue.record("\(error)"); return }
                #expect(text.hasSuffix("No such file or directory"), "\(text)")
                #expect(error.description.hasPrefix("muxer: cannot open \(dir)/no/such/dir/out.webm"), "\(error)")
            }
            #expect(!FileManager.default.fileExists(atPath: dir + "/out.webm"))
            #expect(PlayableError.unreadable("/x", EACCES).description == "cannot read /x: Permission denied")
            #expect(PlayableError(description: "invalid ids") == .invalidRequest("invalid ids"))
        }
    }
}
