import Foundation
import GRDB

/// A room created with `"permanent": true`, re-created at every start: its id, kind and
/// description, and its settings as the JSON object bridged gave (bridged's `RoomSettings`,
/// snake_case keys): a new setting needs no new column. The store does not read the settings.
public struct PermanentRoom: Sendable, Equatable, Codable {
    public var id: String
    /// "echo", "streaming" or "conference".
    public var kind: String
    public var description: String?
    public var createdAt: Date
    /// The settings, a JSON object (pins and secrets included, stored as given: the room checks
    /// them).
    public var settings: String

    public init(id: String, kind: String, description: String? = nil, createdAt: Date = Date(), settings: String = "{}") {
        self.id = id
        self.kind = kind
        self.description = description
        self.createdAt = createdAt
        self.settings = settings
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, description, settings
        case createdAt = "created_at"
    }
}

extension PermanentRoom: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "permanent_room"
}

/// One line of the audit log: a control call, or a security event of the bridge.
public struct AuditEntry: Sendable, Equatable, Codable {
    /// Control calls: `api_call`, or `access_denied` for a 401, 403 or 429 answer.
    public static let apiCall = "api_call"
    public static let accessDenied = "access_denied"

    public var id: Int64?
    public var time: Date
    /// `api_call`, `access_denied`, or the event's type (`participant_left`, `participant_muted`,
    /// `lobby_…`).
    public var type: String
    /// Control calls: the request and its answer's status and error code (nil when it succeeded).
    public var method: String?
    public var path: String?
    public var status: Int?
    public var code: String?
    /// `ok`, `denied` (401, 403, 429), `failed` (other errors); events: their reason (e.g. `kicked`),
    /// else `ok`.
    public var outcome: String
    /// Control calls: the client's address, and who it was: `admin` (the API key),
    /// `user:<id>` (a join token's `sub`), `token` (a token without one), nil (no key configured).
    public var client: String?
    public var actor: String?
    public var room: String?
    public var participant: String?
    /// Events: the event as JSON.
    public var detail: String?

    public init(id: Int64? = nil, time: Date = Date(), type: String, method: String? = nil, path: String? = nil,
                status: Int? = nil, code: String? = nil, outcome: String, client: String? = nil, room: String? = nil,
                participant: String? = nil, detail: String? = nil, actor: String? = nil) {
        self.actor = actor
        self.id = id
        self.time = time
        self.type = type
        self.method = method
        self.path = path
        self.status = status
        self.code = code
        self.outcome = outcome
        self.client = client
        self.room = room
        self.participant = participant
        self.detail = detail
    }
}

extension AuditEntry: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "audit"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// `GET /v1/audit`'s filters.
public struct AuditQuery: Sendable, Equatable {
    /// Entries at or after `from`, before `to`.
    public var from: Date?
    public var to: Date?
    public var room: String?
    /// Any of these types (empty: all).
    public var types: [String]
    public var limit: Int

    public init(from: Date? = nil, to: Date? = nil, room: String? = nil, types: [String] = [], limit: Int = 1000) {
        self.from = from
        self.to = to
        self.room = room
        self.types = types
        self.limit = limit
    }
}

/// A join token's id (`jti`) the bridge must remember until the token expires: a single-use
/// invite that was used, or a token that was revoked.
public struct TokenID: Sendable, Equatable, Codable {
    public static let used = "used"
    public static let revoked = "revoked"

    public var jti: String
    public var room: String
    /// `used` or `revoked`.
    public var state: String
    public var expiresAt: Date

    public init(jti: String, room: String, state: String, expiresAt: Date) {
        self.jti = jti
        self.room = room
        self.state = state
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case jti, room, state
        case expiresAt = "expires_at"
    }
}

extension TokenID: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "token_id"
}
