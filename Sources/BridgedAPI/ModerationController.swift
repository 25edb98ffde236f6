import BridgedStore
import Foundation
import Hummingbird
import SFU

/// A room's managers act on its participants: kick, lobby, mute, moderator; and revoke join
/// tokens (docs/api.md). Each needs the admin key, a moderator's token or the room's secret
/// (`RoomGuard.requireManager`; revoking: not a moderator's token).
struct ModerationController {
    let server: MediaServer
    /// Where revoked token ids are remembered.
    let store: Store
    let guards: RoomGuard

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post(":room/participants/:participant/kick", use: kick)
        group.post(":room/participants/:participant/lobby", use: lobby)
        group.post(":room/participants/:participant/mute", use: mute)
        group.post(":room/participants/:participant/moderator", use: moderator)
        group.post(":room/revoked-tokens", use: revokeToken)
    }

    @Sendable func kick(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (roomID, participantID) = try (context.parameters.roomID(), context.parameters.participantID())
        try await guards.requireManager(request, context, roomID)
        let body = try await JSON.decode(Kick.self, from: request)
        if let b = body.banS, !(b >= 0 && b <= 86400 * 30) {
            throw APIError(.badRequest, "invalid_ban", "ban_s must be between 0 and 2592000 seconds")
        }
        try await APIError.mapping { () async throws(ControlError) in
            try await server.kick(roomID: roomID, participantID: participantID, ban: body.banS.map { .milliseconds(Int64($0 * 1000)) })
        }
        return Response(status: .noContent)
    }

    @Sendable func lobby(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (roomID, participantID) = try (context.parameters.roomID(), context.parameters.participantID())
        try await guards.requireManager(request, context, roomID)
        let body = try await JSON.decode(LobbyDecision.self, from: request)
        try await APIError.mapping { () async throws(ControlError) in
            try await server.lobby(roomID: roomID, participantID: participantID, action: body.action)
        }
        return Response(status: .noContent)
    }

    @Sendable func mute(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (roomID, participantID) = try (context.parameters.roomID(), context.parameters.participantID())
        try await guards.requireManager(request, context, roomID)
        let body = try await JSON.decode(Mute.self, from: request)
        try await APIError.mapping { () async throws(ControlError) in
            try await server.setMuted(roomID: roomID, participantID: participantID, kind: body.kind, muted: body.muted ?? true)
        }
        return Response(status: .noContent)
    }

    @Sendable func moderator(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (roomID, participantID) = try (context.parameters.roomID(), context.parameters.participantID())
        try await guards.requireManager(request, context, roomID)
        let body = try await JSON.decode(ModeratorGrant.self, from: request)
        try await APIError.mapping { () async throws(ControlError) in
            try await server.setModerator(roomID: roomID, participantID: participantID, moderator: body.moderator)
        }
        return Response(status: .noContent)
    }

    @Sendable func revokeToken(_ request: Request, context: APIRequestContext) async throws -> Response {
        let roomID = try context.parameters.roomID()
        try await guards.requireManager(request, context, roomID, moderators: false)
        let body = try await JSON.decode(Revoke.self, from: request)
        guard !body.jti.isEmpty, body.jti.utf8.count <= 256 else {
            throw APIError(.badRequest, "invalid_jti", "jti must be 1-256 characters")
        }
        // Remembered until the token expires (by default: a week, longer than a join token lives).
        let until = body.exp.map { Date(timeIntervalSince1970: $0) } ?? Date().addingTimeInterval(7 * 86400)
        try await store.revoke(jti: body.jti, room: roomID, expiresAt: until)
        return Response(status: .noContent)
    }
}
