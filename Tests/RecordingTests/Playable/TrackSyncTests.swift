import Foundation
import RTP
import Testing
@testable import Recording

extension PlayableTests {
    /// Audio/video alignment: sender reports first, the recorded arrival times without them.
    struct TrackSyncTests {
        @Test func wallClockFromSync() {
            let sync = TrackSync(rtp: 90_000, wallMicros: 1_000_000_000)
            let c = RTPWallClock(sync: sync, clockRate: 90000, firstRTP: 0)
            #expect(c.wallMicros(90_000) == 1_000_000_000)
            #expect(c.wallMicros(0) == 999_000_000)
            #expect(c.wallMicros(90_000 + 3000) == 1_000_033_333)
            #expect(c.wallMicros(90_000 - 1) == 999_999_988)  // floor, monotonic across the base
            // A report taken just before the file's first packet (the timestamp wrapped back).
            let before = RTPWallClock(sync: TrackSync(rtp: UInt32.max - 899, wallMicros: 5_000_000), clockRate: 90000, firstRTP: 0)
            #expect(before.wallMicros(0) == 5_010_000)
            // Unwrapped timestamps past 2^32 (13 hours at 90 kHz).
            #expect(c.wallMicros(Int64(UInt32.max) + 90_001) == 1_000_000_000 + (Int64(UInt32.max) + 1) * 1_000_000 / 90_000)
        }

        @Test func timestampUnwrapper() {
            var u = TimestampUnwrapper()
            let input: [UInt32] = [UInt32.max - 10, UInt32.max, 5, 3, 0x8000_0000]
            let wrap: Int64 = 1 << 32
            let expected: [Int64] = [wrap - 11, wrap - 1, wrap + 5, wrap + 3, wrap + 0x8000_0000]
            #expect(input.map { u.unwrap($0) } == expected)
        }

        static let base: Int64 = 1_795_335_461_000_000

        /// Synthetic tracks from the fixtures' payloads: video from its first key frame, both
        /// rewritten to start at timestamp 0; each packet arrives at its timestamp's time, the
        /// audio's first `audioArrivalOffset` µs after the video's.
        static func writeTracks(_ dir: String, audioArrivalOffset: Int64) throws {
            let video = try PlayableTests.packets(PlayableTests.fixture("streaming-vp8.mjr"))
            let key = video.firstIndex { $0.payload[0] & 0x10 != 0 && $0.payload[4] & 0x01 == 0 }!  // S=1, P=0
            let v = video[key...].map { p in
                PlayableTests.rtp(seq: p.sequenceNumber &- video[key].sequenceNumber &+ 1, ts: p.timestamp &- video[key].timestamp,
                                  marker: p.marker, p.payload)
            }
            let audio = try PlayableTests.packets(PlayableTests.fixture("streaming-opus.mjr"))
            try PlayableTests.writeMJR(dir + "/v.mjr", kind: .video, codec: "vp8", firstPacketWall: base,
                                       v.map { (Int64(UInt32(bigEndian: $0.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self) }) / 90), $0) })
            try PlayableTests.writeMJR(dir + "/a.mjr", kind: .audio, codec: "opus", firstPacketWall: base + audioArrivalOffset,
                                       audio.map { (Int64($0.timestamp / 48), PlayableTests.rtp(seq: $0.sequenceNumber, ts: $0.timestamp, marker: $0.marker, pt: 111, $0.payload)) })
        }

        /// The sender reports say audio started 40 ms after video (the arrival times say 300 ms
        /// before, and lose): the audio stream starts at 0.040 s.
        @Test(.enabled(if: PlayableTests.hasFFmpeg, "needs ffprobe"))
        func senderReportsAlignTracks() throws {
            let dir = try PlayableTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try Self.writeTracks(dir, audioArrivalOffset: -300_000)
            let sender: Int64 = 1_795_335_000_000_000
            let r = try PlayableFile.build(audio: dir + "/a.mjr", audioSync: TrackSync(rtp: 48_000, wallMicros: sender + 1_040_000),
                                           video: dir + "/v.mjr", videoSync: TrackSync(rtp: 0, wallMicros: sender),
                                           outputBase: dir + "/out")
            #expect(r.syncedBySenderReports)
            #expect(r.startOffsetMilliseconds == 40)
            #expect(r.audioFramesBeforeVideo == 0)
            let streams = try PlayableTests.probe(r.path)
            let audio = try #require(streams.first { $0.codec_type == "audio" })
            let video = try #require(streams.first { $0.codec_type == "video" })
            #expect(abs(audio.start - 0.040) <= 0.005, "audio start_time \(audio.start)")
            #expect(video.start == 0)
            #expect(try PlayableTests.decodesCleanly(r.path).0)
        }

        /// Without sender reports the arrival times place the tracks: audio arriving 60 ms after
        /// video starts 60 ms in.
        @Test(.enabled(if: PlayableTests.hasFFmpeg, "needs ffprobe"))
        func arrivalTimesWithoutSenderReports() throws {
            let dir = try PlayableTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try Self.writeTracks(dir, audioArrivalOffset: 60_000)
            // One track's report alone is not used: both tracks need the sender's clock.
            let r = try PlayableFile.build(audio: dir + "/a.mjr", audioSync: nil, video: dir + "/v.mjr",
                                           videoSync: TrackSync(rtp: 0, wallMicros: 1), outputBase: dir + "/out")
            #expect(!r.syncedBySenderReports)
            // The .mjr holds arrivals in whole ms: ±1 ms.
            #expect(r.startOffsetMilliseconds.map { abs($0 - 60) <= 1 } == true, "\(r)")
            let audio = try #require(try PlayableTests.probe(r.path).first { $0.codec_type == "audio" })
            #expect(abs(audio.start - 0.060) <= 0.005, "audio start_time \(audio.start)")
        }

        /// Audio from before the first video key frame is left out: with audio arriving 300 ms
        /// early, its first 15 frames (20 ms each) go.
        @Test(.enabled(if: PlayableTests.hasFFmpeg, "needs ffprobe"))
        func audioBeforeTheFirstKeyFrameIsLeftOut() throws {
            let dir = try PlayableTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try Self.writeTracks(dir, audioArrivalOffset: -300_000)
            let r = try PlayableFile.build(audio: dir + "/a.mjr", audioSync: nil, video: dir + "/v.mjr", videoSync: nil,
                                           outputBase: dir + "/out")
            #expect(r.audioFramesBeforeVideo == 15)
            #expect(r.startOffsetMilliseconds.map { (0...1).contains($0) } == true, "\(r)")
            #expect(r.audioFrames == 285)
        }

        /// A paused track (2 s without packets, timestamps moving on) is a 2 s gap in the
        /// timestamps of the file, not a shift of what follows.
        @Test(.enabled(if: PlayableTests.hasFFmpeg, "needs ffprobe"))
        func pauseIsAGap() throws {
            let dir = try PlayableTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let audio = try PlayableTests.packets(PlayableTests.fixture("streaming-opus.mjr")).prefix(100)
            let packets = audio.enumerated().map { i, p in
                let ts = p.timestamp + (i >= 50 ? 96_000 : 0)  // 2 s pause after 50 packets
                return (Int64(ts / 48), PlayableTests.rtp(seq: p.sequenceNumber, ts: ts, marker: p.marker, pt: 111, p.payload))
            }
            try PlayableTests.writeMJR(dir + "/a.mjr", kind: .audio, codec: "opus", firstPacketWall: 1, packets)
            let r = try PlayableFile.build(audio: dir + "/a.mjr", audioSync: nil, video: nil, videoSync: nil,
                                           outputBase: dir + "/out")
            #expect(r.audioFrames == 100)
            #expect(r.durationMilliseconds == 4000)
            let times = try PlayableTests.run("ffprobe", ["-v", "error", "-select_streams", "a", "-show_entries", "packet=pts_time",
                                                          "-of", "csv=p=0", r.path])
            let pts = times.stdout.split(separator: "\n").compactMap { Double($0) }
            #expect(pts.count == 100)
            #expect(pts[49] == 0.98 && pts[50] == 3.0)
            #expect(zip(pts, pts.dropFirst()).allSatisfy { $0 < $1 })
            #expect(try PlayableTests.decodesCleanly(r.path).0)
        }
    }
}
