import Access
import BridgedStore
import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import SFU
import Synchronization

/// Who is calling the API.
enum Caller: Sendable {
    /// No API key is configured and no token was given: every call is allowed (a development
    /// set-up; production sets `api_key`).
    case open
    /// The admin key (`api_key`): everything, rooms' secrets included.
    case admin
    /// A join token: its room's participant endpoints only, as its claims allow.
    case token(JoinClaims)

    var claims: JoinClaims? {
        if case .token(let c) = self { return c }
        return nil
    }

    /// Who, in the audit log: `admin`, `user:<sub>`, `token` (no `sub`), nil (open).
    var actor: String? {
        switch self {
        case .open: nil
        case .admin: "admin"
        case .token(let c): c.userID.map { "user:\($0)" } ?? "token"
        }
    }
}

/// A request's caller, shared by every copy of its context: `AccessMiddleware` sets it, the
/// routes and the (outer) `AuditMiddleware` read it.
final class CallerBox: Sendable {
    private let value = Mutex(Caller.open)
    var caller: Caller {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}

/// A request context that carries the caller (set by `AccessMiddleware`).
protocol CallerContext: RequestContext {
    var callerBox: CallerBox { get }
}

extension CallerContext {
    var caller: Caller {
        get { callerBox.caller }
        nonmutating set { callerBox.caller = newValue }
    }
}

/// The WebSocket routes' context: the caller and the client's address, like the API's.
struct WebSocketAPIContext: WebSocketRequestContext, RemoteAddressRequestContext, CallerContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>
    let remoteAddress: SocketAddress?
    let callerBox = CallerBox()

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        remoteAddress = source.channel.remoteAddress
    }
}

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
            throw APIError(.unauthorized, "unauthorized",
                           credential == nil ? "this API needs Authorization: Bearer <api key or join token>" : "wrong API key")
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
    /// endpoints (joining, then its own participant), and `GET /v1/ice-servers`. Anything else
    /// is the admin's (403 `admin_only`); another room is 401 `token_wrong_room`.
    static func checkScope(_ claims: JoinClaims, method: HTTPRequest.Method, path: String) throws {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        if parts.count == 2, parts[1] == "ice-servers", method == .get { return }
        if parts.count >= 3, parts[1] == "rooms", parts.count >= 4 ? parts[3] == "participants" : method == .get {
            guard parts[2] == claims.room else {
                throw APIError(TokenError.wrongRoom(token: claims.room, path: String(parts[2])))
            }
            return
        }
        throw APIError(.forbidden, "admin_only",
                       "\(method.rawValue) \(path) needs the admin key: a join token reaches only its room's participant endpoints")
    }
}

/// Recognises the caller of every `/v1/` call (but the health check and CORS preflights) and
/// keeps a join token inside its scope (`AccessPolicy.checkScope`).
struct AccessMiddleware<Context: CallerContext>: RouterMiddleware {
    let policy: AccessPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.isControlCall else { return try await next(request, context) }
        let path = request.uri.path
        context.caller = try await policy.caller(request)
        if let claims = context.caller.claims { try AccessPolicy.checkScope(claims, method: request.method, path: path) }
        return try await next(request, context)
    }
}

extension APIError {
    /// A refused token: 401 with the reason's code (`token_expired`, `token_wrong_room`, …).
    init(_ error: TokenError) {
        self.init(.unauthorized, error.code, error.message)
    }
}
