import Access
import Foundation
import SFU

/// bridged's configuration. Every field has a default (the embedded configuration), a JSON
/// config file (`--config`) overrides the defaults, and command-line flags override both.
public struct Configuration: Codable, Sendable {
    /// Control API and demo page.
    public var httpAddress: String = "127.0.0.1"
    public var httpPort: Int = 8080
    /// UDP media: see MediaConfiguration.
    public var mediaAddress: String = "127.0.0.1"
    public var mediaPort: Int = 40000
    /// Explicit media sockets "HOST:PORT", one worker each (overrides the three settings around).
    public var udp: [String] = []
    public var workers: Int? = nil
    /// A streaming room's viewers on every worker (least loaded first), not only the room's.
    public var spreadViewers: Bool = true
    public var announcedAddresses: [String] = []
    public var loopbackCandidates: Bool = false
    public var consentTimeoutSeconds: Double = 30
    public var roomIdleTimeoutSeconds: Double = 300
    /// UDP GSO on the media sockets.
    public var gso: Bool = true
    public var logLevel: String = "info"
    /// When set, every /v1/ call needs `Authorization: Bearer <api_key>` (the admin key) or a
    /// join token.
    public var apiKey: String? = nil
    /// Join tokens (JWTs from the signaling server): HS256 with `token_secret` (32 bytes or
    /// more), or ES256 checked with the P-256 public key in the PEM file `token_public_key_file`;
    /// `exp` and `nbf` get `token_leeway_seconds` of clock skew.
    public var tokenSecret: String? = nil
    public var tokenPublicKeyFile: String? = nil
    public var tokenLeewaySeconds: Double = 5
    /// Guessing: after this many failed attempts (wrong pin, secret, API key, token signature)
    /// from one address on one room within the window, that address is refused there (429)
    /// until the window ends; 0: no limit.
    public var failedAttemptsLimit: Int = 20
    public var failedAttemptsWindowSeconds: Double = 60
    /// Origins allowed to call the API from a browser ("*" for any). Default: any origin when
    /// the API listens on loopback, none otherwise.
    public var corsOrigins: [String]? = nil
    /// Where recordings are written.
    public var recordingDir: String = "/tmp/bridged-recordings"
    /// Command run with a recording's files once its playable file is ready: program, then
    /// arguments (the files are appended).
    public var recordingHook: [String] = []
    public var recordingHookTimeoutSeconds: Double = 600
    /// Recordings stop after this many seconds without a packet (nil: never).
    public var recordingNoMediaTimeoutSeconds: Double? = nil

    /// ICE servers handed to clients (`GET /v1/ice-servers`): STUN URLs, TURN URLs, and the
    /// secret shared with the TURN server (coturn's `static-auth-secret`) from which each
    /// client's credentials are made (TURN REST API), valid for `turn_ttl_seconds`.
    /// Webhooks: every event POSTed to each URL, signed with `webhook_secret` (HMAC-SHA256);
    /// up to `webhook_queue` events wait per URL while a receiver is slow or down.
    public var webhookUrls: [String] = []
    public var webhookSecret: String? = nil
    public var webhookQueue: Int = 1000
    public var stunServers: [String] = []
    public var turnServers: [String] = []
    public var turnSecret: String? = nil
    public var turnTtlSeconds: Double = 86400

    /// Speaker detection from RFC 6464 audio levels: speech starts at a packet at least as loud
    /// as `speaker_start_dbov`, continues while packets reach `speaker_continue_dbov`, and ends
    /// after `speaker_hangover_ms` below it.
    /// Conference rooms: no room has more members; music on hold (an Ogg Opus file) for rooms
    /// created with `music_on_hold`.
    public var maxMembersPerRoom: Int = 100
    public var musicOnHoldFile: String? = nil
    /// Streaming rooms fed by plain RTP (`source.rtp`): the ports they may listen on ("LOW-HIGH"),
    /// and how long a sender may be silent before its port takes the next one.
    public var rtpSourcePorts: String = "20000-29999"
    public var rtpSourceTimeoutSeconds: Double = 3
    /// Where RTP forwarders may send: networks ("127.0.0.0/8", "10.1.2.3"); loopback by default.
    public var forwardNetworks: [String] = ["127.0.0.0/8", "::1/128"]
    public var speakerStartDbov: Int = -40
    public var speakerContinueDbov: Int = -50
    public var speakerHangoverMs: Int = 1500

    /// The SQLite database: permanent rooms and the audit log, which keeps its newest
    /// `audit_max_entries` entries.
    public var database: String = "/tmp/bridged-state/bridged.sqlite"
    public var auditMaxEntries: Int = 100_000

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Configuration()
        httpAddress = try c.decodeIfPresent(String.self, forKey: .httpAddress) ?? d.httpAddress
        httpPort = try c.decodeIfPresent(Int.self, forKey: .httpPort) ?? d.httpPort
        mediaAddress = try c.decodeIfPresent(String.self, forKey: .mediaAddress) ?? d.mediaAddress
        mediaPort = try c.decodeIfPresent(Int.self, forKey: .mediaPort) ?? d.mediaPort
        udp = try c.decodeIfPresent([String].self, forKey: .udp) ?? []
        workers = try c.decodeIfPresent(Int.self, forKey: .workers)
        spreadViewers = try c.decodeIfPresent(Bool.self, forKey: .spreadViewers) ?? d.spreadViewers
        announcedAddresses = try c.decodeIfPresent([String].self, forKey: .announcedAddresses) ?? d.announcedAddresses
        loopbackCandidates = try c.decodeIfPresent(Bool.self, forKey: .loopbackCandidates) ?? d.loopbackCandidates
        consentTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .consentTimeoutSeconds) ?? d.consentTimeoutSeconds
        roomIdleTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .roomIdleTimeoutSeconds) ?? d.roomIdleTimeoutSeconds
        gso = try c.decodeIfPresent(Bool.self, forKey: .gso) ?? d.gso
        logLevel = try c.decodeIfPresent(String.self, forKey: .logLevel) ?? d.logLevel
        apiKey = try c.decodeIfPresent(String.self, forKey: .apiKey)
        tokenSecret = try c.decodeIfPresent(String.self, forKey: .tokenSecret)
        tokenPublicKeyFile = try c.decodeIfPresent(String.self, forKey: .tokenPublicKeyFile)
        tokenLeewaySeconds = try c.decodeIfPresent(Double.self, forKey: .tokenLeewaySeconds) ?? d.tokenLeewaySeconds
        failedAttemptsLimit = try c.decodeIfPresent(Int.self, forKey: .failedAttemptsLimit) ?? d.failedAttemptsLimit
        failedAttemptsWindowSeconds = try c.decodeIfPresent(Double.self, forKey: .failedAttemptsWindowSeconds) ?? d.failedAttemptsWindowSeconds
        corsOrigins = try c.decodeIfPresent([String].self, forKey: .corsOrigins)
        recordingDir = try c.decodeIfPresent(String.self, forKey: .recordingDir) ?? d.recordingDir
        recordingHook = try c.decodeIfPresent([String].self, forKey: .recordingHook) ?? d.recordingHook
        recordingHookTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .recordingHookTimeoutSeconds) ?? d.recordingHookTimeoutSeconds
        recordingNoMediaTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .recordingNoMediaTimeoutSeconds)
        maxMembersPerRoom = try c.decodeIfPresent(Int.self, forKey: .maxMembersPerRoom) ?? d.maxMembersPerRoom
        musicOnHoldFile = try c.decodeIfPresent(String.self, forKey: .musicOnHoldFile)
        rtpSourcePorts = try c.decodeIfPresent(String.self, forKey: .rtpSourcePorts) ?? d.rtpSourcePorts
        rtpSourceTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .rtpSourceTimeoutSeconds) ?? d.rtpSourceTimeoutSeconds
        forwardNetworks = try c.decodeIfPresent([String].self, forKey: .forwardNetworks) ?? d.forwardNetworks
        speakerStartDbov = try c.decodeIfPresent(Int.self, forKey: .speakerStartDbov) ?? d.speakerStartDbov
        speakerContinueDbov = try c.decodeIfPresent(Int.self, forKey: .speakerContinueDbov) ?? d.speakerContinueDbov
        speakerHangoverMs = try c.decodeIfPresent(Int.self, forKey: .speakerHangoverMs) ?? d.speakerHangoverMs
        webhookUrls = try c.decodeIfPresent([String].self, forKey: .webhookUrls) ?? d.webhookUrls
        webhookSecret = try c.decodeIfPresent(String.self, forKey: .webhookSecret)
        webhookQueue = try c.decodeIfPresent(Int.self, forKey: .webhookQueue) ?? d.webhookQueue
        stunServers = try c.decodeIfPresent([String].self, forKey: .stunServers) ?? d.stunServers
        turnServers = try c.decodeIfPresent([String].self, forKey: .turnServers) ?? d.turnServers
        turnSecret = try c.decodeIfPresent(String.self, forKey: .turnSecret)
        turnTtlSeconds = try c.decodeIfPresent(Double.self, forKey: .turnTtlSeconds) ?? d.turnTtlSeconds
        database = try c.decodeIfPresent(String.self, forKey: .database) ?? d.database
        auditMaxEntries = try c.decodeIfPresent(Int.self, forKey: .auditMaxEntries) ?? d.auditMaxEntries
    }

    /// `BRIDGED_<SETTING>` environment variables (e.g. BRIDGED_HTTP_PORT=9000,
    /// BRIDGED_ANNOUNCED_ADDRESSES=203.0.113.7,203.0.113.8) override the file.
    public mutating func applyEnvironment(_ env: [String: String]) throws {
        func value(_ key: String) -> String? { env["BRIDGED_" + key] }
        func number<T: LosslessStringConvertible>(_ key: String, _ type: T.Type) throws -> T? {
            guard let v = value(key) else { return nil }
            guard let n = T(v) else { throw ConfigurationError("BRIDGED_\(key)=\(v) is not a valid \(T.self)") }
            return n
        }
        if let v = value("HTTP_ADDRESS") { httpAddress = v }
        if let v = try number("HTTP_PORT", Int.self) { httpPort = v }
        if let v = value("MEDIA_ADDRESS") { mediaAddress = v }
        if let v = try number("MEDIA_PORT", Int.self) { mediaPort = v }
        if let v = value("UDP") { udp = v.split(separator: ",").map(String.init) }
        if let v = try number("WORKERS", Int.self) { workers = v }
        if let v = try number("SPREAD_VIEWERS", Bool.self) { spreadViewers = v }
        if let v = value("ANNOUNCED_ADDRESSES") { announcedAddresses = v.split(separator: ",").map(String.init) }
        if let v = try number("LOOPBACK_CANDIDATES", Bool.self) { loopbackCandidates = v }
        if let v = try number("CONSENT_TIMEOUT_SECONDS", Double.self) { consentTimeoutSeconds = v }
        if let v = try number("ROOM_IDLE_TIMEOUT_SECONDS", Double.self) { roomIdleTimeoutSeconds = v }
        if let v = try number("GSO", Bool.self) { gso = v }
        if let v = value("LOG_LEVEL") { logLevel = v }
        if let v = value("API_KEY"), !v.isEmpty { apiKey = v }
        if let v = value("TOKEN_SECRET"), !v.isEmpty { tokenSecret = v }
        if let v = value("TOKEN_PUBLIC_KEY_FILE"), !v.isEmpty { tokenPublicKeyFile = v }
        if let v = try number("TOKEN_LEEWAY_SECONDS", Double.self) { tokenLeewaySeconds = v }
        if let v = try number("FAILED_ATTEMPTS_LIMIT", Int.self) { failedAttemptsLimit = v }
        if let v = try number("FAILED_ATTEMPTS_WINDOW_SECONDS", Double.self) { failedAttemptsWindowSeconds = v }
        if let v = value("RECORDING_DIR"), !v.isEmpty { recordingDir = v }
        if let v = value("RECORDING_HOOK") { recordingHook = v.split(separator: " ").map(String.init) }
        if let v = try number("RECORDING_HOOK_TIMEOUT_SECONDS", Double.self) { recordingHookTimeoutSeconds = v }
        if let v = try number("RECORDING_NO_MEDIA_TIMEOUT_SECONDS", Double.self) { recordingNoMediaTimeoutSeconds = v }
        if let v = try number("MAX_MEMBERS_PER_ROOM", Int.self) { maxMembersPerRoom = v }
        if let v = value("MUSIC_ON_HOLD_FILE"), !v.isEmpty { musicOnHoldFile = v }
        if let v = value("RTP_SOURCE_PORTS"), !v.isEmpty { rtpSourcePorts = v }
        if let v = try number("RTP_SOURCE_TIMEOUT_SECONDS", Double.self) { rtpSourceTimeoutSeconds = v }
        if let v = value("FORWARD_NETWORKS") { forwardNetworks = v.split(separator: ",").map(String.init) }
        if let v = try number("SPEAKER_START_DBOV", Int.self) { speakerStartDbov = v }
        if let v = try number("SPEAKER_CONTINUE_DBOV", Int.self) { speakerContinueDbov = v }
        if let v = try number("SPEAKER_HANGOVER_MS", Int.self) { speakerHangoverMs = v }
        if let v = value("WEBHOOK_URLS") { webhookUrls = v.split(separator: ",").map(String.init) }
        if let v = value("WEBHOOK_SECRET"), !v.isEmpty { webhookSecret = v }
        if let v = try number("WEBHOOK_QUEUE", Int.self) { webhookQueue = v }
        if let v = value("STUN_SERVERS") { stunServers = v.split(separator: ",").map(String.init) }
        if let v = value("TURN_SERVERS") { turnServers = v.split(separator: ",").map(String.init) }
        if let v = value("TURN_SECRET"), !v.isEmpty { turnSecret = v }
        if let v = try number("TURN_TTL_SECONDS", Double.self) { turnTtlSeconds = v }
        if let v = value("CORS_ORIGINS") { corsOrigins = v.split(separator: ",").map(String.init) }
        if let v = value("DATABASE"), !v.isEmpty { database = v }
        if let v = try number("AUDIT_MAX_ENTRIES", Int.self) { auditMaxEntries = v }
    }

    public static func load(path: String) throws -> Configuration {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Configuration.self, from: data)
    }

    /// Checks what `media()` does not use.
    public func validate() throws {
        for url in stunServers where !url.hasPrefix("stun:") && !url.hasPrefix("stuns:") {
            throw ConfigurationError("stun_servers: \(url) is not a stun: or stuns: URL")
        }
        for url in turnServers where !url.hasPrefix("turn:") && !url.hasPrefix("turns:") {
            throw ConfigurationError("turn_servers: \(url) is not a turn: or turns: URL")
        }
        if !turnServers.isEmpty, turnSecret == nil {
            throw ConfigurationError("turn_servers needs turn_secret (the TURN server's static-auth-secret)")
        }
        guard (-127...0).contains(speakerStartDbov), (-127...0).contains(speakerContinueDbov) else {
            throw ConfigurationError("speaker_start_dbov and speaker_continue_dbov must be between -127 and 0")
        }
        guard speakerContinueDbov <= speakerStartDbov else {
            throw ConfigurationError("speaker_continue_dbov must not be louder than speaker_start_dbov (it is the lower threshold)")
        }
        guard speakerHangoverMs > 0 else { throw ConfigurationError("speaker_hangover_ms must be positive") }
        for url in webhookUrls {
            guard let u = URL(string: url), u.scheme == "http" || u.scheme == "https", u.host != nil else {
                throw ConfigurationError("webhook_urls: \(url) is not an http(s) URL")
            }
        }
        if !webhookUrls.isEmpty, webhookSecret?.isEmpty ?? true {
            throw ConfigurationError("webhook_urls needs webhook_secret (receivers check the HMAC-SHA256 signature with it)")
        }
        guard webhookQueue >= 1 else { throw ConfigurationError("webhook_queue must be at least 1") }
        guard maxMembersPerRoom >= 1 else { throw ConfigurationError("max_members_per_room must be at least 1") }
        _ = try rtpSourcePortRange()
        _ = try forwardNetworkList()
        guard rtpSourceTimeoutSeconds > 0, rtpSourceTimeoutSeconds <= 3600 else {
            throw ConfigurationError("rtp_source_timeout_seconds must be in (0, 3600]")
        }
        guard turnTtlSeconds >= 60 else { throw ConfigurationError("turn_ttl_seconds must be at least 60") }
        guard !database.isEmpty else { throw ConfigurationError("database must be a file path") }
        guard auditMaxEntries >= 1 else { throw ConfigurationError("audit_max_entries must be at least 1") }
        if let secret = tokenSecret, secret.utf8.count < 32 {
            throw ConfigurationError("token_secret must be at least 32 bytes (RFC 7518 section 3.2), not \(secret.utf8.count)")
        }
        if let key = apiKey, let secret = tokenSecret, key == secret {
            throw ConfigurationError("token_secret must differ from api_key (the admin key)")
        }
        guard (0...300).contains(tokenLeewaySeconds) else { throw ConfigurationError("token_leeway_seconds must be between 0 and 300") }
        guard failedAttemptsLimit >= 0 else { throw ConfigurationError("failed_attempts_limit must be 0 (no limit) or more") }
        guard failedAttemptsWindowSeconds > 0, failedAttemptsWindowSeconds <= 86400 else {
            throw ConfigurationError("failed_attempts_window_seconds must be in (0, 86400]")
        }
    }

    /// The join-token checker: HS256 and/or ES256 as configured, none if neither is.
    func tokenVerifier() async throws -> JoinTokenVerifier {
        var pem: String?
        if let path = tokenPublicKeyFile {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError("token_public_key_file: cannot read \(path)")
            }
            pem = String(decoding: data, as: UTF8.self)
        }
        do {
            return try await JoinTokenVerifier(secret: tokenSecret, publicKeyPEM: pem, leeway: tokenLeewaySeconds)
        } catch {
            throw ConfigurationError("\(error)")
        }
    }

    /// `forward_networks` parsed.
    func forwardNetworkList() throws -> [IPNetwork] {
        try forwardNetworks.map { text in
            guard let n = IPNetwork(text.trimmingCharacters(in: .whitespaces)) else {
                throw ConfigurationError("forward_networks: \"\(text)\" is not an IP network (ADDRESS/PREFIX)")
            }
            return n
        }
    }

    /// `rtp_source_ports` as a range: "LOW-HIGH", 1024 ≤ LOW ≤ HIGH ≤ 65535.
    func rtpSourcePortRange() throws -> ClosedRange<Int> {
        let parts = rtpSourcePorts.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let low = parts[0], let high = parts[1], 1024 <= low, low <= high, high <= 65535 else {
            throw ConfigurationError("rtp_source_ports must be \"LOW-HIGH\" with 1024 <= LOW <= HIGH <= 65535, not \"\(rtpSourcePorts)\"")
        }
        return low...high
    }

    public var effectiveCORSOrigins: [String] {
        corsOrigins ?? (httpAddress.hasPrefix("127.") || httpAddress == "localhost" || httpAddress == "::1" ? ["*"] : [])
    }

    func media() throws -> MediaConfiguration {
        var m = MediaConfiguration()
        m.endpoints = try udp.map { try splitHostPort($0) }.map { (host: $0.0, port: $0.1) }
        m.listenAddress = mediaAddress
        m.port = mediaPort
        if let workers { m.workers = workers }
        m.spreadViewers = spreadViewers
        m.announcedAddresses = announcedAddresses
        m.loopbackCandidates = loopbackCandidates
        m.consentTimeout = .milliseconds(Int64(consentTimeoutSeconds * 1000))
        m.roomIdleTimeout = .milliseconds(Int64(roomIdleTimeoutSeconds * 1000))
        m.segmentationOffload = gso
        m.recordingDirectory = recordingDir
        if let program = recordingHook.first, !program.hasPrefix("/") {
            throw ConfigurationError("recording_hook must start with an absolute path, not \(program)")
        }
        m.speech = SpeechDetection(startLevel: UInt8(clamping: -speakerStartDbov), continueLevel: UInt8(clamping: -speakerContinueDbov),
                                   hangover: .milliseconds(speakerHangoverMs))
        m.maxMembersPerRoom = maxMembersPerRoom
        m.rtpSourcePorts = try rtpSourcePortRange()
        m.forwardNetworks = try forwardNetworkList()
        m.rtpSourceSilence = .milliseconds(Int64(rtpSourceTimeoutSeconds * 1000))
        if let path = musicOnHoldFile {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError("music_on_hold_file: cannot read \(path)")
            }
            do { m.holdMusic = try OggOpus(bytes: [UInt8](data)) } catch {
                throw ConfigurationError("music_on_hold_file \(path): \(error)")
            }
        }
        m.recordingHook = recordingHook
        m.recordingHookTimeout = .milliseconds(Int64(recordingHookTimeoutSeconds * 1000))
        m.recordingNoMediaTimeout = recordingNoMediaTimeoutSeconds.map { .milliseconds(Int64($0 * 1000)) }
        return m
    }
}

struct ConfigurationError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// "HOST:PORT" (or "[v6]:PORT").
public func splitHostPort(_ s: String) throws -> (String, Int) {
    guard let colon = s.lastIndex(of: ":"), let port = Int(s[s.index(after: colon)...]) else {
        throw ConfigurationError("\(s) is not HOST:PORT")
    }
    var host = String(s[..<colon])
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    return (host, port)
}
