import BridgedStore
import Foundation
import Logging
import SFU

/// Rooms created with `"permanent": true`: stored with their settings, re-created at every
/// start before the API serves, forgotten by `DELETE /v1/rooms/{id}`; they never expire idle.
enum PermanentRooms {
    /// The settings kept in the store's `settings` column (JSON, snake_case keys).
    struct Settings: Codable {
        var lobby: Bool?
        var streamers: [String]?
        var singleAccess: String?
    }

    /// After `POST /v1/rooms` created `info`: stores it when it is permanent. If the store
    /// fails the room is deleted again and the call fails (500 `store_failed`): a room the
    /// client was told is permanent must be.
    static func created(_ info: RoomInfo, _ options: MediaServer.RoomOptions, description: String?,
                        server: MediaServer, store: Store?) async throws {
        guard options.permanent, let store else { return }
        let settings = Settings(lobby: options.lobby ? true : nil, streamers: options.streamers,
                                singleAccess: options.singleAccess?.rawValue)
        let room = PermanentRoom(id: info.id, kind: info.kind.rawValue, description: description, record: options.record,
                                 maxMembers: options.maxMembers, musicOnHold: options.musicOnHold,
                                 pin: options.pin, secret: options.secret,
                                 settings: String(decoding: try JSON.encoder.encode(settings), as: UTF8.self))
        do {
            try await store.saveRoom(room)
        } catch {
            try? await server.deleteRoom(id: info.id, reason: .api)
            throw APIError(.internalServerError, "store_failed", "the room could not be stored: \(error)")
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
            var options = MediaServer.RoomOptions(record: room.record, maxMembers: room.maxMembers, musicOnHold: room.musicOnHold,
                                                  pin: room.pin, secret: room.secret)
            options.permanent = true
            if let text = room.settings {
                guard let settings = try? JSON.decoder.decode(Settings.self, from: Data(text.utf8)) else {
                    logger.error("permanent room settings unreadable", metadata: ["room": "\(room.id)", "settings": "\(text)"])
                    continue
                }
                options.lobby = settings.lobby ?? false
                options.streamers = settings.streamers
                options.singleAccess = settings.singleAccess.flatMap(SingleAccess.init(rawValue:))
            }
            do {
                _ = try await server.createRoom(id: room.id, kind: kind, description: room.description, options: options)
                logger.info("permanent room restored", metadata: ["room": "\(room.id)", "kind": "\(room.kind)"])
            } catch {
                logger.error("permanent room not restored", metadata: ["room": "\(room.id)", "error": "\(error)"])
            }
        }
    }
}
