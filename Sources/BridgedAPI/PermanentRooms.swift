import BridgedStore
import Foundation
import Logging
import SFU

/// Rooms created with `"permanent": true`: stored with their settings (the JSON of
/// `RoomSettings`), re-created at every start before the API serves, forgotten by
/// `DELETE /v1/rooms/{id}`; they never expire idle.
enum PermanentRooms {
    /// After `POST /v1/rooms` created `info`: stores it when it is permanent. If the store
    /// fails the room is deleted again and the call fails (500 `store_failed`; the reason is
    /// logged): a room the client was told is permanent must be.
    static func created(_ info: RoomInfo, _ settings: RoomSettings, description: String?,
                        server: MediaServer, store: Store?, logger: Logger) async throws {
        guard settings.permanent, let store else { return }
        do {
            let json = String(decoding: try JSON.encoder.encode(settings), as: UTF8.self)
            try await store.saveRoom(PermanentRoom(id: info.id, kind: info.kind.rawValue, description: description, settings: json))
        } catch {
            logger.error("permanent room not stored", metadata: ["room": "\(info.id)", "error": "\(error)"])
            try? await server.deleteRoom(id: info.id, reason: .api)
            throw APIError(.internalServerError, "store_failed",
                           "the room could not be stored in the database (see the bridge's log); it was not created")
        }
    }

    /// After `DELETE /v1/rooms/{id}` deleted it: forgets the room. The room is gone either way;
    /// a failure here is logged, and the room comes back at the next start.
    static func deleted(_ id: String, store: Store?, logger: Logger) async {
        guard let store else { return }
        do { try await store.deleteRoom(id: id) } catch {
            logger.error("permanent room not forgotten", metadata: ["room": "\(id)", "error": "\(error)"])
        }
    }

    /// Re-creates every stored room. A room that cannot be (its settings no longer fit the
    /// configuration, say music on hold without a file) is logged and kept in the store.
    static func restore(from store: Store, into server: MediaServer, logger: Logger) async throws {
        for room in try await store.rooms() {
            guard let kind = RoomKind(rawValue: room.kind) else {
                logger.error("permanent room of unknown kind", metadata: ["room": "\(room.id)", "kind": "\(room.kind)"])
                continue
            }
            guard var settings = try? JSON.decoder.decode(RoomSettings.self, from: Data(room.settings.utf8)) else {
                logger.error("permanent room settings unreadable", metadata: ["room": "\(room.id)", "settings": "\(room.settings)"])
                continue
            }
            settings.permanent = true
            do {
                _ = try await server.createRoom(id: room.id, kind: kind, description: room.description, settings: settings)
                logger.info("permanent room restored", metadata: ["room": "\(room.id)", "kind": "\(room.kind)"])
            } catch {
                logger.error("permanent room not restored", metadata: ["room": "\(room.id)", "error": "\(error)"])
            }
        }
    }
}
