import Foundation
import RTP
import Testing
@testable import Recording

extension PlayableTests {
    /// Whole recordings to playable files, checked with Debian's ffprobe (frame counts, sizes,
    /// start times) and `ffmpeg -xerror` (every frame decodes).
    @Suite(.enabled(if: PlayableTests.hasFFmpeg, "needs ffprobe and ffmpeg (Debian's ffmpeg package)"))
    struct PlayableFileTests {
        static let vp8 = PlayableTests.fixture("streaming-vp8.mjr")
        static let opus = PlayableTests.fixture("streaming-opus.mjr")

        /// The oracle: whole VP8 frames from the first key frame on, counted straight from the
        /// packets (one timestamp = one frame; whole = marker on its last packet and no sequence
        /// gap; after a broken frame, none until a key frame).
        static func wholeVP8Frames(_ packets: [RTPPacket]) -> Int {
            var count = 0, decodable = false, i = 0
            while i < packets.count {
                var j = i
                while j + 1 < packets.count, packets[j + 1].timestamp == packets[i].timestamp { j += 1 }
                let frame = packets[i...j]
                let contiguous = zip(frame, frame.dropFirst()).allSatisfy { $1.sequenceNumber == $0.sequenceNumber &+ 1 }
                    && (i == 0 || packets[i].sequenceNumber == packets[i - 1].sequenceNumber &+ 1)
                let p = frame.first!.payload
                // 4-byte descriptor (X, I with M) as Chromium sends; P bit of the VP8 header.
                let key = p[0] & 0x10 != 0 && p[4] & 0x01 == 0
                if frame.last!.marker, contiguous, decodable || key {
                    decodable = true
                    count += 1
                } else {
                    decodable = false
                }
                i = j + 1
            }
            return count
        }

        /// Probes and decodes `path`; returns the streams by type.
        static func check(_ path: String) throws -> (video: ProbedStream?, audio: ProbedStream?) {
            let (ok, errors) = try PlayableTests.decodesCleanly(path)
            #expect(ok, "ffmpeg -xerror: \(errors)")
            let streams = try PlayableTests.probe(path)
            return (streams.first { $0.codec_type == "video" }, streams.first { $0.codec_type == "audio" })
        }

        @Test func fixturesToWebM() throws {
            let dir = try PlayableTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let r = try PlayableFile.build(audio: Self.opus, audioSync: nil, video: Self.vp8, videoSync: nil,
                                           outputBase: dir + "/participant")
            #expect(r.path == dir + "/participant.webm")
            let (video, audio) = try Self.check(r.path)
            let expectedVideo = Self.wholeVP8Frames(try PlayableTests.packets(Self.vp8))
            #expect(expectedVideo == 88)  // 90 frames; the first 2 precede the first key frame
            #expect(video?.codec_name == "vp8")
            #expect(video?.width == 320 && video?.height == 240)
            #expect(video?.frames == expectedVideo)
            #expect(r.videoFrames == expectedVideo)
            #expect(r.framesDropped == 2)
            #expect(audio?.codec_name == "opus")
            #expect(audio?.sample_rate == "48000" && audio?.channels == 2)
            #expect(audio?.frames == r.audioFrames)
            #expect(r.audioFrames + r.audioFramesBeforeVideo == (try PlayableTests.packets(Self.opus)).count)
            #expect(video?.start == 0)
            #expect(abs((audio?.start ?? 9) - (video?.start ?? 0)) <= 0.1)
            #expect(r.startOffsetMilliseconds.map { abs($0) <= 100 } == true)
            #expect(!r.syncedBySenderReports)
            #expect(r.durationMilliseconds > 5500 && r.durationMilliseconds < 6200, "\(r)")
        }

        /// Crash recovery: the files of a recording whose process was killed with kill -9 end
        /// with part of a record, and the video file mid-frame.
        @Test(arguments: [0.31, 0.5, 0.77, 0.999])
        func killedRecording(_ fraction: Double) throws {
            let dir = try PlayableTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let video = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.vp8)))
            let audio = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.opus)))
            let videoCut = Int(Double(video.count) * fraction), audioCut = Int(Double(audio.count) * fraction) + 3
            try Data(video.prefix(videoCut)).write(to: URL(fileURLWithPath: dir + "/v.mjr"))
            try Data(audio.prefix(audioCut)).write(to: URL(fileURLWithPath: dir + "/a.mjr"))
            let r = try PlayableFile.build(audio: dir + "/a.mjr", audioSync: nil, video: dir + "/v.mjr", videoSync: nil,
                                           outputBase: dir + "/out")
            let (v, a) = try Self.check(r.path)
            let expected = Self.wholeVP8Frames(try PlayableTests.packets(Self.vp8, cut: videoCut))
            #expect(v?.frames == expected)
            #expect(r.videoFrames == expected)
            #expect(a?.frames == r.audioFrames)
            #expect(r.audioFrames + r.audioFramesBeforeVideo == (try PlayableTests.packets(Self.opus, cut: audioCut)).count)
        }

        /// A video file cut before its first packet (or empty): the audio alone, in WebM.
        @Test(arguments: [0, 5, 8, 20])
        func videoKilledBeforeItsFirstPacket(_ length: Int) throws {
            let dir = try PlayableTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let video = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.vp8)))
            try Data(video.prefix(length)).write(to: URL(fileURLWithPath: dir + "/v.mjr"))
            let r = try PlayableFile.build(audio: Self.opus, audioSync: nil, video: dir + "/v.mjr", videoSync: nil,
                                           outputBase: dir + "/out")
            #expect(r.path.hasSuffix(".webm"))
            #expect(r.videoFrames == 0 && r.videoCodec == nil)
            #expect(r.audioFrames == 300)
            let (v, a) = try Self.check(r.path)
            #expect(v == nil)
            #expect(a?.frames == 300)
        }

        /// H.264 from x264 through FFmpeg's RTP packetizer (STAP-A with SPS/PPS, FU-A for the IDR,
        /// single NAL units), recorded with MJRWriter, to Matroska.
        @Test func h264ToMatroska() throws {
            let dir = try PlayableTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let packets = try PlayableTests.ffmpegRTP([
                "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-frames:v", "50",
                "-c:v", "libx264", "-profile:v", "baseline", "-bf", "0", "-g", "25", "-pix_fmt", "yuv420p"])
            try #require(Set(packets.map(\.timestamp)).count == 50, "ffmpeg sent \(packets.count) packets")
            #expect(zip(packets, packets.dropFirst()).allSatisfy { $1.sequenceNumber == $0.sequenceNumber &+ 1 })
            let types = Set(packets.map { $0.payload[0] & 0x1F })
            #expect(types.isSuperset(of: [1, 24, 28]), "\(types)")  // single NAL, STAP-A, FU-A
            try PlayableTests.writeMJR(dir + "/v.mjr", kind: .video, codec: "h264", firstPacketWall: 1_795_335_461_280_111,
                                       PlayableTests.recorded(packets))
            let r = try PlayableFile.build(audio: nil, audioSync: nil, video: dir + "/v.mjr", videoSync: nil,
                                           outputBase: dir + "/out")
            #expect(r.path == dir + "/out.mkv")
            #expect(r.width == 320 && r.height == 240)
            let (v, a) = try Self.check(r.path)
            #expect(v?.codec_name == "h264")
            #expect(v?.width == 320 && v?.height == 240)
            #expect(v?.frames == 50)
            #expect(r.videoFrames == 50 && r.framesDropped == 0)
            #expect(a == nil)
            #expect(r.durationMilliseconds >= 1900 && r.durationMilliseconds <= 2000)
        }

        /// The same with the packet of the 11th frame lost (a P frame, one single NAL unit): the
        /// 14 frames after it are left out up to the key frame at 25, and what is left decodes
        /// without error.
        @Test func h264WithALostPacket() throws {
            let dir = try PlayableTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var packets = try PlayableTests.ffmpegRTP([
                "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-frames:v", "50",
                "-c:v", "libx264", "-profile:v", "baseline", "-bf", "0", "-g", "25", "-pix_fmt", "yuv420p"])
            let timestamps = packets.map(\.timestamp).reduce(into: [UInt32]()) { if $0.last != $1 { $0.append($1) } }
            try #require(timestamps.count == 50)
            let lost = packets.firstIndex { $0.timestamp == timestamps[10] }!
            var recorded = PlayableTests.recorded(packets)
            recorded.remove(at: lost)
            packets.remove(at: lost)
            try PlayableTests.writeMJR(dir + "/v.mjr", kind: .video, codec: "h264", firstPacketWall: 1, recorded)
            let r = try PlayableFile.build(audio: nil, audioSync: nil, video: dir + "/v.mjr", videoSync: nil,
                                           outputBase: dir + "/out")
            let (v, _) = try Self.check(r.path)
            #expect(r.videoFrames == 35 && r.framesDropped == 14)
            #expect(v?.frames == 35)
        }

        /// VP9 from libvpx through FFmpeg's RTP packetizer (RFC 9628 descriptor with B and E), to WebM.
        @Test func vp9ToWebM() throws {
            let dir = try PlayableTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let packets = try PlayableTests.ffmpegRTP([
                "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-frames:v", "50",
                "-c:v", "libvpx-vp9", "-deadline", "realtime", "-lag-in-frames", "0", "-g", "25", "-pix_fmt", "yuv420p",
                "-strict", "experimental"])
            try #require(Set(packets.map(\.timestamp)).count == 50, "ffmpeg sent \(packets.count) packets")
            try PlayableTests.writeMJR(dir + "/v.mjr", kind: .video, codec: "vp9", firstPacketWall: 1,
                                       PlayableTests.recorded(packets))
            let r = try PlayableFile.build(audio: nil, audioSync: nil, video: dir + "/v.mjr", videoSync: nil,
                                           outputBase: dir + "/out")
            #expect(r.path == dir + "/out.webm")
            #expect(r.width == 320 && r.height == 240)
            let (v, _) = try Self.check(r.path)
            #expect(v?.codec_name == "vp9")
            #expect(v?.width == 320 && v?.height == 240)
            #expect(v?.frames == 50)
            #expect(r.videoFrames == 50)
        }
    }
}
