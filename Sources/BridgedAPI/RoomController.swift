import BridgedStore
import Hummingbird
import SFU

/// `/v1/rooms` and `/v1/rooms/{id}`: create, list, get, delete (docs/api.md).
struct RoomController {
    let server: MediaServer
    /// Where permanent rooms are kept (`PermanentRooms`).
    let store: Store
    let guards: RoomGuard

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post(use: create)
        group.get(use: list)
        group.get(":room", use: get)
        group.delete(":room", use: delete)
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> Response {
        let body = try await JSON.decode(CreateRoom.self, from: request)
        try body.settings.checkPinAndSecret()
        let info = try await APIError.mapping { () async throws(ControlError) in
            try await server.createRoom(id: body.id, kind: body.kind, description: body.description, settings: body.settings)
        }
        try await PermanentRooms.created(info, body.settings, description: body.description, server: server, store: store,
                                         logger: context.logger)
        return try JSON.response(info, status: .created)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        try JSON.response(RoomList(rooms: await server.listRooms()))
    }

    @Sendable func get(_ request: Request, context: APIRequestContext) async throws -> Response {
        let roomID = try context.parameters.roomID()
        return try JSON.response(try await APIError.mapping { () async throws(ControlError) in try await server.room(id: roomID) })
    }

    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> Response {
        let roomID = try context.parameters.roomID()
        try await guards.requireManager(request, context, roomID, moderators: false)
        try await APIError.mapping { () async throws(ControlError) in try await server.deleteRoom(id: roomID) }
        await PermanentRooms.deleted(roomID, store: store, logger: context.logger)
        return Response(status: .noContent)
    }
}
