/// Why a control operation was refused, with what the caller needs to know. The API layer
/// decides how each is answered (status, code, message).
public enum ControlError: Error, Equatable, Sendable {
    case roomExists(String)
    case roomNotFound(String)
    case participantNotFound(room: String, participant: String)
    case invalidID(String)
    case negotiation(NegotiationError)
    case transport(String)
    case invalidRole(String)
    case streamerPresent(room: String, streamer: String)
    case recordingExists(room: String, recording: String)
    case recordingNotFound(room: String, recording: String)
    case recordingFailed(String)
    case notRecordable(String)
    case roomFull(room: String, limit: Int)
    /// A streaming room at its `max_viewers`.
    case viewerLimit(room: String, limit: Int)
    case trackNotFound(room: String, track: String)
    case invalidSignal(String)
    case notConference(String)
    case invalidOption(String)
    case wrongPin(String)
    case wrongSecret(String)
    case banned(room: String, seconds: Int)
    case notAllowed(String)
    case alreadyJoined(room: String, user: String)
    /// A room's `source` cannot be used (a codec, a port, a payload type).
    case invalidSource(String)
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
    case invalidForwarder(String)
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
