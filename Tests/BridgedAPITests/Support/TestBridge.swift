import Access
import BridgedStore
import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWebSocket
import JWTKit
import NIOCore
import SFU
import Testing
@testable import BridgedAPI

/// A bridge as `bridged` builds it, in-process: a media server on an ephemeral port, a store in
/// a temporary directory, an admin key and an ES256 token key made for the test. Requests go
/// through the router (`app.test(.router)`) with every middleware, no socket.
final class TestBridge: Sendable {
    static let adminKey = "test-admin-key-0123456789"
    /// Token times are checked against this instant.
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    let api: API
    let signer: JWTKeyCollection
    let directory: String

    /// `apiKey: nil`: the development set-up (no key, every call allowed).
    init(apiKey: String? = TestBridge.adminKey, tokens: Bool = true, failedAttemptsLimit: Int = 0,
         configure: (inout Configuration) -> Void = { _ in }) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("bridged-api-\(UUID().uuidString)").path
        var configuration = Configuration()
        configuration.apiKey = apiKey
        configuration.failedAttemptsLimit = failedAttemptsLimit
        configuration.database = directory + "/bridged.sqlite"
        configuration.recordingDir = directory + "/recordings"
        configuration.mediaPort = 0
        configuration.workers = 1
        configuration.httpAddress = "127.0.0.1"
        let key = ES256PrivateKey()
        signer = JWTKeyCollection()
        await signer.add(ecdsa: key)
        let pemFile = directory + "/token-key.pem"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try key.publicKey.pemRepresentation.write(toFile: pemFile, atomically: true, encoding: .utf8)
        if tokens { configuration.tokenPublicKeyFile = pemFile }
        configure(&configuration)
        try configuration.validate()

        let server = try MediaServer(configuration: try configuration.media())
        try await server.start()
        let store = try Store(path: configuration.database)
        api = API(configuration: configuration, server: server, store: store, audit: AuditLog(store: store),
                  tokens: try await configuration.tokenVerifier(), logLevel: LogLevelControl(.info), now: { TestBridge.now })
    }

    /// Runs `body` with a client of the HTTP router, then stops the media server and removes
    /// the directory.
    func test(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: api.router())
        do {
            try await app.test(.router) { client in try await body(client) }
        } catch {
            await close()
            throw error
        }
        await close()
    }

    /// The same on a live server on a loopback port, with the WebSocket routes (events,
    /// signaling) as `bridged` serves them.
    func testLive(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: api.router(),
                              server: .http1WebSocketUpgrade(webSocketRouter: api.webSocketRouter(),
                                                             configuration: .init(ws: .init(maxFrameSize: 1 << 20))),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        do {
            try await app.test(.live) { client in try await body(client) }
        } catch {
            await close()
            throw error
        }
        await close()
    }

    func close() async {
        await api.audit.finish()
        await api.server.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A join token signed with the configured key (or `with` another one).
    func token(room: String, sub: String? = nil, role: String? = nil, moderator: Bool? = nil, singleUse: Bool? = nil,
               jti: String? = nil, exp: Double = TestBridge.now.timeIntervalSince1970 + 600,
               with keys: JWTKeyCollection? = nil) async throws -> String {
        let claims = TokenClaims(room: room, sub: sub, role: role, moderator: moderator, single_use: singleUse, jti: jti, exp: exp)
        return try await (keys ?? signer).sign(claims)
    }
}

/// Claims as a signaling server writes them.
struct TokenClaims: JWTPayload {
    var room: String
    var sub: String?
    var role: String?
    var moderator: Bool?
    var single_use: Bool?
    var jti: String?
    var exp: Double
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// A captured Chromium offer (tests/fixtures/offers).
func offerFixture(_ name: String = "chromium_sendrecv") throws -> String {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    return try String(contentsOf: root.appendingPathComponent("tests/fixtures/offers/\(name).sdp"), encoding: .utf8)
}

/// Who calls: the `Authorization` header and, for managers, `X-Room-Secret`.
enum Credential: Sendable, CustomStringConvertible {
    case none
    case admin
    case bearer(String)
    case secret(String)
    /// A join token and the room's secret.
    case bearerAndSecret(String, String)

    var headers: HTTPFields {
        var h = HTTPFields()
        switch self {
        case .none: break
        case .admin: h[.authorization] = "Bearer \(TestBridge.adminKey)"
        case .bearer(let b): h[.authorization] = "Bearer \(b)"
        case .secret(let s): h[.init("X-Room-Secret")!] = s
        case .bearerAndSecret(let b, let s):
            h[.authorization] = "Bearer \(b)"
            h[.init("X-Room-Secret")!] = s
        }
        return h
    }

    var description: String {
        switch self {
        case .none: "no credentials"
        case .admin: "admin key"
        case .bearer(let b): "bearer \(b.prefix(12))…"
        case .secret: "room secret"
        case .bearerAndSecret(let b, _): "bearer \(b.prefix(12))… and room secret"
        }
    }
}

/// An answer as the tests read it.
struct Answer: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: ByteBuffer

    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] }
    /// The error body's code and message, nil unless the body is exactly `{"error":{"code","message"}}`.
    var error: (code: String, message: String)? {
        guard let json, json.count == 1, let inner = json["error"] as? [String: Any], inner.count == 2,
              let code = inner["code"] as? String, let message = inner["message"] as? String else { return nil }
        return (code, message)
    }
    var errorCode: String? { error?.code }
    /// `X-Error-Code`.
    var headerCode: String? { headers[.init("X-Error-Code")!] }
}

extension TestClientProtocol {
    /// A call with a JSON body (a value to encode, or raw text).
    func call(_ method: HTTPRequest.Method, _ path: String, _ credential: Credential = .admin, json: Any? = nil,
              raw: String? = nil, headers extra: HTTPFields = [:]) async throws -> Answer {
        var headers = credential.headers
        headers.append(contentsOf: extra)
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json))
            headers[.contentType] = "application/json"
        } else if let raw {
            body = ByteBuffer(string: raw)
        }
        let response = try await executeRequest(uri: path, method: method, headers: headers, body: body)
        return Answer(status: response.status, headers: response.headers, body: response.body)
    }
}

/// Checks an error answer: its status, `{"error": {"code", "message"}}` and nothing else in the
/// body, and the same code in `X-Error-Code`.
func expectError(_ answer: Answer, _ status: HTTPResponse.Status, _ code: String, containing words: String? = nil,
                 _ what: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    let context = "\(what()): \(answer.status) \(String(buffer: answer.body))"
    #expect(answer.status == status, Comment(rawValue: context), sourceLocation: sourceLocation)
    #expect(answer.error?.code == code, Comment(rawValue: context), sourceLocation: sourceLocation)
    #expect(answer.headerCode == code, Comment(rawValue: context), sourceLocation: sourceLocation)
    #expect(answer.headers[.contentType] == "application/json", Comment(rawValue: context), sourceLocation: sourceLocation)
    if let words {
        #expect(answer.error?.message.contains(words) == true, Comment(rawValue: context), sourceLocation: sourceLocation)
    }
}
