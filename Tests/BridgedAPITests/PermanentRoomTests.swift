import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import SFU
import Testing
@testable import BridgedAPI
@testable import BridgedStore

/// A permanent room's settings go to the store as the JSON of `RoomSettings` and come back
/// whole at the next start, including rooms stored by the schema before it.
struct PermanentRoomTests {
    @Test func aPermanentRoomComesBackWithItsSettings() async throws {
        let bridge = try await TestBridge()
        try await bridge.test { client in
            let created = try await client.call(.post, "/v1/rooms", json: [
                "id": "board", "kind": "conference", "description": "the board", "permanent": true, "max_members": 5,
                "pin": "1234", "secret": "s3cret", "lobby": true, "single_access": "replace",
            ])
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let stored = try #require(try await bridge.api.store.rooms().first)
            #expect(stored.id == "board" && stored.kind == "conference" && stored.description == "the board")
            let settings = try JSON.decoder.decode(RoomSettings.self, from: Data(stored.settings.utf8))
            #expect(settings == RoomSettings(maxMembers: 5, pin: "1234", secret: "s3cret", lobby: true, permanent: true,
                                             singleAccess: .replace))
            #expect(stored.settings.contains("\"max_members\":5") && stored.settings.contains("\"single_access\":\"replace\""))

            // The next start: a new media server, the same store.
            var media = MediaConfiguration()
            media.port = 0
            media.workers = 1
            let next = try MediaServer(configuration: media)
            try await next.start()
            try await PermanentRooms.restore(from: bridge.api.store, into: next, logger: Logger(label: "test"))
            let room = try await next.room(id: "board")
            #expect(room.kind == .conference && room.description == "the board")
            await #expect(throws: ControlError.wrongSecret("board")) { try await next.checkSecret(roomID: "board", secret: "guess") }
            try await next.checkSecret(roomID: "board", secret: "s3cret")
            await next.shutdown()

            // Deleting the room forgets it.
            #expect(try await client.call(.delete, "/v1/rooms/board").status == .noContent)
            #expect(try await bridge.api.store.rooms().isEmpty)
        }
    }

    /// A database that refuses the write: the permanent room is not created (500 `store_failed`,
    /// a message for the caller, the reason in the log), and the bridge goes on.
    @Test func aRoomTheStoreRefusesIsNotCreated() async throws {
        let bridge = try await TestBridge()
        try await bridge.api.store.pool.write { db in
            try db.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON permanent_room BEGIN SELECT RAISE(FAIL, 'disk I/O error'); END")
        }
        try await bridge.test { client in
            let refused = try await client.call(.post, "/v1/rooms", json: ["id": "kept", "kind": "streaming", "permanent": true])
            expectError(refused, .internalServerError, "store_failed", containing: "not created")
            #expect(!String(buffer: refused.body).contains("disk I/O"))
            expectError(try await client.call(.get, "/v1/rooms/kept"), .notFound, "room_not_found")
            #expect(try await bridge.api.store.rooms().isEmpty)
            // Everything else goes on: a room that is not permanent is created, under the same id too.
            #expect(try await client.call(.post, "/v1/rooms", json: ["id": "kept", "kind": "streaming"]).status == .created)
        }
    }

    /// The JSON a v3 database's row becomes in the v4 migration reads as the room's settings.
    @Test func migratedSettingsDecode() throws {
        let migrated = #"{"lobby":true,"max_members":8,"music_on_hold":false,"pin":"1234","record":true,"secret":"s","single_access":"refuse","streamers":null}"#
        let settings = try JSON.decoder.decode(RoomSettings.self, from: Data(migrated.utf8))
        #expect(settings == RoomSettings(record: true, maxMembers: 8, pin: "1234", secret: "s", lobby: true, singleAccess: .refuse))
        // And a room stored with no settings at all.
        #expect(try JSON.decoder.decode(RoomSettings.self, from: Data("{}".utf8)) == RoomSettings())
    }
}
