import Foundation
import SFU

/// bridged's configuration. Every field has a default (the embedded configuration), a JSON
/// config file (`--config`) overrides the defaults, and command-line flags override both.
struct Configuration: Codable, Sendable {
    /// Control API and demo page.
    var httpAddress: String = "127.0.0.1"
    var httpPort: Int = 8080
    /// UDP media: see MediaConfiguration.
    var mediaAddress: String = "127.0.0.1"
    var mediaPort: Int = 40000
    var workers: Int? = nil
    var announcedAddresses: [String] = []
    var loopbackCandidates: Bool = false
    var consentTimeoutSeconds: Double = 30
    var roomIdleTimeoutSeconds: Double = 300
    var logLevel: String = "info"
    /// When set, every /v1/ call needs `Authorization: Bearer <api_key>`.
    var apiKey: String? = nil
    /// Origins allowed to call the API from a browser ("*" for any). Default: any origin when
    /// the API listens on loopback, none otherwise.
    var corsOrigins: [String]? = nil

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Configuration()
        httpAddress = try c.decodeIfPresent(String.self, forKey: .httpAddress) ?? d.httpAddress
        httpPort = try c.decodeIfPresent(Int.self, forKey: .httpPort) ?? d.httpPort
        mediaAddress = try c.decodeIfPresent(String.self, forKey: .mediaAddress) ?? d.mediaAddress
        mediaPort = try c.decodeIfPresent(Int.self, forKey: .mediaPort) ?? d.mediaPort
        workers = try c.decodeIfPresent(Int.self, forKey: .workers)
        announcedAddresses = try c.decodeIfPresent([String].self, forKey: .announcedAddresses) ?? d.announcedAddresses
        loopbackCandidates = try c.decodeIfPresent(Bool.self, forKey: .loopbackCandidates) ?? d.loopbackCandidates
        consentTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .consentTimeoutSeconds) ?? d.consentTimeoutSeconds
        roomIdleTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .roomIdleTimeoutSeconds) ?? d.roomIdleTimeoutSeconds
        logLevel = try c.decodeIfPresent(String.self, forKey: .logLevel) ?? d.logLevel
        apiKey = try c.decodeIfPresent(String.self, forKey: .apiKey)
        corsOrigins = try c.decodeIfPresent([String].self, forKey: .corsOrigins)
    }

    static func load(path: String) throws -> Configuration {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Configuration.self, from: data)
    }

    var effectiveCORSOrigins: [String] {
        corsOrigins ?? (httpAddress.hasPrefix("127.") || httpAddress == "localhost" || httpAddress == "::1" ? ["*"] : [])
    }

    var media: MediaConfiguration {
        var m = MediaConfiguration()
        m.listenAddress = mediaAddress
        m.port = mediaPort
        if let workers { m.workers = workers }
        m.announcedAddresses = announcedAddresses
        m.loopbackCandidates = loopbackCandidates
        m.consentTimeout = .milliseconds(Int64(consentTimeoutSeconds * 1000))
        m.roomIdleTimeout = .milliseconds(Int64(roomIdleTimeoutSeconds * 1000))
        return m
    }
}
