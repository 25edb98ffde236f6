import Logging
import Recording
import RTP
import SFU
import Synchronization

/// Recordings as files, for `MediaServer`: one `Recorder` (Janus `.mjr` files and a manifest)
/// per recorded stream, made playable by a `RecordingFinisher` once stopped, whose outcomes
/// become the bus's `recording_ready`, `recording_failed` and `recording_hook_finished`.
public struct FileRecordingBackend: RecordingBackend {
    /// Run with a recording's files once its playable file is ready (command, then arguments).
    public let hook: [String]
    /// A hook still running after this long is killed.
    public let hookTimeout: Duration
    public let logger: Logger

    public init(hook: [String] = [], hookTimeout: Duration = .seconds(600), logger: Logger = Logger(label: "bridged.recording")) {
        self.hook = hook
        self.hookTimeout = hookTimeout
        self.logger = logger
    }

    /// With the hook and its timeout of `configuration` (`recordingHook`, `recordingHookTimeout`).
    public init(configuration: MediaConfiguration, logger: Logger) {
        self.init(hook: configuration.recordingHook, hookTimeout: configuration.recordingHookTimeout, logger: logger)
    }

    public func makeRecorder(id: String, room: String, directory: String, participant: String?, participants: [String]?,
                             events: EventBus,
                             onError: @escaping @Sendable (String) -> Void,
                             onDropped: @escaping @Sendable (UInt64) -> Void) throws(ControlError) -> any RecorderControl {
        do throws(RecordingError) {
            let recorder = try Recorder(id: id, room: room, directory: directory, participant: participant, participants: participants,
                                        onError: onError, onDropped: onDropped)
            return FileRecorder(recorder, finisher: finisher(events))
        } catch {
            throw .recordingFailed(error.message)
        }
    }

    public func recoverUnfinished(in directory: String, events: EventBus) -> Task<Void, Never> {
        let finisher = finisher(events), unfinished = RecordingManifest.unfinished(in: directory)
        return Task { _ = await finisher.recover(unfinished, isValidID: isValidID) }
    }

    func finisher(_ events: EventBus) -> RecordingFinisher {
        let logger = logger
        return RecordingFinisher(hook: hook, hookTimeout: hookTimeout) { $0.report(to: events, logger: logger) }
    }
}

/// The room feeds the recorder itself: no wrapper between the data plane and its ring.
extension Recorder: RecordingSink {}

/// One recorder under `MediaServer`'s control.
final class FileRecorder: RecorderControl {
    let recorder: Recorder
    let finisher: RecordingFinisher
    /// The manifest as `stop` left it, which `finish` completes.
    private let stopped = Mutex<RecordingManifest?>(nil)

    init(_ recorder: Recorder, finisher: RecordingFinisher) {
        self.recorder = recorder
        self.finisher = finisher
    }

    var sink: any RecordingSink { recorder }
    var plannedFiles: [String] {
        ["audio", "video"].compactMap {
            try? Recorder.path(directory: recorder.directory, room: recorder.room, recording: recorder.fileID, track: $0)
        }
    }
    var files: [String] { recorder.files }
    var bytes: Int { recorder.bytes }
    var packets: Int { recorder.packets }
    var dropped: UInt64 { recorder.dropped }
    var error: String? { recorder.error }
    var sinceLastPacket: Duration? {
        recorder.lastPacketNanos.map { .nanoseconds(Recorder.monotonicNanos() - $0) }
    }

    func start() throws(ControlError) {
        do throws(RecordingError) { try recorder.start() } catch { throw .recordingFailed(error.message) }
    }

    func startOffLoop() { recorder.startWritingManifestOffLoop() }

    func stop() async {
        await recorder.stop()
        var manifest = recorder.manifest
        if manifest.state == .recording {
            manifest.state = .stopped
            try? manifest.save(to: recorder.manifestPath)
        }
        stopped.withLock { $0 = manifest }
    }

    func finish() async -> FinishedRecording {
        let m = await finisher.finish(manifestAt: recorder.manifestPath, stopped.withLock { $0 } ?? recorder.manifest)
        return FinishedRecording(state: m.state == .failed ? .failed : .ready, playable: m.playable, error: m.error)
    }
}

extension RecordingFinisher.Event {
    /// The bus event and the log line of each outcome.
    func report(to events: EventBus, logger: Logger) {
        switch self {
        case .ready(let m, let result, let files, let recovered):
            events.emit(.recordingReady(room: m.room, participant: m.participant, recording: m.id, files: files,
                                        playable: result.path, recovered: recovered))
            logger.info("recording ready", metadata: [
                "room": "\(m.room)", "recording": "\(m.id)", "file": "\(result.path)", "recovered": "\(recovered)",
                "video_frames": "\(result.videoFrames)", "audio_frames": "\(result.audioFrames)",
            ])
        case .failed(let m, let reason, let files, let recovered, let alreadyReported):
            if !alreadyReported {
                events.emit(.recordingFailed(room: m.room, participant: m.participant, reason: reason, recording: m.id,
                                             files: files, recovered: recovered))
            }
            logger.error("recording has no playable file", metadata: ["room": "\(m.room)", "recording": "\(m.id)", "error": "\(reason)"])
        case .manifestNotSaved(let path, let error):
            logger.error("cannot update the recording manifest", metadata: ["path": "\(path)", "error": "\(error)"])
        case .recovering(let m):
            logger.notice("recovering a recording left unfinished", metadata: ["room": "\(m.room)", "recording": "\(m.id)"])
        case .hookNotRun(let m, let reason, let files):
            events.emit(.recordingHookFinished(room: m.room, recording: m.id, files: files, status: -1, reason: reason))
        case .hookFinished(let m, let status, let reason, let files):
            events.emit(.recordingHookFinished(room: m.room, recording: m.id, files: files, status: status, reason: reason))
            logger.info("recording hook finished", metadata: ["recording": "\(m.id)", "status": "\(status)"])
        }
    }
}
