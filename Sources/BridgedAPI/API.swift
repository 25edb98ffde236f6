import Access
import BridgedStore
import Foundation
import Hummingbird
import NIOCore
import SFU

/// The control API of one bridge: what its controllers reach, and the two routers they make
/// (plain HTTP, and WebSocket upgrades). `Bridge.run` serves them; tests drive them in-process.
struct API: Sendable {
    let configuration: Configuration
    let server: MediaServer
    let store: Store
    let audit: AuditLog
    let tokens: JoinTokenVerifier
    let logLevel: LogLevelControl
    let webhooks: Webhooks?
    /// Shared by both routers: a guess over HTTP and one over a WebSocket count alike.
    let attempts: FailedAttempts
    /// The time join tokens are checked against.
    let now: @Sendable () -> Date

    init(configuration: Configuration, server: MediaServer, store: Store, audit: AuditLog, tokens: JoinTokenVerifier,
         logLevel: LogLevelControl, webhooks: Webhooks? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.server = server
        self.store = store
        self.audit = audit
        self.tokens = tokens
        self.logLevel = logLevel
        self.webhooks = webhooks
        self.now = now
        attempts = FailedAttempts(limit: configuration.failedAttemptsLimit,
                                  window: .milliseconds(Int64(configuration.failedAttemptsWindowSeconds * 1000)))
    }

    var access: AccessPolicy { AccessPolicy(apiKey: configuration.apiKey, verifier: tokens, store: store, now: now) }

    var iceServers: ICEServerController {
        ICEServerController(stun: configuration.stunServers, turn: configuration.turnServers, secret: configuration.turnSecret,
                            ttl: Int64(configuration.turnTtlSeconds))
    }

    /// Every HTTP route, behind the audit, CORS, failed-attempts and access middleware (in
    /// that order, outermost first).
    func router() -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: AuditMiddleware(log: audit))
        let origins = configuration.effectiveCORSOrigins
        if !origins.isEmpty { router.add(middleware: CORSPolicyMiddleware(origins: origins)) }
        if configuration.failedAttemptsLimit > 0 { router.add(middleware: FailedAttemptsMiddleware(attempts: attempts)) }
        router.add(middleware: AccessMiddleware(policy: access))

        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: DemoPage.html)))
        }
        router.get("/v1/health") { _, _ in try JSON.response(["status": "ok"]) }
        MetricsController(server: server, exporter: MetricsExporter(server: server, webhooks: webhooks)).addRoutes(to: router)

        let guards = RoomGuard(server: server)
        let rooms = router.group("v1/rooms")
        RoomController(server: server, store: store, guards: guards).addRoutes(to: rooms)
        let participants = ParticipantController(server: server, store: store, guards: guards)
        participants.addRoutes(to: rooms)
        WHIPController(server: server, participants: participants, iceServers: iceServers).addRoutes(to: rooms)
        ModerationController(server: server, store: store, guards: guards).addRoutes(to: rooms)
        RecordingController(server: server, guards: guards).addRoutes(to: rooms)
        ForwarderController(server: server, guards: guards).addRoutes(to: rooms)
        SignalController(server: server, guards: guards).addFallbackRoute(to: rooms)

        let v1 = router.group("v1")
        LogLevelController(control: logLevel).addRoutes(to: v1)
        AuditController(store: store, log: audit).addRoutes(to: v1)
        iceServers.addRoutes(to: v1)
        return router
    }

    /// The WebSocket upgrades (events, signaling): audited and checked like the API. A refused
    /// upgrade is answered 400 with no body by hummingbird-websocket; the audit log has the reason.
    func webSocketRouter() -> Router<WebSocketAPIContext> {
        let router = Router(context: WebSocketAPIContext.self)
        router.add(middleware: AuditMiddleware(log: audit))
        if configuration.failedAttemptsLimit > 0 { router.add(middleware: FailedAttemptsMiddleware(attempts: attempts)) }
        router.add(middleware: AccessMiddleware(policy: access))
        EventController(events: server.events).addRoutes(to: router)
        SignalController(server: server, guards: RoomGuard(server: server)).addRoutes(to: router)
        return router
    }
}
