import Access
import Hummingbird
import Synchronization

/// Who is calling the API.
enum Caller: Sendable, Equatable {
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
/// controllers and the (outer) `AuditMiddleware` read it.
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
