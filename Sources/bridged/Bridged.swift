import ArgumentParser
import BridgedAPI
import Foundation

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
    @Option(help: "Ports streaming rooms' plain RTP sources may listen on, LOW-HIGH (default 20000-29999).") var rtpSourcePorts: String?
    @Option(help: "Seconds an RTP source's sender may be silent before its port takes another (default 3).") var rtpSourceTimeout: Double?
    @Option(help: "A network RTP forwarders may send to (ADDRESS/PREFIX); repeatable (default 127.0.0.0/8 and ::1/128).") var forwardNetwork: [String] = []
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
        if let rtpSourcePorts { c.rtpSourcePorts = rtpSourcePorts }
        if let rtpSourceTimeout { c.rtpSourceTimeoutSeconds = rtpSourceTimeout }
        if !forwardNetwork.isEmpty { c.forwardNetworks = forwardNetwork }
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

        try await Bridge.run(configuration: c)
    }
}
