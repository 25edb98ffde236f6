import Foundation
import Testing
@testable import SFU

extension PlayableTests {
    /// The real recordings (Chromium's fake camera and microphone through bridged) to WebM,
    /// checked with Debian's ffprobe and ffmpeg.
    @Suite(.enabled(if: PlayableTests.hasFFmpeg, "needs ffprobe and ffmpeg (Debian's ffmpeg)"))
    struct PlayableFileTests {
        @Test func fixturesToWebM() throws {
            let dir = try PlayableTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let result = try PlayableFile.build(audio: PlayableTests.fixture("streaming-opus.mjr"), audioSync: nil,
                                                video: PlayableTests.fixture("streaming-vp8.mjr"), videoSync: nil,
                                                outputBase: dir + "/out")
            print(result)
            let streams = try PlayableTests.probe(result.path)
            print(streams)
            let (ok, errors) = try PlayableTests.decodesCleanly(result.path)
            #expect(ok, "\(errors)")
        }
    }
}
