import Foundation
import RTP

/// Everything the bridge tells the signaling server, as it happens: one case per kind of event,
/// with what it carries. The API layer writes these as JSON (the events WebSocket, webhooks, the
/// audit log); `name` is the type those carry.
public enum Event: Sendable, Equatable {
    case roomCreated(room: String, kind: RoomKind)
    case roomDestroyed(room: String, reason: RoomEndReason)
    case participantJoined(room: String, participant: String, role: ParticipantRole, display: String?)
    case participantLeft(room: String, participant: String, role: ParticipantRole, reason: LeaveReason)
    /// ICE and DTLS are up.
    case webrtcUp(room: String, participant: String, role: ParticipantRole)
    /// No valid ICE check for the consent timeout (RFC 7675): media stopped, may come back.
    case webrtcDown(room: String, participant: String, role: ParticipantRole)
    /// The first packet of a publisher's track.
    case mediaStarted(room: String, participant: String, role: ParticipantRole, kind: MediaKind)
    /// A link loses packets: `fractionLost` out of 256 (RFC 3550), at most every 5 s per
    /// participant and direction.
    case slowLink(room: String, participant: String, role: ParticipantRole, kind: MediaKind, direction: LinkDirection,
                  fractionLost: UInt8)
    case speaking(room: String, participant: String, role: ParticipantRole, speaking: Bool)
    case dominantSpeaker(room: String, participant: String)
    /// A streaming room's streamer changed (`streamer` nil: it has none now).
    case streamerChanged(room: String, participant: String, streamer: String?)
    /// An eligible streamer waits while `streamer` streams.
    case streamerStandby(room: String, participant: String, streamer: String?)
    /// A streaming room's plain RTP source: a port heard its sender's first packet (again).
    case sourceStarted(room: String, kind: MediaKind, address: String)
    /// The sender went silent (`rtp_source_timeout_seconds`): the port takes the next one.
    case sourceStopped(room: String, kind: MediaKind)
    case trackPublished(room: String, participant: String?, kind: MediaKind, source: TrackSource, track: String)
    case trackUnpublished(room: String, participant: String?, kind: MediaKind, source: TrackSource, track: String)
    case lobbyWaiting(room: String, participant: String, display: String?)
    case lobbyAdmitted(room: String, participant: String)
    case lobbyDenied(room: String, participant: String)
    case moderatorGranted(room: String, participant: String)
    case moderatorRevoked(room: String, participant: String)
    case participantMuted(room: String, participant: String, kind: MediaKind, muted: Bool)
    /// A participant is now sent another simulcast encoding (0 the lowest) of `track` (a
    /// conference track's id; nil in a streaming room: the streamer's video).
    case layerChanged(room: String, participant: String, track: String?, layer: Int)
    /// `participants`: who is recorded, nil for everyone.
    case recordingStarted(room: String, participants: [String]?, recording: String, files: [String])
    case recordingStopped(room: String, reason: RecordingStopReason, recording: String, files: [String])
    case recordingFailed(room: String, participant: String?, reason: String, recording: String, files: [String]?, recovered: Bool)
    /// The disk is too slow: `lost` packets so far did not reach the files.
    case recordingPacketsDropped(room: String, recording: String, lost: UInt64)
    /// A participant's playable file is ready (`recovered`: built at a later start, after the
    /// process had died).
    case recordingReady(room: String, participant: String?, recording: String, files: [String], playable: String, recovered: Bool)
    /// The recording hook ended with `status` (-1: it could not run; `reason` says why).
    case recordingHookFinished(room: String, recording: String, files: [String], status: Int, reason: String?)
    /// Events did not reach a subscriber that fell behind (a webhook receiver too slow or down).
    case eventsDropped(subscriber: String, count: UInt64)

    /// The event's type, as the API names it.
    public var name: String {
        switch self {
        case .roomCreated: "room_created"
        case .roomDestroyed: "room_destroyed"
        case .participantJoined: "participant_joined"
        case .participantLeft: "participant_left"
        case .webrtcUp: "webrtc_up"
        case .webrtcDown: "webrtc_down"
        case .mediaStarted: "media_started"
        case .slowLink: "slow_link"
        case .speaking: "speaking"
        case .dominantSpeaker: "dominant_speaker"
        case .streamerChanged: "streamer_changed"
        case .streamerStandby: "streamer_standby"
        case .sourceStarted: "source_started"
        case .sourceStopped: "source_stopped"
        case .trackPublished: "track_published"
        case .trackUnpublished: "track_unpublished"
        case .lobbyWaiting: "lobby_waiting"
        case .lobbyAdmitted: "lobby_admitted"
        case .lobbyDenied: "lobby_denied"
        case .moderatorGranted: "moderator_granted"
        case .moderatorRevoked: "moderator_revoked"
        case .participantMuted: "participant_muted"
        case .layerChanged: "layer_changed"
        case .recordingStarted: "recording_started"
        case .recordingStopped: "recording_stopped"
        case .recordingFailed: "recording_failed"
        case .recordingPacketsDropped: "recording_packets_dropped"
        case .recordingReady: "recording_ready"
        case .recordingHookFinished: "recording_hook_finished"
        case .eventsDropped: "webhook_dropped"
        }
    }

    /// The room it happened in, if any.
    public var room: String? {
        switch self {
        case .roomCreated(let r, _), .roomDestroyed(let r, _), .participantJoined(let r, _, _, _), .participantLeft(let r, _, _, _),
             .webrtcUp(let r, _, _), .webrtcDown(let r, _, _), .mediaStarted(let r, _, _, _), .slowLink(let r, _, _, _, _, _),
             .speaking(let r, _, _, _), .dominantSpeaker(let r, _), .streamerChanged(let r, _, _), .streamerStandby(let r, _, _),
             .sourceStarted(let r, _, _), .sourceStopped(let r, _),
             .trackPublished(let r, _, _, _, _), .trackUnpublished(let r, _, _, _, _), .lobbyWaiting(let r, _, _),
             .lobbyAdmitted(let r, _), .lobbyDenied(let r, _), .moderatorGranted(let r, _), .moderatorRevoked(let r, _),
             .participantMuted(let r, _, _, _), .layerChanged(let r, _, _, _), .recordingStarted(let r, _, _, _), .recordingStopped(let r, _, _, _),
             .recordingFailed(let r, _, _, _, _, _), .recordingPacketsDropped(let r, _, _), .recordingReady(let r, _, _, _, _, _),
             .recordingHookFinished(let r, _, _, _, _):
            r
        case .eventsDropped:
            nil
        }
    }
}

/// Why a participant left.
public enum LeaveReason: String, Sendable, Equatable {
    /// Removed through the API (`DELETE …/participants/{id}`).
    case api
    case kicked
    /// Another connection of the same user replaced it (single access).
    case replaced
    /// A moderator refused it in the lobby.
    case lobbyDenied = "lobby_denied"
    case roomDestroyed = "room_destroyed"
    /// Its DTLS handshake failed.
    case dtlsFailed = "dtls_failed"
    /// It closed its connection (DTLS close_notify).
    case closed
}

/// Why a room ended.
public enum RoomEndReason: String, Sendable, Equatable {
    case api
    /// Empty for the idle timeout.
    case idle
    /// The bridge shut down.
    case shutdown
}

/// Why a recording stopped.
public enum RecordingStopReason: String, Sendable, Equatable {
    case api
    /// Its room ended.
    case roomDestroyed = "room_destroyed"
    /// No packet for its no-media timeout.
    case noMedia = "no_media"
    /// Writing failed.
    case failed
    case idle
    case shutdown
}

/// One event as the bus delivers it: its place in the sequence, when it happened, what it is.
public struct EventRecord: Sendable, Equatable {
    /// 1, 2, 3 … over the life of the process: a gap means the subscriber missed events.
    public var seq: UInt64
    /// When it happened (wall clock).
    public var date: Date
    public var event: Event

    public init(seq: UInt64, date: Date, event: Event) {
        self.seq = seq
        self.date = date
        self.event = event
    }
}
