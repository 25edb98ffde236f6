import Foundation
import GRDB

/// bridged's embedded SQLite database (one file, WAL): permanent rooms and the audit log.
///
/// Every method is safe to call from any task. Writes go through GRDB's serial writer and
/// reads run concurrently beside it (`DatabasePool`), on GRDB's own dispatch queues, never on
/// a media event loop.
public final class Store: Sendable {
    /// The newest audit entries kept by default; older ones are deleted (`trimAudit`).
    public static let defaultAuditLimit = 100_000

    let pool: DatabasePool
    /// The file the database is in.
    public let path: String
    /// At most this many audit entries are kept.
    public let auditLimit: Int

    /// Opens (creating it and its directory if needed) the database at `path` and migrates it.
    /// A new file is created readable by its owner only (0600): it holds room pins and secrets.
    public init(path: String, auditLimit: Int = Store.defaultAuditLimit) throws {
        let fm = FileManager.default
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        if !fm.fileExists(atPath: path) {
            // An empty file is an empty SQLite database; creating it first sets its mode, which
            // SQLite gives the -wal and -shm files too.
            guard fm.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw StoreError.cannotCreate(path)
            }
        }
        var configuration = Configuration()
        // Two bridged processes on one file (a restart overlapping the old process's shutdown)
        // wait for each other's writes instead of failing at once.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // WAL + NORMAL: a commit survives a crash of the process; a power loss may lose the
            // last commits, never corrupt the file (SQLite "WAL mode" §, synchronous=NORMAL).
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        self.path = path
        self.auditLimit = max(1, auditLimit)
        try Self.migrator.migrate(pool)
    }

    /// The schema, one migration per change; applied migrations are never edited.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: permanent rooms, audit log") { db in
            try db.create(table: PermanentRoom.databaseTableName) { t in
                t.primaryKey("id", .text)
                t.column("kind", .text).notNull()
                t.column("description", .text)
                t.column("record", .boolean).notNull().defaults(to: false)
                t.column("max_members", .integer)
                t.column("music_on_hold", .boolean).notNull().defaults(to: false)
                t.column("pin", .text)
                t.column("secret", .text)
                t.column("created_at", .datetime).notNull()
            }
            try db.create(table: AuditEntry.databaseTableName) { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("time", .datetime).notNull().indexed()
                t.column("type", .text).notNull()
                t.column("method", .text)
                t.column("path", .text)
                t.column("status", .integer)
                t.column("code", .text)
                t.column("outcome", .text).notNull()
                t.column("client", .text)
                t.column("room", .text).indexed()
                t.column("participant", .text)
                t.column("detail", .text)
            }
        }
        m.registerMigration("v2: room settings, token ids") { db in
            try db.alter(table: PermanentRoom.databaseTableName) { t in t.add(column: "settings", .text) }
            try db.create(table: TokenID.databaseTableName) { t in
                t.primaryKey("jti", .text)
                t.column("room", .text).notNull()
                t.column("state", .text).notNull()
                t.column("expires_at", .datetime).notNull().indexed()
            }
        }
        m.registerMigration("v3: audit actor") { db in
            try db.alter(table: AuditEntry.databaseTableName) { t in t.add(column: "actor", .text) }
        }
        m.registerMigration("v4: room settings in one JSON object") { db in
            try mergeRoomColumnsIntoSettings(db)
        }
        return m
    }

    /// The room columns of v1 (record, max_members, music_on_hold, pin, secret) become keys of
    /// the `settings` JSON object (which held the others since v2), and the columns go: every
    /// room stored before the upgrade comes back with all its settings.
    static func mergeRoomColumnsIntoSettings(_ db: Database) throws {
        let table = PermanentRoom.databaseTableName
        let rows = try Row.fetchAll(db, sql: "SELECT id, record, max_members, music_on_hold, pin, secret, settings FROM \(table)")
        for row in rows {
            let text: String? = row["settings"]
            var settings = (text.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } as? [String: Any]) ?? [:]
            settings["record"] = (row["record"] as Bool?) ?? false
            settings["music_on_hold"] = (row["music_on_hold"] as Bool?) ?? false
            if let n: Int = row["max_members"] { settings["max_members"] = n }
            if let pin: String = row["pin"] { settings["pin"] = pin }
            if let secret: String = row["secret"] { settings["secret"] = secret }
            let json = try JSONSerialization.data(withJSONObject: settings, options: [.sortedKeys])
            try db.execute(sql: "UPDATE \(table) SET settings = ? WHERE id = ?",
                           arguments: [String(decoding: json, as: UTF8.self), row["id"] as String])
        }
        try db.alter(table: table) { t in
            for column in ["record", "max_members", "music_on_hold", "pin", "secret"] { t.drop(column: column) }
        }
    }

    // MARK: Permanent rooms

    /// Stores (or replaces) a permanent room.
    public func saveRoom(_ room: PermanentRoom) async throws {
        try await pool.write { db in try room.save(db) }
    }

    /// Forgets a permanent room; false when it was not stored.
    @discardableResult
    public func deleteRoom(id: String) async throws -> Bool {
        try await pool.write { db in try PermanentRoom.deleteOne(db, key: id) }
    }

    /// Every permanent room, oldest first.
    public func rooms() async throws -> [PermanentRoom] {
        try await pool.read { db in
            try PermanentRoom.order(Column("created_at"), Column("id")).fetchAll(db)
        }
    }

    // MARK: Join token ids

    /// A single-use invite is presented: true the first time (its id is then remembered until
    /// `expiresAt`), false when it was used or revoked before. One transaction: two joins racing
    /// with the same invite cannot both get true.
    public func useInvite(jti: String, room: String, expiresAt: Date) async throws -> Bool {
        try await pool.write { db in
            if try TokenID.fetchOne(db, key: jti) != nil { return false }
            try TokenID(jti: jti, room: room, state: TokenID.used, expiresAt: expiresAt).insert(db)
            return true
        }
    }

    /// Revokes a token id until `expiresAt` (a used invite stays refused either way).
    public func revoke(jti: String, room: String, expiresAt: Date) async throws {
        try await pool.write { db in
            if var existing = try TokenID.fetchOne(db, key: jti) {
                existing.state = TokenID.revoked
                existing.expiresAt = max(existing.expiresAt, expiresAt)
                try existing.update(db)
            } else {
                try TokenID(jti: jti, room: room, state: TokenID.revoked, expiresAt: expiresAt).insert(db)
            }
        }
    }

    /// Forgets a token id (an invite whose join failed is usable again).
    public func forgetTokenID(jti: String) async throws {
        _ = try await pool.write { db in try TokenID.deleteOne(db, key: jti) }
    }

    /// What is remembered of a token id: `used`, `revoked`, or nil.
    public func tokenState(jti: String) async throws -> String? {
        try await pool.read { db in try TokenID.fetchOne(db, key: jti)?.state }
    }

    /// Forgets the ids of tokens expired before `now` (they are refused for their expiry anyway).
    @discardableResult
    public func pruneTokenIDs(now: Date) async throws -> Int {
        try await pool.write { db in try TokenID.filter(Column("expires_at") < now).deleteAll(db) }
    }

    // MARK: Audit log

    /// Appends entries in one transaction; returns them with their ids.
    @discardableResult
    public func appendAudit(_ entries: [AuditEntry]) async throws -> [AuditEntry] {
        try await pool.write { db in
            var out: [AuditEntry] = []
            out.reserveCapacity(entries.count)
            for var e in entries {
                try e.insert(db)
                out.append(e)
            }
            return out
        }
    }

    /// Deletes all but the newest `auditLimit` entries; returns how many went.
    @discardableResult
    public func trimAudit() async throws -> Int {
        let limit = auditLimit
        return try await pool.write { db in
            // Ids grow with insertion, so the newest N are the N highest ids.
            try db.execute(sql: "DELETE FROM audit WHERE id <= (SELECT MAX(id) FROM audit) - ?", arguments: [limit])
            return db.changesCount
        }
    }

    /// Entries matching `query`, newest first.
    public func audit(_ query: AuditQuery) async throws -> [AuditEntry] {
        try await pool.read { db in
            var request = AuditEntry.all()
            if let from = query.from { request = request.filter(Column("time") >= from) }
            if let to = query.to { request = request.filter(Column("time") < to) }
            if let room = query.room { request = request.filter(Column("room") == room) }
            if !query.types.isEmpty { request = request.filter(query.types.contains(Column("type"))) }
            return try request.order(Column("time").desc, Column("id").desc).limit(query.limit).fetchAll(db)
        }
    }

    /// How many audit entries are stored.
    public func auditCount() async throws -> Int {
        try await pool.read { db in try AuditEntry.fetchCount(db) }
    }
}

/// Errors of the store itself (SQLite's own are GRDB's `DatabaseError`).
public enum StoreError: Error, CustomStringConvertible {
    case cannotCreate(String)

    public var description: String {
        switch self {
        case .cannotCreate(let path): "cannot create the database file \(path)"
        }
    }
}
