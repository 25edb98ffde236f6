/// Why a control operation was refused, with what the caller needs to know. The API layer
/// decides how each is answered (status, code, message).
public enum ControlError: Error, Equatable, Sendable {
    case roomExists(String)
    case roomNotFound(String)
    case participantNotFound(room: String, participant: String)
    case invalidID(String)
    case negotiation(NegotiationError)
    /// The DTLS transport for a new peer could not be made.
    case transport(DTLSError)
    case invalidRole(RoleProblem)
    case streamerPresent(room: String, streamer: String)
    case recordingExists(room: String, recording: String)
    case recordingNotFound(room: String, recording: String)
    /// The recorder's own reason (also the `recording_failed` event's).
    case recordingFailed(String)
    case notRecordable(String)
    case roomFull(room: String, limit: Int)
    /// A streaming room at its `max_viewers`.
    case viewerLimit(room: String, limit: Int)
    case trackNotFound(room: String, track: String)
    /// A signaling message the API layer could not read (its own wording).
    case invalidSignal(String)
    case notConference(String)
    case invalidOption(OptionProblem)
    case wrongPin(String)
    case wrongSecret(String)
    case banned(room: String, seconds: Int)
    case notAllowed(Refusal)
    case alreadyJoined(room: String, user: String)
    /// A room's `source` cannot be used (a codec, a port, a payload type).
    case invalidSource(SourceProblem)
    /// A port asked for is taken.
    case portInUse(Int)
    /// A room fed by a plain RTP source takes no WebRTC streamer.
    case sourceFed(String)
    /// What only a streaming room does (forwarders, WHIP, WHEP), asked of another kind.
    case notStreaming(String)
    case forwarderNotFound(room: String, forwarder: String)
    /// A forwarder's destination outside the configured networks.
    case destinationNotAllowed(host: String, allowed: [String])
    /// A forwarder request that cannot be served (no port, a port out of range, not an IP address).
    case invalidForwarder(ForwarderProblem)
}

/// A role this room does not have, or that cannot be recorded.
public enum RoleProblem: Equatable, Sendable {
    /// A kind of room asked for a role it does not have (nil: no role given where one is needed).
    case notInRoom(RoomKind, role: ParticipantRole?)
    /// `"record": true` for a participant that does not publish.
    case notRecorded(ParticipantRole?)
}

/// A room option (or join option) that cannot be used.
public enum OptionProblem: Equatable, Sendable {
    /// `lobby` asked of an echo room.
    case lobbyInEchoRoom
    /// An option (`streamers`, `max_viewers`) only a streaming room has.
    case streamingOnly(String)
    /// `streamers` lists something that is neither a user id, `"*"` nor `"moderators"`.
    case streamersList
    /// `max_viewers` below 1.
    case maxViewers(Int)
    /// `max_members` outside 1 and the bridge's `max_members_per_room`.
    case maxMembers(Int, limit: Int)
    /// `music_on_hold` without a `music_on_hold_file` in the configuration.
    case musicOnHoldWithoutFile
    /// `max_bitrate` outside what the bridge accepts.
    case maxBitrate(Int, allowed: ClosedRange<Int>)
    /// `single_access` neither `refuse` nor `replace`.
    case singleAccess(String)
}

/// Why a participant may not do what it asked.
public enum Refusal: Equatable, Sendable {
    /// A streaming room whose `streamers` does not name this user.
    case notAStreamer(user: String?, room: String)
    /// A conference viewer offered sections that send.
    case viewerPublishes
}

/// A streaming room's `source` (or an SRTP keying) that cannot be used. `field` names the JSON
/// path, as `source.rtp.video`.
public enum SourceProblem: Error, Equatable, Sendable {
    case streamingOnly
    case missingRTP
    case withStreamers
    case codec(field: String, codec: String, allowed: [String])
    case port(field: String, port: Int, allowed: ClosedRange<Int>)
    case payloadType(field: String, Int)
    case samePort(Int)
    case noTracks
    case noFreePort(ClosedRange<Int>)
    case suite(field: String, suite: String, allowed: [String])
    case key(field: String, bytes: Int, suite: String)
    /// Keys of the right size that the SRTP layer still refused.
    case unusableKeys(field: String)
}

/// A forwarder request that cannot be served.
public enum ForwarderProblem: Equatable, Sendable {
    case noPorts
    case port(Int)
    case portsTooClose
    case host(String)
    case keys(SourceProblem)
}

/// Ids chosen by API callers end up in logs, file names and URLs: keep them plain.
public func isValidID(_ id: String) -> Bool {
    (1...64).contains(id.utf8.count) && id.utf8.allSatisfy { c in
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f || c == 0x2d
    }
}

/// User ids (a token's `sub`, `user_id`) also allow `.` and `@` (e-mail-like ids).
public func isValidUserID(_ id: String) -> Bool {
    (1...64).contains(id.utf8.count) && id.utf8.allSatisfy { c in
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f || c == 0x2d
            || c == 0x2e || c == 0x40
    }
}
