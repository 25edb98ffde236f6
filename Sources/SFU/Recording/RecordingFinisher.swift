import Foundation
import Logging

/// What happens to a recording once its `.mjr` files are closed: the playable file is built
/// from them (on a thread of its own: muxing takes seconds and must never hold an event loop or
/// the cooperative pool), the manifest says `ready`, `recording_ready` goes out, and the
/// configured hook runs with the files. Also finishes, at start-up, the recordings a dead
/// process left behind (`recovered: true`).
public struct RecordingFinisher: Sendable {
    public let events: EventBus
    public let logger: Logger
    /// The finalize hook: a command and its arguments; the recording's files are appended.
    public let hook: [String]?
    /// A hook still running after this long is killed (and reported so).
    public let hookTimeout: Duration

    public init(events: EventBus, logger: Logger, hook: [String]? = nil, hookTimeout: Duration = .seconds(600)) {
        self.events = events
        self.logger = logger
        self.hook = hook?.isEmpty == true ? nil : hook
        self.hookTimeout = hookTimeout
    }

    /// Builds the playable file of the recording whose manifest is at `path`, updates the
    /// manifest and reports. Returns the updated manifest.
    @discardableResult
    public func finish(manifestAt path: String, _ manifest: RecordingManifest, recovered: Bool = false) async -> RecordingManifest {
        var m = manifest
        if m.state == .recording { m.state = .stopped }
        let input = m
        let built = await Self.onThread(name: "playable-\(m.id)") { () -> Result<PlayableResult, PlayableError> in
            guard let base = input.outputBase else { return .failure(PlayableError(description: "invalid ids in the manifest")) }
            do throws(PlayableError) {
                return .success(try PlayableFile.build(audio: input.files["audio"], audioSync: input.sync["audio"],
                                                       video: input.files["video"], videoSync: input.sync["video"], outputBase: base))
            } catch {
                return .failure(error)
            }
        }
        let mjr = ["audio", "video"].compactMap { m.files[$0] }
        switch built {
        case .success(let result):
            m.playable = result.path
            if m.state != .failed { m.state = .ready }
            if recovered { m.recovered = true }
            do { try m.save(to: path) } catch {
                logger.error("cannot update the recording manifest", metadata: ["path": "\(path)", "error": "\(error)"])
            }
            events.emit("recording_ready", room: m.room, participant: m.participant, recording: m.id, files: mjr + [result.path],
                        recovered: recovered, playable: result.path)
            logger.info("recording ready", metadata: [
                "room": "\(m.room)", "recording": "\(m.id)", "file": "\(result.path)", "recovered": "\(recovered)",
                "video_frames": "\(result.videoFrames)", "audio_frames": "\(result.audioFrames)",
            ])
            runHook(m, files: mjr + [result.path])
        case .failure(let error):
            // Nothing playable (no media at all, or the disk is full): the raw logs stay.
            let reported = m.state == .failed  // recording_failed went out when writing failed
            m.state = .failed
            if m.error == nil { m.error = "\(error)" }
            try? m.save(to: path)
            if !reported { events.emit("recording_failed", room: m.room, participant: m.participant, reason: "\(error)", recording: m.id, files: mjr,
                        recovered: recovered ? true : nil) }
            logger.error("recording has no playable file", metadata: ["room": "\(m.room)", "recording": "\(m.id)", "error": "\(error)"])
        }
        return m
    }

    /// Finishes the recordings a dead process left unfinished (`RecordingManifest.unfinished`,
    /// listed before this process starts any recording of its own).
    public func recover(_ unfinished: [(path: String, manifest: RecordingManifest)]) async -> Int {
        for (path, manifest) in unfinished {
            logger.notice("recovering a recording left unfinished", metadata: ["room": "\(manifest.room)", "recording": "\(manifest.id)"])
            await finish(manifestAt: path, manifest, recovered: true)
        }
        return unfinished.count
    }

    /// Runs the hook with the files, in the background: its exit status becomes a
    /// `recording_hook_finished` event; it never blocks anything else.
    func runHook(_ m: RecordingManifest, files: [String]) {
        guard let hook else { return }
        let events = events, logger = logger, timeout = hookTimeout
        Thread.detachNewThread {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: hook[0])
            process.arguments = Array(hook.dropFirst()) + files
            var env = ProcessInfo.processInfo.environment
            env["BRIDGED_ROOM"] = m.room
            env["BRIDGED_RECORDING"] = m.id
            process.environment = env
            process.standardInput = FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                events.emit("recording_hook_finished", room: m.room, reason: "cannot run \(hook[0]): \(error.localizedDescription)", recording: m.id,
                            files: files, status: -1)
                return
            }
            let deadline = ContinuousClock.now + timeout
            var killed = false
            while process.isRunning {
                if ContinuousClock.now >= deadline, !killed {
                    process.terminate()
                    killed = true
                }
                usleep(20_000)
            }
            let status = Int(process.terminationStatus)
            let reason: String? = killed ? "timeout" : (process.terminationReason == .uncaughtSignal ? "signal \(status)" : nil)
            events.emit("recording_hook_finished", room: m.room, reason: reason, recording: m.id, files: files, status: status)
            logger.info("recording hook finished", metadata: ["recording": "\(m.id)", "status": "\(status)"])
        }
    }

    /// Runs `body` on a new thread and returns its result.
    static func onThread<T: Sendable>(name: String, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.name = name
            thread.start()
        }
    }
}
