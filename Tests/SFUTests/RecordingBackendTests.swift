import FileRecording
import Foundation
import Recording
import RTP
import Testing
@testable import SFU

/// `MediaServer` and its recording backend: ids checked before they become file names, no
/// backend no recording, and the backend's outcomes as the same bus events as ever.
@Suite struct RecordingBackendTests {
    static func server(recordings: (any RecordingBackend)? = FileRecordingBackend()) async throws -> MediaServer {
        var configuration = MediaConfiguration()
        configuration.port = 0
        configuration.workers = 1
        configuration.recordingDirectory = directory()
        let server = try MediaServer(configuration: configuration, recordings: recordings)
        try await server.start()
        return server
    }

    static func directory() -> String {
        let d = NSTemporaryDirectory() + "recording-backend-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// Every event until `until` returns true for one (or 5 s have passed).
    static func events(of bus: EventBus, during body: () async throws -> Void,
                       until: @escaping @Sendable (Event) -> Bool) async rethrows -> [Event] {
        let (id, stream) = bus.subscribe()
        try await body()
        let collect = Task {
            var seen: [Event] = []
            for await e in stream {
                seen.append(e.event)
                if until(e.event) { break }
            }
            return seen
        }
        let timeout = Task {
            try await Task.sleep(for: .seconds(5))
            bus.unsubscribe(id)
        }
        let seen = await collect.value
        timeout.cancel()
        bus.unsubscribe(id)
        return seen
    }

    static let badIDs = ["", "..", "../etc", "/abs", "a/b", "a\0b", "a.b", "a b", "é", String(repeating: "x", count: 65), "a\\b", "~root"]

    /// Ids become file names: the server refuses bad ones before any recorder exists.
    @Test func badIDsAreRefused() async throws {
        let server = try await Self.server()
        _ = try await server.createRoom(id: "ok", kind: .streaming, description: nil)
        for id in Self.badIDs {
            await #expect(throws: ControlError.invalidID(id)) { try await server.startRecording(roomID: id) }
            await #expect(throws: ControlError.invalidID(id)) { try await server.startRecording(roomID: "ok", participants: [id]) }
        }
        #expect(try await server.listRecordings(roomID: "ok").isEmpty)
        await server.shutdown()
    }

    /// Without a backend, a recording fails with recording_failed (the API's code), and says so
    /// on the bus.
    @Test func withoutABackendNothingRecords() async throws {
        let server = try await Self.server(recordings: nil)
        _ = try await server.createRoom(id: "room", kind: .streaming, description: nil)
        var thrown: ControlError?
        let seen = await Self.events(of: server.events, during: {
            do throws(ControlError) { _ = try await server.startRecording(roomID: "room") } catch { thrown = error }
        }, until: { $0.name == "recording_failed" })
        guard case .recordingFailed(let why)? = thrown else { Issue.record("not recording_failed: \(String(describing: thrown))"); return }
        #expect(why.contains("recording backend"))
        guard case .recordingFailed("room", nil, let reason, _, nil, false)? = seen.last else {
            Issue.record("no recording_failed of room: \(seen)")
            return
        }
        #expect(reason == why)
        await server.shutdown()
    }

    /// A recorder through the backend: packets on its sink become an `.mjr` file, then a
    /// playable file announced by `recording_ready` with the raw log and the playable file.
    @Test func aRecordingBecomesPlayableAndSaysSo() async throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bus = EventBus()
        let recorder = try FileRecordingBackend().makeRecorder(id: "rec", room: "room", directory: dir, participant: nil, participants: nil,
                                                               events: bus, onError: { _ in }, onDropped: { _ in })
        #expect(recorder.plannedFiles == ["\(dir)/room-rec-audio.mjr", "\(dir)/room-rec-video.mjr"])
        try recorder.start()
        for i in 0..<100 {
            // Opus TOC 0xFC: one 20 ms CELT frame.
            let packet = RTPPacket(payloadType: 111, sequenceNumber: UInt16(i), timestamp: UInt32(i * 960), ssrc: 7,
                                   payload: [0xFC] + [UInt8](repeating: UInt8(i), count: 60))
            packet.serialized().withUnsafeBytes { recorder.sink.record($0, video: false, codec: .opus, clockRate: 48000) }
        }
        await recorder.stop()
        #expect(recorder.files == ["\(dir)/room-rec-audio.mjr"] && recorder.packets == 100 && recorder.dropped == 0)
        var finished: FinishedRecording?
        let seen = await Self.events(of: bus, during: { finished = await recorder.finish() }, until: { $0.name == "recording_ready" })
        let playable = "\(dir)/room-rec.webm"
        #expect(finished == FinishedRecording(state: .ready, playable: playable, error: nil))
        let ready = try #require(seen.last)
        #expect(ready == .recordingReady(room: "room", participant: nil, recording: "rec",
                                         files: ["\(dir)/room-rec-audio.mjr", playable], playable: playable, recovered: false))
        #expect(try RecordingManifest.load(path: "\(dir)/room-rec.json").state == .ready)
    }

    /// Recovery reads manifests from disk: one whose ids would leave the directory is failed
    /// (recording_failed, recovered), and nothing is built.
    @Test func recoveryRefusesManifestsWithBadIDs() async throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/evil.json"
        var manifest = RecordingManifest(id: "rec", room: "../evil", created: 1)
        manifest.files = ["audio": "\(dir)/missing-audio.mjr"]
        try manifest.save(to: path)
        let bus = EventBus()
        let seen = await Self.events(of: bus, during: {
            await FileRecordingBackend().recoverUnfinished(in: dir, events: bus).value
        }, until: { $0.name == "recording_failed" })
        let failed = try #require(seen.last)
        guard case .recordingFailed("../evil", _, "invalid ids in the manifest", "rec", _, true) = failed else {
            Issue.record("not the refusal of the manifest: \(failed)")
            return
        }
        #expect(try RecordingManifest.load(path: path).state == .failed)
        #expect(RecordingManifest.unfinished(in: dir).isEmpty)
    }
}
