import Foundation
import Synchronization

/// The recorders of one recording: one in a streaming room (the room's stream), one per
/// recorded member in a conference room (made on the room's loop as members publish).
final class RecorderSet: Sendable {
    private let list = Mutex<[any RecorderControl]>([])
    func append(_ r: any RecorderControl) { list.withLock { $0.append(r) } }
    var all: [any RecorderControl] { list.withLock { $0 } }
}

/// One recording of a room, running or done.
struct RecordingEntry {
    let id: String
    let room: String
    let participants: [String]?
    let recorders: RecorderSet
    let started: Date
    let startedMonotonic: ContinuousClock.Instant
    let noMediaTimeout: Duration?
    var stopped: Date?
    var reason: RecordingStopReason?
    /// After stop: each recorder's playable file (or why there is none).
    var finished: [FinishedRecording]?

    /// As the API shows it.
    var info: RecordingInfo {
        let end = stopped ?? Date()
        let recorders = recorders.all
        let error = recorders.compactMap(\.error).first ?? finished?.compactMap(\.error).first
        let state: String
        if let finished {
            state = finished.contains { $0.state == .failed } || finished.isEmpty ? "failed" : "ready"
        } else {
            state = recorders.contains { $0.error != nil } ? "failed" : stopped == nil ? "recording" : "stopped"
        }
        let playable = finished?.compactMap(\.playable) ?? []
        return RecordingInfo(id: id, room: room, state: state,
                             startedAt: started.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)),
                             durationS: (end.timeIntervalSince(started) * 1000).rounded() / 1000,
                             bytes: recorders.reduce(0) { $0 + $1.bytes }, packets: recorders.reduce(0) { $0 + $1.packets },
                             dropped: recorders.reduce(0) { $0 + $1.dropped },
                             files: recorders.flatMap(\.files), error: error,
                             participants: participants, playable: playable.first,
                             playableFiles: playable.isEmpty ? nil : playable, stopReason: reason?.rawValue)
    }
}

extension MediaServer {
    /// Starts recording a room into `configuration.recordingDirectory`: a streaming room's stream
    /// (every streamer, or only `participants`), or in a conference room each member (or only
    /// `participants`) from the moment it publishes, into files of its own. Video starts on a
    /// key frame (one is requested now). Stops by itself after `noMediaTimeout` (default: the
    /// configuration's) without a packet.
    public func startRecording(roomID: String, participants: [String]? = nil,
                               noMediaTimeout: Duration? = nil) async throws(ControlError) -> RecordingInfo {
        guard isValidID(roomID) else { throw .invalidID(roomID) }
        for p in participants ?? [] where !isValidID(p) { throw .invalidID(p) }
        let entry = try entry(roomID)
        let room = entry.room
        guard let plan = room.recordingPlan else { throw .notRecordable(roomID) }
        if let running = entry.runningRecording { throw .recordingExists(room: roomID, recording: running.id) }
        let directory = configuration.recordingDirectory
        let rid = Self.randomID()
        let events = events, logger = logger
        func failed(_ why: String) -> ControlError {
            events.emit(.recordingFailed(room: roomID, participant: nil, reason: why, recording: rid, files: nil, recovered: false))
            return .recordingFailed(why)
        }
        guard let backend = recordingBackend else {
            throw failed("recording is not available: this bridge runs without a recording backend")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            guard access(directory, W_OK) == 0 else { throw POSIXError(.EACCES) }
        } catch {
            throw failed("cannot write to the recording directory \(directory): \(error.localizedDescription)")
        }
        let onError: @Sendable (String?, String) -> Void = { [weak self] participant, why in
            logger.error("recording failed", metadata: ["room": "\(roomID)", "recording": "\(rid)", "error": "\(why)"])
            events.emit(.recordingFailed(room: roomID, participant: participant, reason: why, recording: rid, files: nil, recovered: false))
            Task { [weak self] in _ = try? await self?.stopRecording(roomID: roomID, recordingID: rid, reason: .failed) }
        }
        let onDropped: @Sendable (UInt64) -> Void = { total in
            events.emit(.recordingPacketsDropped(room: roomID, recording: rid, lost: total))
        }
        let set = RecorderSet()
        let sinks: RecordingSinks
        switch plan {
        case .room:
            let recorder = try backend.makeRecorder(id: rid, room: roomID, directory: directory, participant: nil,
                                                    participants: participants, events: events,
                                                    onError: { onError(nil, $0) }, onDropped: onDropped)
            do throws(ControlError) { try recorder.start() } catch {
                let why = if case .recordingFailed(let why) = error { why } else { "the recorder could not start" }
                events.emit(.recordingFailed(room: roomID, participant: nil, reason: why, recording: rid, files: nil,
                                             recovered: false))
                throw error
            }
            set.append(recorder)
            sinks = .room(recorder.sink)
        case .perMember:
            // Made on the room's loop as members publish; the writer thread writes the manifest.
            let wanted = participants.map(Set.init)
            sinks = .perMember { pid in
                guard wanted?.contains(pid) ?? true,
                      let r = try? backend.makeRecorder(id: rid, room: roomID, directory: directory, participant: pid,
                                                        participants: participants, events: events,
                                                        onError: { onError(pid, $0) }, onDropped: onDropped) else { return nil }
                r.startOffLoop()
                set.append(r)
                return r.sink
            }
        }
        await onLoop(room) { $0.startRecording(sinks, now: .now) }
        let recording = RecordingEntry(id: rid, room: roomID, participants: participants, recorders: set, started: Date(),
                                       startedMonotonic: .now, noMediaTimeout: noMediaTimeout ?? configuration.recordingNoMediaTimeout)
        rooms[roomID]?.recordings.append(recording)
        events.emit(.recordingStarted(room: roomID, participants: participants, recording: rid, files: set.all.flatMap(\.plannedFiles)))
        logger.info("recording started", metadata: ["room": "\(roomID)", "recording": "\(rid)", "directory": "\(directory)"])
        return recording.info
    }

    public func listRecordings(roomID: String) throws(ControlError) -> [RecordingInfo] {
        try entry(roomID).recordings.map(\.info)
    }

    /// Stops a recording: no more packets reach it, then its files are flushed and closed; the
    /// playable files are then built in the background (`recording_ready`, one per participant).
    public func stopRecording(roomID: String, recordingID: String,
                              reason: RecordingStopReason = .api) async throws(ControlError) -> RecordingInfo {
        let entry = try entry(roomID)
        guard let index = entry.recordings.firstIndex(where: { $0.id == recordingID }) else {
            throw .recordingNotFound(room: roomID, recording: recordingID)
        }
        let recording = entry.recordings[index]
        guard recording.stopped == nil else { return recording.info }
        rooms[roomID]?.recordings[index].stopped = Date()
        rooms[roomID]?.recordings[index].reason = reason
        await stop(recording, room: entry.room, reason: reason)
        return (rooms[roomID]?.recordings[index] ?? recording).info
    }

    /// Stops a running recording of `room` (which may already be gone from `rooms`): the room
    /// stops feeding it, its files are closed, the playable files are built in the background.
    func stop(_ recording: RecordingEntry, room: any Room, reason: RecordingStopReason) async {
        await onLoop(room) { $0.stopRecording() }
        let recorders = recording.recorders.all
        for recorder in recorders { await recorder.stop() }
        let roomID = recording.room, recordingID = recording.id
        events.emit(.recordingStopped(room: roomID, reason: reason, recording: recordingID, files: recorders.flatMap(\.files)))
        logger.info("recording stopped", metadata: ["room": "\(roomID)", "recording": "\(recordingID)", "reason": "\(reason.rawValue)",
                                                    "bytes": "\(recorders.reduce(0) { $0 + $1.bytes })",
                                                    "dropped": "\(recorders.reduce(0) { $0 + $1.dropped })"])
        let task = Task { () -> [FinishedRecording] in
            var out: [FinishedRecording] = []
            for recorder in recorders { out.append(await recorder.finish()) }
            return out
        }
        finishing[recordingID] = task
        Task {
            let done = await task.value
            self.finished(roomID: roomID, recordingID: recordingID, done)
        }
    }

    private func finished(roomID: String, recordingID: String, _ results: [FinishedRecording]) {
        finishing[recordingID] = nil
        guard let index = rooms[roomID]?.recordings.firstIndex(where: { $0.id == recordingID }) else { return }
        rooms[roomID]?.recordings[index].finished = results
    }

    /// Stops the recordings whose tracks have all been silent longer than their `noMediaTimeout`.
    func stopSilentRecordings(now: ContinuousClock.Instant) async {
        for (roomID, entry) in rooms {
            guard let e = entry.runningRecording, let timeout = e.noMediaTimeout else { continue }
            let silent = e.recorders.all.compactMap(\.sinceLastPacket).min() ?? now - e.startedMonotonic
            if silent >= timeout {
                _ = try? await stopRecording(roomID: roomID, recordingID: e.id, reason: .noMedia)
            }
        }
    }
}
