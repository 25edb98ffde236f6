import Access
import BridgedStore
import FileRecording
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import SFU
import ServiceLifecycle

/// The bridge as a process: the media server, the database, webhooks and the control API, run
/// until SIGTERM or SIGINT.
public enum Bridge {
    /// Runs the bridge with a configuration the caller assembled (file, environment, flags).
    public static func run(configuration c: Configuration) async throws {
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

        let api = API(configuration: c, server: server, store: store, audit: audit, tokens: tokens, logLevel: logLevel,
                      webhooks: webhooks)
        let readyLogger = logger
        let (address, port) = (c.httpAddress, c.httpPort)
        let app = Application(
            router: api.router(),
            // SDP offers of conference members with many sections exceed the default 16 KiB frame.
            server: .http1WebSocketUpgrade(webSocketRouter: api.webSocketRouter(),
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
