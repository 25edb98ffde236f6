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
        case .transport(let e): "cannot create the DTLS transport: \(e.description)"
        case .invalidRole(let p): p.message
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
        case .invalidOption(let p): p.message
        case .wrongPin(let room): "room \(room) needs its pin to join (\"pin\"), and the one given is not it"
        case .wrongSecret(let room): "managing room \(room) needs its secret (X-Room-Secret), and the one given is not it"
        case .banned(let room, let seconds): "this user was kicked from room \(room) and may rejoin in \(seconds) s"
        case .notAllowed(let r): r.message
        case .alreadyJoined(let room, let user): "user \(user) is already in room \(room), which allows one connection per user"
        case .invalidSource(let p): p.message
        case .portInUse(let port): "port \(port) is in use: give another source port, or none for the bridge to choose"
        case .sourceFed(let room): "room \(room) is fed by its RTP source: it takes no WebRTC streamer (viewers only)"
        case .notStreaming(let room): "room \(room) is not a streaming room"
        case .forwarderNotFound(let room, let f): "no forwarder \(f) in room \(room)"
        case .destinationNotAllowed(let host, let allowed):
            "forwarding to \(host) is not allowed: destinations must be in \(allowed.joined(separator: ", ")) (forward_networks)"
        case .invalidForwarder(let p): p.message
        }
    }
}

// The wording of each typed reason, for the caller: what was wrong and what to send instead.

extension RoleProblem {
    var message: String {
        switch self {
        case .notInRoom(.echo, let role): "an echo room has no \(role?.rawValue ?? "such role"); omit role or use \"echo\""
        case .notInRoom(.streaming, _): "a streaming room needs \"role\": \"streamer\" or \"viewer\""
        case .notInRoom(.conference, _): "a conference room's participants have \"role\": \"member\" (or \"viewer\": receives, may not publish)"
        case .notRecorded: "only a streamer or a conference member can be recorded (\"record\": true)"
        }
    }
}

extension OptionProblem {
    var message: String {
        switch self {
        case .lobbyInEchoRoom: "lobby is for conference and streaming rooms"
        case .streamingOnly(let option): "\(option) is a streaming room's option"
        case .streamersList: "streamers must list user ids (1-64 characters from A-Z a-z 0-9 _ - . @), \"*\" or \"moderators\""
        case .maxViewers(let n): "max_viewers must be at least 1, not \(n)"
        case .maxMembers(let n, let limit): "max_members must be between 1 and \(limit) (the bridge's max_members_per_room), not \(n)"
        case .musicOnHoldWithoutFile: "music_on_hold needs an Ogg Opus file in the configuration (music_on_hold_file)"
        case .maxBitrate(let n, let allowed):
            "max_bitrate must be between \(allowed.lowerBound) and \(allowed.upperBound) bits per second, not \(n)"
        case .singleAccess(let value): "single_access must be \"refuse\" or \"replace\", not \"\(value)\""
        }
    }
}

extension Refusal {
    var message: String {
        switch self {
        case .notAStreamer(let user, let room):
            "user \(user ?? "(none: no user_id)") may not stream in room \(room): only its streamers may"
        case .viewerPublishes: "a viewer may not publish: offer recvonly sections only"
        }
    }
}

extension SourceProblem {
    var message: String {
        switch self {
        case .streamingOnly: "source is a streaming room's option"
        case .missingRTP: "source needs \"rtp\""
        case .withStreamers: "a room fed by an RTP source has no streamers"
        case .codec(let field, let codec, let allowed): "\(field).codec \"\(codec)\" is not one of \(allowed.joined(separator: ", "))"
        case .port(let field, let port, let allowed):
            "\(field).port \(port) is outside the bridge's RTP source ports \(allowed.lowerBound)-\(allowed.upperBound) (rtp_source_ports)"
        case .payloadType(let field, let pt): "\(field).payload_type \(pt) must be 0-63 or 96-127 (64-95 would be taken for RTCP)"
        case .samePort(let port): "source.rtp.video and source.rtp.audio need different ports (both ask for \(port))"
        case .noTracks: "source.rtp needs a video or an audio track (or both)"
        case .noFreePort(let ports): "no free port left in the bridge's RTP source ports \(ports.lowerBound)-\(ports.upperBound)"
        case .suite(let field, let suite, let allowed): "\(field).suite \"\(suite)\" is not one of \(allowed.joined(separator: ", "))"
        case .key(let field, let bytes, let suite): "\(field).key must be base64 of \(bytes) bytes (master key and salt) for \(suite)"
        case .unusableKeys(let field): "\(field): the SRTP layer refused these keys; generate a new master key and salt"
        }
    }
}

extension ForwarderProblem {
    var message: String {
        switch self {
        case .noPorts: "a forwarder needs video_port, audio_port or both"
        case .port(let port): "port \(port) must be 1-65534 (RTCP goes to the port above)"
        case .portsTooClose: "video_port and audio_port need 2 apart (each sends RTCP on the port above)"
        case .host(let host): "host must be an IPv4 or IPv6 address, not \"\(host)\""
        case .keys(let p): p.message
        }
    }
}
