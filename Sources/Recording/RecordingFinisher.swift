import Foundation

/// What happens to a recording once its `.mjr` files are closed: the playable file is built
/// from them (on a thread of its own: muxing takes seconds and must never hold an event loop or
/// the cooperative pool), the manifest says `ready`, and the configured hook runs with the files.
/// Also finishes, at start-up, the recordings a dead process left behind (`recovered: true`).
/// Each outcome goes to `onEvent`, for the owner to announce and log.
public struct RecordingFinisher: Sendable {
    /// What became of a recording.
    public enum Event: Sendable {
        /// The playable file is built; `files`: the raw logs, then the playable file.
        case ready(RecordingManifest, PlayableResult, files: [String], recovered: Bool)
        /// Nothing playable (no media at all, or the disk is full): the raw logs stay.
        /// `alreadyReported`: writing had failed, and the recorder reported that then.
        case failed(RecordingManifest, reason: String, files: [String], recovered: Bool, alreadyReported: Bool)
        /// The manifest at `path` could not be updated.
        case manifestNotSaved(path: String, RecordingError)
        /// A recording a dead process left unfinished is being finished.
        case recovering(RecordingManifest)
        /// The hook could not be started.
        case hookNotRun(RecordingManifest, reason: String, files: [String])
        /// The hook ended with `status`; `reason`: "timeout" (it was killed), "signal N", or nil.
        case hookFinished(RecordingManifest, status: Int, reason: String?, files: [String])
    }

    /// The finalize hook: a command and its arguments; the recording's files are appended.
    public let hook: [String]?
    /// A hook still running after this long is killed (and reported so).
    public let hookTimeout: Duration
    /// Called from any thread, once per outcome.
    public let onEvent: @Sendable (Event) -> Void

    public init(hook: [String]? = nil, hookTimeout: Duration = .seconds(600), onEvent: @escaping @Sendable (Event) -> Void) {
        self.hook = hook?.isEmpty == true ? nil : hook
        self.hookTimeout = hookTimeout
        self.onEvent = onEvent
    }

    /// Builds the playable file of the recording whose manifest is at `path`, updates the
    /// manifest and reports. Returns the updated manifest.
    @discardableResult
    public func finish(manifestAt path: String, _ manifest: RecordingManifest) async -> RecordingManifest {
        await finish(manifestAt: path, manifest, recovered: false, idsChecked: true)
    }

    /// `idsChecked`: the manifest's ids are fit for file names (false: it fails, nothing is built).
    func finish(manifestAt path: String, _ manifest: RecordingManifest, recovered: Bool, idsChecked: Bool) async -> RecordingManifest {
        var m = manifest
        if m.state == .recording { m.state = .stopped }
        let input = m
        let built = await Self.onThread(name: "playable-\(m.id)") { () -> Result<PlayableResult, PlayableError> in
            guard idsChecked else { return .failure(PlayableError(description: "invalid ids in the manifest")) }
            guard let base = input.outputBase else { return .failure(PlayableError(description: RecordingError.invalidDirectory.message)) }
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
            do throws(RecordingError) { try m.save(to: path) } catch {
                onEvent(.manifestNotSaved(path: path, error))
            }
            onEvent(.ready(m, result, files: mjr + [result.path], recovered: recovered))
            runHook(m, files: mjr + [result.path])
        case .failure(let error):
            let reported = m.state == .failed  // the recorder reported it when writing failed
            m.state = .failed
            if m.error == nil { m.error = error.description }
            try? m.save(to: path)
            onEvent(.failed(m, reason: error.description, files: mjr, recovered: recovered, alreadyReported: reported))
        }
        return m
    }

    /// Finishes the recordings a dead process left unfinished (`RecordingManifest.unfinished`,
    /// listed before this process starts any recording of its own). Their ids come from disk:
    /// a manifest whose room, recording or participant fails `isValidID` fails unbuilt.
    public func recover(_ unfinished: [(path: String, manifest: RecordingManifest)], isValidID: (String) -> Bool) async -> Int {
        for (path, manifest) in unfinished {
            onEvent(.recovering(manifest))
            let ids = [manifest.room, manifest.id] + (manifest.participant.map { [$0] } ?? [])
            _ = await finish(manifestAt: path, manifest, recovered: true, idsChecked: ids.allSatisfy(isValidID))
        }
        return unfinished.count
    }

    /// Runs the hook with the files, in the background: its exit status becomes a
    /// `hookFinished` event; it never blocks anything else.
    func runHook(_ m: RecordingManifest, files: [String]) {
        guard let hook else { return }
        let onEvent = onEvent, timeout = hookTimeout
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
                onEvent(.hookNotRun(m, reason: "cannot run \(hook[0]): \(error.localizedDescription)", files: files))
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
            onEvent(.hookFinished(m, status: status, reason: reason, files: files))
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
