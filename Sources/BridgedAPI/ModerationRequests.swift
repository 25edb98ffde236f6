import RTP
import SFU

/// `POST …/participants/{pid}/kick`.
struct Kick: Decodable { var banS: Double? }

/// `POST …/participants/{pid}/lobby`.
struct LobbyDecision: Decodable {
    var action: LobbyAction

    enum CodingKeys: String, CodingKey { case action }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        action = try c.decode(LobbyAction.self, forKey: .action) { other in
            APIError(.badRequest, "invalid_action", "action must be \"admit\", \"deny\" or \"wait\" (back to the lobby), not \"\(other)\"")
        }
    }
}

/// `POST …/participants/{pid}/mute`.
struct Mute: Decodable {
    var kind: MediaKind
    var muted: Bool?

    enum CodingKeys: String, CodingKey { case kind, muted }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        muted = try c.decodeIfPresent(Bool.self, forKey: .muted)
        kind = try c.decode(MediaKind.self, forKey: .kind) { other in
            APIError(.badRequest, "invalid_kind", "kind must be \"audio\" or \"video\", not \"\(other)\"")
        }
    }
}

/// `POST …/participants/{pid}/moderator`.
struct ModeratorGrant: Decodable { var moderator: Bool }

/// `POST /v1/rooms/{id}/revoked-tokens`.
struct Revoke: Decodable {
    var jti: String
    /// When the token expires (seconds since 1970): it is remembered until then.
    var exp: Double?
}
