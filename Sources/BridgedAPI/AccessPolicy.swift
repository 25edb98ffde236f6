import Access
import BridgedStore
import Foundation
import Hummingbird
import SFU

/// How a caller is recognised: the admin key, or a join token (JWT) checked by `verifier`,
/// whose id must not be revoked (`store`). Credentials come in `Authorization: Bearer …`, or in
/// `?access_token=` where a browser cannot set headers (WebSockets).
struct AccessPolicy: Sendable {
    let apiKey: String?
    let verifier: JoinTokenVerifier
    let store: Store
    /// The time tokens are checked against.
    var now: @Sendable () -> Date = { Date() }

    func caller(_ request: Request) async throws -> Caller {
        var credential: String?
        if let header = request.headers[.authorization] {
            guard header.hasPrefix("Bearer ") else {
                throw APIError(.unauthorized, "unauthorized", "the Authorization header must be \"Bearer <api key or join token>\"")
            }
            credential = String(header.dropFirst(7))
        } else if let query = request.uri.queryParameters["access_token"] {
            credential = String(query)
        }
        if let key = apiKey, let credential, constantTimeEqual(Array(credential.utf8), Array(key.utf8)) {
            return .admin
        }
        if let credential, JoinTokenVerifier.looksLikeJWT(credential) {
            let claims: JoinClaims
            do { claims = try await verifier.verify(credential, now: now()) } catch { throw APIError(error) }
            if let jti = claims.jti, try await store.tokenState(jti: jti) == TokenID.revoked {
                throw APIError(TokenError.revoked(jti))
            }
            return .token(claims)
        }
        if apiKey != nil {
            guard credential != nil else {
                throw APIError(.unauthorized, "unauthorized", "this API needs Authorization: Bearer <api key or join token>")
            }
            throw APIError(.unauthorized, "bearer_not_recognized",
                           "the bearer is neither this bridge's API key nor a join token (a JWT: three base64url parts, the first starting eyJ)")
        }
        return .open
    }

    /// A participant's own endpoints: a join token reaches only the participants that joined
    /// with its user id (a moderator's, with `moderators`, every participant of its room);
    /// 403 `not_your_participant` otherwise. The admin and open callers reach all.
    static func requireOwn(_ caller: Caller, _ server: MediaServer, roomID: String, participantID: String,
                           moderators: Bool = true) async throws {
        guard let claims = caller.claims else { return }
        if let user = claims.userID {
            if await server.userID(roomID: roomID, participantID: participantID) == user { return }
            if moderators, await server.isModerator(roomID: roomID, user: user) { return }
        }
        throw APIError(.forbidden, "not_your_participant",
                       "participant \(participantID) did not join with this token's user (\(claims.userID ?? "none"))")
    }

    /// What a join token may reach: its room (`GET /v1/rooms/{room}`), the room's participant
    /// endpoints (joining, then its own participant), WHIP and WHEP, and `GET /v1/ice-servers`. Anything else
    /// is the admin's (403 `admin_only`); another room is 401 `token_wrong_room`.
    static func checkScope(_ claims: JoinClaims, method: HTTPRequest.Method, path: String) throws {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        if parts.count == 2, parts[1] == "ice-servers", method == .get { return }
        if parts.count >= 3, parts[1] == "rooms", parts.count >= 4 ? ["participants", "whip", "whep"].contains(parts[3]) : method == .get {
            guard parts[2] == claims.room else {
                throw APIError(TokenError.wrongRoom(token: claims.room, path: String(parts[2])))
            }
            return
        }
        throw APIError(.forbidden, "admin_only",
                       "\(method.rawValue) \(path) needs the admin key: a join token reaches only its room's participant endpoints")
    }
}

extension APIError {
    /// A refused token: 401 with the reason's code (`token_expired`, `token_wrong_room`, …).
    init(_ error: TokenError) {
        self.init(.unauthorized, error.code, error.message)
    }
}
