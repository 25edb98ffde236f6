import Foundation
import SFU

/// One event as the API writes it (the events WebSocket, webhooks, the audit log): the type,
/// where it happened, and the fields that event carries (the others are left out).
struct BridgeEvent: Sendable, Codable, Equatable {
    /// 1, 2, 3 … over the life of the process: a gap means the subscriber missed events.
    var seq: UInt64
    /// ISO 8601, UTC, milliseconds.
    var time: String
    var type: String
    var room: String?
    var participant: String?
    var role: String?
    var display: String?
    var kind: String?
    /// Why (participant_left, room_destroyed, webrtc_down): api, idle, ice_timeout, dtls_failed, …
    var reason: String?
    /// streamer_changed: the new streamer, nil when the room has none.
    var streamer: String?
    /// recording_started, recording_stopped: the recording's id and its files.
    var recording: String?
    var files: [String]?
    /// recording_ready: the playable file; `recovered` when it was built at a later start,
    /// after the process had died.
    var playable: String?
    var recovered: Bool?
    /// recording_hook_finished: the hook's exit status.
    var status: Int?
    /// speaking: started (true) or stopped (false).
    var speaking: Bool?
    /// track_published, track_unpublished: the track's id ("<participant>/<mid>").
    var track: String?
    /// source_started: the address the RTP source sends from.
    var address: String?
    /// layer_changed: the simulcast encoding now sent (0 the lowest).
    var layer: Int?

    init(seq: UInt64, time: String, type: String, room: String? = nil) {
        self.seq = seq
        self.time = time
        self.type = type
        self.room = room
    }

    init(_ record: EventRecord) {
        let event = record.event
        self.init(seq: record.seq, time: record.date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)),
                  type: event.name, room: event.room)
        switch event {
        case .roomCreated(_, let kind):
            self.kind = kind.rawValue
        case .roomDestroyed(_, let reason):
            self.reason = reason.rawValue
        case .participantJoined(_, let p, let role, let display):
            (participant, self.role, self.display) = (p, role.rawValue, display)
        case .participantLeft(_, let p, let role, let reason):
            (participant, self.role, self.reason) = (p, role.rawValue, reason.rawValue)
        case .webrtcUp(_, let p, let role):
            (participant, self.role) = (p, role.rawValue)
        case .webrtcDown(_, let p, let role):
            (participant, self.role, reason) = (p, role.rawValue, "ice_timeout")
        case .mediaStarted(_, let p, let role, let kind):
            (participant, self.role, self.kind) = (p, role.rawValue, kind.rawValue)
        case .slowLink(_, let p, let role, let kind, let direction, let fractionLost):
            (participant, self.role, self.kind) = (p, role.rawValue, kind.rawValue)
            reason = "\(direction.rawValue) loss \(Int(fractionLost) * 100 / 256)%"
        case .speaking(_, let p, let role, let speaking):
            (participant, self.role, self.speaking) = (p, role.rawValue, speaking)
        case .dominantSpeaker(_, let p), .lobbyAdmitted(_, let p), .lobbyDenied(_, let p),
             .moderatorGranted(_, let p), .moderatorRevoked(_, let p):
            participant = p
        case .streamerChanged(_, let p, let streamer), .streamerStandby(_, let p, let streamer):
            (participant, self.streamer) = (p, streamer)
        case .sourceStarted(_, let kind, let address):
            (self.kind, self.address) = (kind.rawValue, address)
        case .sourceStopped(_, let kind):
            self.kind = kind.rawValue
        case .trackPublished(_, let p, let kind, let source, let track), .trackUnpublished(_, let p, let kind, let source, let track):
            (participant, self.kind, reason, self.track) = (p, kind.rawValue, source.rawValue, track)
        case .lobbyWaiting(_, let p, let display):
            (participant, self.display) = (p, display)
        case .participantMuted(_, let p, let kind, let muted):
            (participant, self.kind, reason) = (p, kind.rawValue, muted ? "muted" : "unmuted")
        case .layerChanged(_, let p, let track, let layer):
            (participant, self.track, self.layer) = (p, track, layer)
        case .recordingStarted(_, let participants, let recording, let files):
            (participant, self.recording, self.files) = (participants?.joined(separator: ","), recording, files)
        case .recordingStopped(_, let reason, let recording, let files):
            (self.reason, self.recording, self.files) = (reason.rawValue, recording, files)
        case .recordingFailed(_, let p, let reason, let recording, let files, let recovered):
            (participant, self.reason, self.recording, self.files) = (p, reason, recording, files)
            self.recovered = recovered ? true : nil
        case .recordingPacketsDropped(_, let recording, let lost):
            (self.recording, reason) = (recording, "\(lost) packets lost: the disk is too slow")
        case .recordingReady(_, let p, let recording, let files, let playable, let recovered):
            (participant, self.recording, self.files, self.playable, self.recovered) = (p, recording, files, playable, recovered)
        case .recordingHookFinished(_, let recording, let files, let status, let reason):
            (self.recording, self.files, self.status, self.reason) = (recording, files, status, reason)
        case .eventsDropped(let subscriber, let count):
            reason = "\(count) events not delivered to \(subscriber): the receiver is too slow or down"
        }
    }
}
