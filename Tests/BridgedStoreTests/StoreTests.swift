import Foundation
import Testing
import BridgedStore

/// A store in a new temporary directory, removed after `body`.
func withStore<T>(auditLimit: Int = Store.defaultAuditLimit, _ body: (Store, String) async throws -> T) async throws -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bridged-store-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/nested/bridged.sqlite"
    return try await body(try Store(path: path, auditLimit: auditLimit), path)
}

struct StoreTests {
    @Test func permanentRoomsRoundTripAndSurviveReopening() async throws {
        try await withStore { (store, path) async throws in
            let keep = PermanentRoom(id: "keep", kind: "conference", description: "board",
                                     createdAt: Date(timeIntervalSince1970: 1_700_000_000),
                                     settings: #"{"max_members":3,"music_on_hold":true,"pin":"1234","secret":"s3cret"}"#)
            let other = PermanentRoom(id: "lobby", kind: "streaming", createdAt: Date(timeIntervalSince1970: 1_700_000_100),
                                      settings: #"{"record":true}"#)
            try await store.saveRoom(other)
            try await store.saveRoom(keep)
            #expect(try await store.rooms() == [keep, other])  // oldest first

            // Another connection on the file (what the next process opens) sees the same rooms.
            let reopened = try Store(path: path)
            #expect(try await reopened.rooms() == [keep, other])
            #expect(try await reopened.deleteRoom(id: "keep"))
            #expect(!(try await reopened.deleteRoom(id: "keep")))
            #expect(try await store.rooms() == [other])
        }
    }

    @Test func theDatabaseFileIsTheOwnersOnly() async throws {
        try await withStore { (_, path) async throws in
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }

    @Test func auditQueriesFilterAndOrderNewestFirst() async throws {
        try await withStore { (store, _) async throws in
            let t0 = Date(timeIntervalSince1970: 1_700_000_000)
            try await store.appendAudit([
                AuditEntry(time: t0, type: "api_call", method: "POST", path: "/v1/rooms", status: 201, outcome: "ok", actor: "admin"),
                AuditEntry(time: t0 + 1, type: "access_denied", method: "POST", path: "/v1/rooms/a/participants", status: 403,
                           code: "wrong_pin", outcome: "denied", client: "127.0.0.1:5000", room: "a"),
                AuditEntry(time: t0 + 2, type: "access_denied", method: "DELETE", path: "/v1/rooms/b", status: 403,
                           code: "wrong_secret", outcome: "denied", room: "b"),
                AuditEntry(time: t0 + 3, type: "participant_left", outcome: "kicked", room: "a", participant: "p1"),
            ])
            let all = try await store.audit(AuditQuery())
            #expect(all.map(\.time) == [t0 + 3, t0 + 2, t0 + 1, t0])
            #expect(all.allSatisfy { $0.id != nil })
            #expect(try await store.audit(AuditQuery(room: "a")).map(\.type) == ["participant_left", "access_denied"])
            #expect(try await store.audit(AuditQuery(types: ["access_denied"])).map(\.code) == ["wrong_secret", "wrong_pin"])
            #expect(try await store.audit(AuditQuery(types: ["api_call", "participant_left"])).count == 2)
            // from inclusive, to exclusive.
            #expect(try await store.audit(AuditQuery(from: t0 + 1, to: t0 + 3)).map(\.time) == [t0 + 2, t0 + 1])
            #expect(try await store.audit(AuditQuery(limit: 1)).map(\.time) == [t0 + 3])
            let denied = try #require(try await store.audit(AuditQuery(room: "a", types: ["access_denied"])).first)
            #expect(denied.client == "127.0.0.1:5000" && denied.status == 403 && denied.method == "POST")
            #expect(all.map(\.actor) == [nil, nil, nil, "admin"])
        }
    }

    @Test func theAuditTableKeepsTheNewestEntriesOnly() async throws {
        try await withStore(auditLimit: 5) { (store, _) async throws in
            let t0 = Date(timeIntervalSince1970: 1_700_000_000)
            try await store.appendAudit((0..<12).map { AuditEntry(time: t0 + Double($0), type: "api_call", outcome: "ok") })
            let trimmed = try await store.trimAudit()
            let count = try await store.auditCount()
            let oldest = try await store.audit(AuditQuery()).last?.time
            #expect(trimmed == 7 && count == 5)
            #expect(oldest == t0 + 7)
        }
    }

    @Test func theAuditLogWritesInTheBackgroundAndFlushes() async throws {
        try await withStore { (store, _) async throws in
            let log = AuditLog(store: store)
            for i in 0..<50 { log.record(AuditEntry(type: "api_call", outcome: "ok", room: "r\(i % 2)")) }
            await log.flush()
            #expect(try await store.auditCount() == 50)
            #expect(try await store.audit(AuditQuery(room: "r1")).count == 25)
            log.record(AuditEntry(type: "api_call", outcome: "ok"))
            await log.finish()
            #expect(try await store.auditCount() == 51)
            await log.flush()  // after finish: returns at once
            #expect(log.dropped == 0)
        }
    }

    @Test func aFullQueueDropsTheOldestAndCountsThem() async throws {
        try await withStore { (store, _) async throws in
            let log = AuditLog(store: store, queueLimit: 1)
            for _ in 0..<200 { log.record(AuditEntry(type: "api_call", outcome: "ok")) }
            await log.flush()
            let written = try await store.auditCount()
            #expect(written + log.dropped == 200)
            await log.finish()
        }
    }

    @Test func aRoomsOtherSettingsRoundTrip() async throws {
        try await withStore { (store, path) async throws in
            let room = PermanentRoom(id: "stage", kind: "streaming", createdAt: Date(timeIntervalSince1970: 1_700_000_000),
                                     settings: #"{"streamers":["alice"],"single_access":"replace"}"#)
            try await store.saveRoom(room)
            #expect(try await Store(path: path).rooms() == [room])
        }
    }

    @Test func anInviteIsUsedOnceAndRevocationsAreRemembered() async throws {
        try await withStore { (store, path) async throws in
            let later = Date(timeIntervalSince1970: 1_900_000_000)
            #expect(try await store.useInvite(jti: "inv-1", room: "a", expiresAt: later))
            #expect(!(try await store.useInvite(jti: "inv-1", room: "a", expiresAt: later)))
            // Racing joins with one invite: exactly one wins.
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 { group.addTask { try await store.useInvite(jti: "inv-2", room: "a", expiresAt: later) } }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1)
            try await store.revoke(jti: "multi", room: "a", expiresAt: later)
            try await store.revoke(jti: "inv-1", room: "a", expiresAt: later)
            let reopened = try Store(path: path)
            #expect(try await reopened.tokenState(jti: "multi") == TokenID.revoked)
            #expect(try await reopened.tokenState(jti: "inv-1") == TokenID.revoked)
            #expect(try await reopened.tokenState(jti: "inv-2") == TokenID.used)
            #expect(try await reopened.tokenState(jti: "other") == nil)
            #expect(!(try await reopened.useInvite(jti: "multi", room: "a", expiresAt: later)))
            // Expired ids are forgotten.
            try await store.revoke(jti: "old", room: "a", expiresAt: Date(timeIntervalSince1970: 1_000))
            #expect(try await store.pruneTokenIDs(now: Date(timeIntervalSince1970: 2_000)) == 1)
            #expect(try await store.tokenState(jti: "old") == nil)
        }
    }
}
