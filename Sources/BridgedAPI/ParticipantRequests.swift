import SFU

/// Which DTLS role the bridge takes when an offer says `actpass`.
enum DTLSRoleChoice: String, Sendable {
    case client, server

    var role: DTLSConnection.Role {
        switch self {
        case .client: .client
        case .server: .server
        }
    }
}

/// `POST /v1/rooms/{id}/participants`.
struct CreateParticipant: Decodable {
    var offer: String
    var display: String?
    /// The role asked for (a token may allow less).
    var role: ParticipantRole?
    /// Which DTLS role the bridge takes when the offer says actpass.
    var dtlsRole: DTLSRoleChoice?
    /// Record this streamer from the moment it publishes.
    var record: Bool?
    /// Conference members: what each published section is, by mid.
    var sources: [String: TrackSource]
    /// The room's pin, if it has one; who this is (what a kick's ban names).
    var pin: String?
    var userId: String?
    /// Conference rooms: wait in the lobby; a moderator skips a lobby room's lobby.
    var lobby: Bool?
    var moderator: Bool?
    /// One connection for this user id (refused or replaced as the room says).
    var singleAccess: Bool?
    /// The most it may publish, in bits per second (the room's `max_bitrate` still bounds it).
    var maxBitrate: Int?

    enum CodingKeys: String, CodingKey {
        case offer, display, role, dtlsRole, record, sources, pin, userId, lobby, moderator, singleAccess, maxBitrate
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        offer = try c.decode(String.self, forKey: .offer)
        display = try c.decodeIfPresent(String.self, forKey: .display)
        record = try c.decodeIfPresent(Bool.self, forKey: .record)
        pin = try c.decodeIfPresent(String.self, forKey: .pin)
        userId = try c.decodeIfPresent(String.self, forKey: .userId)
        lobby = try c.decodeIfPresent(Bool.self, forKey: .lobby)
        moderator = try c.decodeIfPresent(Bool.self, forKey: .moderator)
        singleAccess = try c.decodeIfPresent(Bool.self, forKey: .singleAccess)
        maxBitrate = try c.decodeIfPresent(Int.self, forKey: .maxBitrate)
        let sourceNames = try c.decodeIfPresent([String: String].self, forKey: .sources) ?? [:]
        dtlsRole = try c.decodeIfPresent(DTLSRoleChoice.self, forKey: .dtlsRole) { other in
            APIError(.badRequest, "invalid_dtls_role", "dtls_role must be \"client\" or \"server\", not \"\(other)\"")
        }
        role = try c.decodeIfPresent(ParticipantRole.self, forKey: .role) { other in
            APIError(.badRequest, "invalid_role", "role must be \"streamer\", \"viewer\", \"member\" or \"echo\", not \"\(other)\"")
        }
        sources = [:]
        for (mid, value) in sourceNames {
            guard let source = TrackSource(rawValue: value), source != .hold else {
                throw APIError(.badRequest, "invalid_source",
                               "source of mid \(mid) must be \"microphone\", \"camera\" or \"screen\", not \"\(value)\"")
            }
            sources[mid] = source
        }
    }
}

/// `POST …/participants/{pid}/ice-restart`.
struct ICERestart: Decodable { var offer: String }
struct ICERestartAnswer: Encodable { var answer: String }

/// `POST …/participants/{pid}/subscriptions`.
struct Subscriptions: Decodable {
    /// Track ids ("<participant>/<mid>") to pause or resume.
    var tracks: [String]?
    var paused: Bool?
    /// At most this many video tracks, by who spoke last; null: all.
    var maxVideo: Int?
    /// Whether `max_video` was given (null included): absent leaves the limit as it is.
    var hasMaxVideo = false

    enum CodingKeys: String, CodingKey { case tracks, paused, maxVideo }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tracks = try c.decodeIfPresent([String].self, forKey: .tracks)
        paused = try c.decodeIfPresent(Bool.self, forKey: .paused)
        hasMaxVideo = c.contains(.maxVideo)
        maxVideo = try c.decodeIfPresent(Int.self, forKey: .maxVideo)
    }
}
struct SubscriptionList: Encodable { var tracks: [TrackInfo] }

/// `POST …/participants/{pid}/video`: the highest simulcast encoding and VP8 temporal layer
/// the participant is sent (null: no bound; absent: unchanged), and whether its video is paused.
struct VideoRequest: Decodable {
    var layers = VideoLayers()

    enum CodingKeys: String, CodingKey { case maxSpatial, maxTemporal, paused }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        layers.maxSpatial = try c.decodeIfPresent(Int.self, forKey: .maxSpatial)
        layers.maxTemporal = try c.decodeIfPresent(Int.self, forKey: .maxTemporal)
        layers.paused = try c.decodeIfPresent(Bool.self, forKey: .paused)
        layers.clearSpatial = c.contains(.maxSpatial) && layers.maxSpatial == nil
        layers.clearTemporal = c.contains(.maxTemporal) && layers.maxTemporal == nil
    }
}
