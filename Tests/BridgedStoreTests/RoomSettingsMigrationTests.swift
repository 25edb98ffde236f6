import Foundation
import GRDB
import Testing
@testable import BridgedStore

/// Rooms stored by the schema before v4 (settings in columns and a partial JSON object) come
/// back with every setting in the one JSON object.
struct RoomSettingsMigrationTests {
    @Test func roomsStoredBeforeV4KeepEverySetting() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bridged-store-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/bridged.sqlite"
        // The database as the previous release left it.
        do {
            let old = try DatabaseQueue(path: path)
            try Store.migrator.migrate(old, upTo: "v3: audit actor")
            try await old.write { db in
                try db.execute(sql: """
                    INSERT INTO permanent_room (id, kind, description, record, max_members, music_on_hold, pin, secret, created_at, settings)
                    VALUES ('board', 'conference', 'the board', 0, 8, 1, '1234', 's3cret', '2024-01-01 00:00:00.000', '{"lobby":true,"single_access":"refuse"}'),
                           ('stage', 'streaming', NULL, 1, NULL, 0, NULL, NULL, '2024-01-02 00:00:00.000', '{"streamers":["alice"]}'),
                           ('plain', 'echo', NULL, 0, NULL, 0, NULL, NULL, '2024-01-03 00:00:00.000', NULL)
                    """)
            }
            try old.close()
        }
        let rooms = try await Store(path: path).rooms()
        #expect(rooms.map(\.id) == ["board", "stage", "plain"])
        #expect(rooms.map(\.description) == ["the board", nil, nil])
        let settings = try rooms.map { try JSONDecoder().decode(Settings.self, from: Data($0.settings.utf8)) }
        #expect(settings == [
            Settings(record: false, max_members: 8, music_on_hold: true, pin: "1234", secret: "s3cret", lobby: true, single_access: "refuse"),
            Settings(record: true, music_on_hold: false, streamers: ["alice"]),
            Settings(record: false, music_on_hold: false),
        ])
        // Saving and reading a room in the new schema works on the migrated file.
        let store = try Store(path: path)
        try await store.saveRoom(PermanentRoom(id: "new", kind: "echo", createdAt: Date(timeIntervalSince1970: 1_800_000_000)))
        #expect(try await store.rooms().last?.id == "new")
    }

    /// The settings keys as bridged writes them (snake_case).
    struct Settings: Decodable, Equatable {
        var record: Bool?
        var max_members: Int?
        var music_on_hold: Bool?
        var pin: String?
        var secret: String?
        var lobby: Bool?
        var streamers: [String]?
        var single_access: String?
    }
}
