import Foundation
import NIOCore
import Rings

/// Everything the server keeps about one room, under its id: the room itself and its timer,
/// its viewer groups on other workers, its recordings, its access rules. Deleting a room
/// removes its entry, and with it all of these.
struct RoomEntry {
    let room: any Room
    /// The room's periodic work on its loop (`Room.tick`).
    let ticker: RepeatedTask
    /// Streaming rooms with spread viewers: the room's viewer group on each other worker that
    /// serves some (creation started once, awaited by every join), and their timers.
    var groups: [Int: Task<ViewerGroup, Never>] = [:]
    var groupTickers: [RepeatedTask] = []
    /// Recordings, oldest first; at most the last one is running.
    var recordings: [RecordingEntry] = []
    /// Created with `record`: each streamer (member) is recorded from the moment it publishes.
    var recordsEveryone: Bool
    /// Pin, secret, lobby, streamers, single access, bans and who each participant is.
    var access: RoomAccess
    /// Created `permanent`: never expires idle.
    var permanent: Bool
    /// Streaming rooms: the viewer limit, and viewers joining now (counted against it).
    var maxViewers: Int?
    var viewersJoining = 0
    /// Each publisher's bitrate limit unless it has its own (`max_bitrate`).
    var maxBitrate: Int?
    /// Since when it has had no participants (nil: it has some).
    var emptySince: ContinuousClock.Instant?

    /// The running recording, if any.
    var runningRecording: RecordingEntry? {
        guard let last = recordings.last, last.stopped == nil else { return nil }
        return last
    }

    /// Stops every timer of the room.
    func cancelTimers() {
        ticker.cancel()
        for t in groupTickers { t.cancel() }
    }
}
