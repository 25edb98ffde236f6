import Hummingbird
import SFU

extension APIError {
    /// The one place an SFU control error becomes an API answer: its status, code and message.
    init(_ error: ControlError) {
        let status: HTTPResponse.Status = switch error {
        case .roomExists, .streamerPresent, .recordingExists, .alreadyJoined, .portInUse, .sourceFed: .conflict
        case .roomNotFound, .participantNotFound, .recordingNotFound, .trackNotFound, .forwarderNotFound: .notFound
        case .invalidID, .negotiation, .invalidRole, .notRecordable, .invalidSignal, .notConference, .invalidOption, .invalidSource,
             .notStreaming, .destinationNotAllowed, .invalidForwarder: .badRequest
        case .roomFull, .viewerLimit, .wrongPin, .wrongSecret, .banned, .notAllowed: .forbidden
        case .transport, .recordingFailed: .internalServerError
        }
        self.init(status, error.code, error.message)
    }

    /// Runs an SFU call, its `ControlError` answered as above.
    static func mapping<T>(_ body: () async throws(ControlError) -> T) async throws(APIError) -> T {
        do { return try await body() } catch { throw APIError(error) }
    }
}

extension ControlError {
    /// The API's error code.
    var code: String {
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
        case .roomFull, .viewerLimit: "room_full"
        case .trackNotFound: "track_not_found"
        case .invalidSignal: "invalid_signal"
        case .notConference: "not_a_conference"
        case .invalidOption: "invalid_option"
        case .wrongPin: "wrong_pin"
        case .wrongSecret: "wrong_secret"
        case .banned: "banned"
        case .notAllowed: "not_allowed"
        case .alreadyJoined: "already_joined"
        case .invalidSource: "invalid_source"
        case .portInUse: "port_in_use"
        case .sourceFed: "room_has_source"
        case .notStreaming: "not_a_streaming_room"
        case .forwarderNotFound: "forwarder_not_found"
        case .destinationNotAllowed: "destination_not_allowed"
        case .invalidForwarder: "invalid_forwarder"
        }
    }

    var message: String {
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
        case .viewerLimit(let room, let limit): "room \(room) is full: it has its maximum of \(limit) viewers (max_viewers)"
        case .trackNotFound(let room, let track): "no track \(track) to receive in room \(room)"
        case .invalidSignal(let why): "invalid signaling message: \(why)"
        case .notConference(let room): "room \(room) is not a conference room"
        case .invalidOption(let why): why
        case .wrongPin(let room): "room \(room) needs its pin to join (\"pin\"), and the one given is not it"
        case .wrongSecret(let room): "managing room \(room) needs its secret (X-Room-Secret), and the one given is not it"
        case .banned(let room, let seconds): "this user was kicked from room \(room) and may rejoin in \(seconds) s"
        case .notAllowed(let why): why
        case .alreadyJoined(let room, let user): "user \(user) is already in room \(room), which allows one connection per user"
        case .invalidSource(let why): why
        case .portInUse(let port): "port \(port) is in use: give another source port, or none for the bridge to choose"
        case .sourceFed(let room): "room \(room) is fed by its RTP source: it takes no WebRTC streamer (viewers only)"
        case .notStreaming(let room): "room \(room) is not a streaming room"
        case .forwarderNotFound(let room, let f): "no forwarder \(f) in room \(room)"
        case .destinationNotAllowed(let host, let allowed):
            "forwarding to \(host) is not allowed: destinations must be in \(allowed.joined(separator: ", ")) (forward_networks)"
        case .invalidForwarder(let why): why
        }
    }
}
