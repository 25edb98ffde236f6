/// Errors of control operations; the API maps each to a status code and a JSON body.
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
    case trackNotFound(room: String, track: String)
    case invalidSignal(String)
    case notConference(String)
    case invalidOption(String)
    case wrongPin(String)
    case wrongSecret(String)
    case banned(room: String, seconds: Int)
    case notAllowed(String)
    case alreadyJoined(room: String, user: String)

    /// The API's error code.
    public var code: String {
        switch self {
        case .roomExists: "room_exists"
        case .roomNotFound: "room_not_found"
        case .participantNotFound: "participant_not_found"
        case .invalidID: "invalid_id"
        case .negotiation: "invalid_offer"
        case .transport: "transport_error"
        case .invalidRole: "invalid_role"
        case .streamerPresent: "streamer_present"
        case .recordingExists: "recording_exists"
        case .recordingNotFound: "recording_not_found"
        case .recordingFailed: "recording_failed"
        case .notRecordable: "room_not_recordable"
        case .roomFull: "room_full"
        case .trackNotFound: "track_not_found"
        case .invalidSignal: "invalid_signal"
        case .notConference: "not_a_conference"
        case .invalidOption: "invalid_option"
        case .wrongPin: "wrong_pin"
        case .wrongSecret: "wrong_secret"
        case .banned: "banned"
        case .notAllowed: "not_allowed"
        case .alreadyJoined: "already_joined"
        }
    }

    public var message: String {
        switch self {
        case .roomExists(let id): "room \(id) already exists"
        case .roomNotFound(let id): "no room \(id)"
        case .participantNotFound(let room, let p): "no participant \(p) in room \(room)"
        case .invalidID(let id): "invalid id \"\(id)\": use 1-64 characters from A-Z a-z 0-9 _ -"
        case .negotiation(let e): e.message
        case .transport(let why): why
        case .invalidRole(let why): why
        case .streamerPresent(let room, let streamer): "room \(room) already has a streamer (\(streamer)); it must leave first"
        case .recordingExists(let room, let rec): "room \(room) is already being recorded (recording \(rec))"
        case .recordingNotFound(let room, let rec): "no recording \(rec) in room \(room)"
        case .recordingFailed(let why): why
        case .notRecordable(let room): "room \(room) is an echo room: only streaming and conference rooms can be recorded"
        case .roomFull(let room, let limit): "room \(room) is full: it has its maximum of \(limit) members"
        case .trackNotFound(let room, let track): "no track \(track) to receive in room \(room)"
        case .invalidSignal(let why): "invalid signaling message: \(why)"
        case .notConference(let room): "room \(room) is not a conference room"
        case .invalidOption(let why): why
        case .wrongPin(let room): "room \(room) needs its pin to join (\"pin\"), and the one given is not it"
        case .wrongSecret(let room): "managing room \(room) needs its secret (X-Room-Secret), and the one given is not it"
        case .banned(let room, let seconds): "this user was kicked from room \(room) and may rejoin in \(seconds) s"
        case .notAllowed(let why): why
        case .alreadyJoined(let room, let user): "user \(user) is already in room \(room), which allows one connection per user"
        }
    }
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
