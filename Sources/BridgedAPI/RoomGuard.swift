import Hummingbird
import SFU

/// Who may manage a room or reach a participant, for the controllers: the admin key, a
/// moderator's join token, the room's secret, the participant's own token.
struct RoomGuard: Sendable {
    let server: MediaServer

    /// The `X-Room-Secret` header, if given.
    static func roomSecret(_ request: Request) -> String? {
        request.headers.first { $0.name.canonicalName == "x-room-secret" }?.value
    }

    /// Managing a room that has a secret needs it in `X-Room-Secret`: 403 otherwise.
    func requireSecret(_ request: Request, _ roomID: String) async throws {
        try await APIError.mapping { () async throws(ControlError) in
            try await server.checkSecret(roomID: roomID, secret: Self.roomSecret(request))
        }
    }

    /// Managing a room: the admin key, a moderator's join token (`moderators`), or else the
    /// room's secret when it has one. A token that is not a moderator's: 403 `not_a_moderator`.
    func requireManager(_ request: Request, _ context: some CallerContext, _ roomID: String, moderators: Bool = true) async throws {
        switch context.caller {
        case .admin:
            return
        case .token(let claims):
            if moderators, let user = claims.userID, await server.isModerator(roomID: roomID, user: user) { return }
            if Self.roomSecret(request) != nil {
                try await requireSecret(request, roomID)
                return
            }
            throw APIError(.forbidden, "not_a_moderator",
                           "this needs a moderator of room \(roomID), and user \(claims.userID ?? "(none)") is not one there")
        case .open:
            try await requireSecret(request, roomID)
        }
    }

    /// A participant's own endpoints (`AccessPolicy.requireOwn`).
    func requireOwn(_ context: some CallerContext, _ roomID: String, _ participantID: String, moderators: Bool = true) async throws {
        try await AccessPolicy.requireOwn(context.caller, server, roomID: roomID, participantID: participantID, moderators: moderators)
    }
}
