import Access
import ArgumentParser
import BridgedStore
import FileRecording
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import SFU
import ServiceLifecycle

@main
struct Bridged: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bridged",
        abstract: "A WebRTC media bridge (SFU). Runs on an embedded default configuration.")

    @Option(help: "JSON configuration file (keys as in docs/configuration.md).") var config: String?
    @Option(help: "Control API HOST:PORT (default 127.0.0.1:8080).") var http: String?
    @Option(help: "Control API address.") var httpAddress: String?
    @Option(help: "Control API port.") var httpPort: Int?
    @Option(help: "UDP media socket HOST:PORT, one worker each; repeatable (default 127.0.0.1:40000, 40001, … one per core).") var udp: [String] = []
    @Option(help: "UDP media listen address.") var mediaAddress: String?
    @Option(help: "First UDP media port (one per worker; 0 = ephemeral).") var mediaPort: Int?
    @Option(help: "Media workers (event loops, one UDP socket each).") var workers: Int?
    @Flag(inversion: .prefixedNo,
          help: "Place a streaming room's viewers on the least-loaded worker, not only the room's (default on).")
    var spreadViewers: Bool?
    @Option(name: [.customLong("announce"), .customLong("announced-address")],
            help: "Address announced in candidates instead of the local one (NAT 1:1); repeatable.") var announcedAddress: [String] = []
    @Flag(help: "Also offer a 127.0.0.1 candidate when listening on all addresses.") var loopbackCandidates = false
    @Option(help: "Seconds without a valid ICE check before a peer is disconnected (RFC 7675).") var consentTimeout: Double?
    @Option(help: "Seconds a room may stay without participants before it is deleted.") var roomIdleTimeout: Double?
    @Flag(inversion: .prefixedNo, help: "UDP GSO: send the packets queued for one peer in one message (default on).") var gso: Bool?
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel: String?
    @Option(help: "Require Authorization: Bearer KEY (the admin key) or a join token on the API (also BRIDGED_API_KEY).") var apiKey: String?
    @Option(help: "HS256 secret join tokens are signed with, 32 bytes or more (also BRIDGED_TOKEN_SECRET).") var tokenSecret: String?
    @Option(help: "PEM file of the P-256 public key ES256 join tokens are checked with.") var tokenPublicKeyFile: String?
    @Option(help: "Failed attempts (wrong pin, secret, key) from one address on one room before it is refused for the window (default 20; 0: no limit).")
    var failedAttemptsLimit: Int?
    @Option(help: "Seconds of the failed-attempts window (default 60).") var failedAttemptsWindow: Double?
    @Option(help: "Directory recordings are written to (default /tmp/bridged-recordings).") var recordingDir: String?
    @Option(help: "Command run with a recording's files once its playable file is ready (absolute path, then arguments; the files are appended).")
    var recordingHook: String?
    @Option(help: "Seconds without media after which a recording stops (default: never).") var recordingNoMediaTimeout: Double?
    @Option(help: "Conference rooms: no room has more members (default 100).") var maxMembersPerRoom: Int?
    @Option(help: "Ogg Opus file played to a conference member alone in a room created with music_on_hold.") var musicOnHoldFile: String?
    @Option(help: "Webhook URL that receives every event as a signed JSON POST; repeatable.") var webhook: [String] = []
    @Option(help: "Secret the webhooks' HMAC-SHA256 signatures are made with (also BRIDGED_WEBHOOK_SECRET).") var webhookSecret: String?
    @Option(help: "Events waiting per webhook URL while its receiver is slow or down (default 1000).") var webhookQueue: Int?
    @Option(help: "STUN URL handed to clients (GET /v1/ice-servers); repeatable.") var stunServer: [String] = []
    @Option(help: "TURN URL handed to clients with TURN REST API credentials; repeatable.") var turnServer: [String] = []
    @Option(help: "Secret shared with the TURN server (coturn static-auth-secret; also BRIDGED_TURN_SECRET).") var turnSecret: String?
    @Option(help: "Origin allowed to call the API from browsers, or * (repeatable).") var corsOrigin: [String] = []
    @Option(help: "SQLite database of permanent rooms and the audit log (default /tmp/bridged-state/bridged.sqlite).")
    var database: String?
    @Option(help: "Audit log entries kept, newest first (default 100000).") var auditMaxEntries: Int?

    func run() async throws {
        var c = try config.map(Configuration.load) ?? Configuration()
        try c.applyEnvironment(ProcessInfo.processInfo.environment)
        if let http { (c.httpAddress, c.httpPort) = try splitHostPort(http) }
        if !udp.isEmpty { c.udp = udp }
        if let httpAddress { c.httpAddress = httpAddress }
        if let httpPort { c.httpPort = httpPort }
        if let mediaAddress { c.mediaAddress = mediaAddress }
        if let mediaPort { c.mediaPort = mediaPort }
        if let workers { c.workers = workers }
        if let spreadViewers { c.spreadViewers = spreadViewers }
        if !announcedAddress.isEmpty { c.announcedAddresses = announcedAddress }
        if loopbackCandidates { c.loopbackCandidates = true }
        if let consentTimeout { c.consentTimeoutSeconds = consentTimeout }
        if let roomIdleTimeout { c.roomIdleTimeoutSeconds = roomIdleTimeout }
        if let gso { c.gso = gso }
        if let logLevel { c.logLevel = logLevel }
        if let key = apiKey, !key.isEmpty { c.apiKey = key }
        if let tokenSecret, !tokenSecret.isEmpty { c.tokenSecret = tokenSecret }
        if let tokenPublicKeyFile { c.tokenPublicKeyFile = tokenPublicKeyFile }
        if let failedAttemptsLimit { c.failedAttemptsLimit = failedAttemptsLimit }
        if let failedAttemptsWindow { c.failedAttemptsWindowSeconds = failedAttemptsWindow }
        if !corsOrigin.isEmpty { c.corsOrigins = corsOrigin }
        if let recordingDir { c.recordingDir = recordingDir }
        if let maxMembersPerRoom { c.maxMembersPerRoom = maxMembersPerRoom }
        if let musicOnHoldFile { c.musicOnHoldFile = musicOnHoldFile }
        if !webhook.isEmpty { c.webhookUrls = webhook }
        if let webhookSecret, !webhookSecret.isEmpty { c.webhookSecret = webhookSecret }
        if let webhookQueue { c.webhookQueue = webhookQueue }
        if !stunServer.isEmpty { c.stunServers = stunServer }
        if !turnServer.isEmpty { c.turnServers = turnServer }
        if let turnSecret, !turnSecret.isEmpty { c.turnSecret = turnSecret }
        if let recordingHook { c.recordingHook = recordingHook.split(separator: " ").map(String.init) }
        if let recordingNoMediaTimeout { c.recordingNoMediaTimeoutSeconds = recordingNoMediaTimeout }
        if let database { c.database = database }
        if let auditMaxEntries { c.auditMaxEntries = auditMaxEntries }

        try c.validate()
        let tokens = try await c.tokenVerifier()
        let logLevel = LogLevelControl(Logger.Level(rawValue: c.logLevel) ?? .info)
        logLevel.bootstrap()
        let logger = Logger(label: "bridged")

        let media = try c.media()
        let server = try MediaServer(configuration: media, recordings: FileRecordingBackend(configuration: media, logger: logger),
                                     logger: logger)
        try await server.start()
        // The database: permanent rooms are back before the API serves; the audit log follows
        // the control calls (AuditMiddleware) and the bridge's security events.
        let store = try Store(path: c.database, auditLimit: c.auditMaxEntries)
        let storeLogger = logger
        let audit = AuditLog(store: store) { storeLogger.error("audit entry not written", metadata: ["error": "\($0)"]) }
        let auditedEvents = AuditEvents.follow(server.events, into: audit)
        // Ids of expired tokens (used invites, revocations) are forgotten once an hour.
        let pruneTokenIDs = Task {
            while !Task.isCancelled {
                do { try await store.pruneTokenIDs(now: Date()) } catch {
                    storeLogger.error("expired token ids not pruned", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .seconds(3600))
            }
        }
        try await PermanentRooms.restore(from: store, into: server, logger: logger)

        let webhooks = Webhooks(targets: c.webhookUrls.compactMap { URL(string: $0) }.map { .init(url: $0, secret: c.webhookSecret ?? "") },
                                queue: c.webhookQueue, events: server.events, logger: logger)
        webhooks.start()

        let router = Router(context: APIRequestContext.self)
        router.add(middleware: AuditMiddleware(log: audit))
        let origins = c.effectiveCORSOrigins
        if !origins.isEmpty { router.add(middleware: CORSPolicyMiddleware(origins: origins)) }
        let attempts = FailedAttempts(limit: c.failedAttemptsLimit, window: .milliseconds(Int64(c.failedAttemptsWindowSeconds * 1000)))
        if c.failedAttemptsLimit > 0 { router.add(middleware: FailedAttemptsMiddleware(attempts: attempts)) }
        let access = AccessPolicy(apiKey: c.apiKey, verifier: tokens, store: store)
        router.add(middleware: AccessMiddleware(policy: access))
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: DemoPage.html)))
        }
        router.get("/v1/health") { _, _ in try JSON.response(["status": "ok"]) }
        router.get("/v1/stats") { _, _ in try JSON.response(await server.stats()) }
        let metrics = MetricsExporter(server: server, webhooks: webhooks)
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(string: await metrics.render())))
        }
        let roomRoutes = RoomRoutes(server: server, store: store)
        roomRoutes.register(on: router)
        SignalRoutes.fallback(roomRoutes, on: router)
        LogLevelRoutes(control: logLevel).register(on: router)
        AuditRoutes(store: store, log: audit).register(on: router)
        ICEServerRoutes(stun: c.stunServers, turn: c.turnServers, secret: c.turnSecret, ttl: Int64(c.turnTtlSeconds))
            .register(on: router)
        // WebSocket upgrades: audited and checked like the API. A refused upgrade is answered
        // 400 with no body by hummingbird-websocket; the audit log has the reason.
        let webSocketRouter = Router(context: WebSocketAPIContext.self)
        webSocketRouter.add(middleware: AuditMiddleware(log: audit))
        if c.failedAttemptsLimit > 0 { webSocketRouter.add(middleware: FailedAttemptsMiddleware(attempts: attempts)) }
        webSocketRouter.add(middleware: AccessMiddleware(policy: access))
        EventRoutes(events: server.events).register(on: webSocketRouter)
        SignalRoutes(server: server).register(on: webSocketRouter)

        let readyLogger = logger
        let (address, port) = (c.httpAddress, c.httpPort)
        let app = Application(
            router: router,
            // SDP offers of conference members with many sections exceed the default 16 KiB frame.
            server: .http1WebSocketUpgrade(webSocketRouter: webSocketRouter,
                                           configuration: .init(ws: .init(maxFrameSize: 1 << 20))),
            configuration: .init(address: .hostname(c.httpAddress, port: c.httpPort), serverName: "bridged"),
            onServerRunning: { channel in
                readyLogger.notice("bridged ready", metadata: ["api": "http://\(address):\(channel.localAddress?.port ?? port)/"])
            },
            logger: logger)
        // Services shut down in reverse order: on SIGTERM the bridge closes its peers and emits
        // the final events first, while the HTTP server (and the events WebSocket) still run.
        var groupConfiguration = ServiceGroupConfiguration(
            services: [app, BridgeService(server: server)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        // Browsers keep idle HTTP connections open; do not wait for them for ever.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(3)
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await group.run()
        } catch {
            // The graceful period ran out with connections still open: still a normal stop.
            logger.debug("service group ended", metadata: ["error": "\(error)"])
        }
        auditedEvents.cancel()
        pruneTokenIDs.cancel()
        await audit.finish()
        logger.notice("bridged stopped")
    }
}

/// The media server as a service of the process: on graceful shutdown every room is deleted
/// (peers get DTLS close_notify, `participant_left` and `room_destroyed` events go out).
struct BridgeService: Service {
    let server: MediaServer

    func run() async throws {
        try? await gracefulShutdown()
        await server.shutdown()
        // Let the events WebSocket deliver the last events before the HTTP server stops.
        try? await Task.sleep(for: .milliseconds(300))
        // Peers are closed and the final events are out: an HTTP connection a browser keeps
        // open must not hold the process (the server's own graceful stop waits for it).
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 5)
            exit(0)
        }
    }
}
