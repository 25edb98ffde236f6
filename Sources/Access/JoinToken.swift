import Foundation
import JWTKit

/// What a join token grants: the claims of a JWT the signaling server signed for one browser.
///
/// ```json
/// {"room": "standup", "sub": "alice", "name": "Alice", "role": "member", "moderator": true,
///  "lobby": false, "record": false, "single_access": true, "single_use": true,
///  "jti": "inv-42", "exp": 1795000000, "nbf": 1794990000}
/// ```
/// `room` and `exp` are required; `sub` is the user id (what bans, single access and "its own
/// participant" name). A token with `single_use` is an invite that joins once: its `jti` is
/// remembered until it expires. Any token with a `jti` can be revoked.
public struct JoinClaims: Sendable, Equatable {
    public var room: String
    public var userID: String?
    public var name: String?
    /// "member", "viewer" or "streamer" (the room's kind decides which make sense).
    public var role: String?
    public var moderator: Bool
    public var lobby: Bool
    public var record: Bool
    public var singleAccess: Bool
    public var singleUse: Bool
    public var jti: String?
    public var expires: Date
    public var notBefore: Date?

    public init(room: String, userID: String? = nil, name: String? = nil, role: String? = nil, moderator: Bool = false,
                lobby: Bool = false, record: Bool = false, singleAccess: Bool = false, singleUse: Bool = false,
                jti: String? = nil, expires: Date, notBefore: Date? = nil) {
        self.room = room
        self.userID = userID
        self.name = name
        self.role = role
        self.moderator = moderator
        self.lobby = lobby
        self.record = record
        self.singleAccess = singleAccess
        self.singleUse = singleUse
        self.jti = jti
        self.expires = expires
        self.notBefore = notBefore
    }
}

/// Why a token is refused; each is a 401 whose code names it.
public enum TokenError: Error, Equatable, Sendable {
    /// Not three base64url parts of JSON, or a claim of the wrong type.
    case malformed(String)
    /// The signature does not verify with the configured key, or the algorithm is not accepted.
    case badSignature(String)
    /// An unsigned token (`"alg": "none"`): never accepted.
    case unsigned
    case expired(Date)
    case notYetValid(Date)
    /// A required claim is missing (`room`, `exp`; `jti` for a single-use invite).
    case missingClaim(String)
    case wrongRoom(token: String, path: String)
    /// A single-use invite presented a second time.
    case used(String)
    case revoked(String)
    /// Tokens are not configured on this bridge (neither a shared secret nor a public key).
    case notAccepted

    public var code: String {
        switch self {
        case .malformed: "token_malformed"
        case .badSignature: "token_bad_signature"
        case .unsigned: "token_unsigned"
        case .expired: "token_expired"
        case .notYetValid: "token_not_yet_valid"
        case .missingClaim: "token_missing_claim"
        case .wrongRoom: "token_wrong_room"
        case .used: "token_used"
        case .revoked: "token_revoked"
        case .notAccepted: "token_not_accepted"
        }
    }

    /// What the caller is told: fixed text and the token's own values, never a Swift error's
    /// description.
    public var message: String {
        switch self {
        case .malformed(let why): "the token is not a valid JWT: \(why)"
        case .badSignature(let why): "the token's signature does not verify: \(why)"
        case .unsigned: "the token is unsigned (alg none): join tokens are signed with HS256 or ES256"
        case .expired(let at): "the token expired at \(Self.format(at))"
        case .notYetValid(let from): "the token is not valid before \(Self.format(from))"
        case .missingClaim(let name): "the token lacks the \"\(name)\" claim"
        case .wrongRoom(let token, let path): "the token is for room \(token), not room \(path)"
        case .used(let jti): "the single-use invite \(jti) was already used"
        case .revoked(let jti): "the token \(jti) was revoked"
        case .notAccepted:
            "this bridge accepts no join tokens: its operator configures token_public_key_file (ES256) or token_secret (HS256)"
        }
    }

    private static func format(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        return f.string(from: date)
    }
}

/// A token key that cannot be used.
public struct TokenConfigurationError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Checks join tokens: the signature with the configured key (HS256 with a shared secret,
/// ES256 with a PEM public key; the header's `alg` picks which, no other is accepted), then the
/// claims against `now` (injected: tests pass their own time). `leeway` absorbs clock skew
/// between the signaling server and the bridge.
public struct JoinTokenVerifier: Sendable {
    private let hs256: JWTKeyCollection?
    private let es256: JWTKeyCollection?
    public let leeway: TimeInterval

    public var acceptsTokens: Bool { hs256 != nil || es256 != nil }

    /// `secret`: the HS256 shared secret, at least 32 bytes (RFC 7518 §3.2: no shorter than the
    /// hash); `publicKeyPEM`: an ES256 (P-256) public key.
    public init(secret: String? = nil, publicKeyPEM: String? = nil, leeway: TimeInterval = 5) async throws {
        if let secret {
            guard secret.utf8.count >= 32 else {
                throw TokenConfigurationError("the HS256 token secret must be at least 32 bytes (RFC 7518 section 3.2), not \(secret.utf8.count)")
            }
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            hs256 = keys
        } else {
            hs256 = nil
        }
        if let publicKeyPEM {
            let keys = JWTKeyCollection()
            let key: ES256PublicKey
            do { key = try ES256PublicKey(pem: publicKeyPEM) } catch {
                throw TokenConfigurationError("the ES256 token public key is not a P-256 public key in PEM: \(error)")
            }
            await keys.add(ecdsa: key)
            es256 = keys
        } else {
            es256 = nil
        }
        self.leeway = leeway
    }

    /// Whether `text` has the shape of a JWT (three dot-separated base64url parts), as opposed
    /// to an API key.
    public static func looksLikeJWT(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0].hasPrefix("eyJ")
    }

    /// The token's claims, or why it is refused. The room and single use are checked by the
    /// caller (it knows the path and the remembered ids).
    public func verify(_ token: String, now: Date) async throws(TokenError) -> JoinClaims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Self.base64URLDecode(parts[0]),
              let header = try? JSONDecoder().decode(Header.self, from: headerData) else {
            throw .malformed("expected header.payload.signature with a JSON header")
        }
        let keys: JWTKeyCollection
        switch header.alg {
        case "HS256"?:
            guard let hs256 else { throw es256 == nil ? .notAccepted : .badSignature("HS256 is not accepted here (ES256 is)") }
            keys = hs256
        case "ES256"?:
            guard let es256 else { throw hs256 == nil ? .notAccepted : .badSignature("ES256 is not accepted here (HS256 is)") }
            keys = es256
        case let other?:
            if other.lowercased() == "none" { throw .unsigned }
            throw .badSignature("algorithm \(other.prefix(16)) is not accepted (HS256 or ES256)")
        case nil:
            throw .badSignature("the header names no algorithm (HS256 or ES256)")
        }
        // The claims are read here first, so that a refusal can name what is wrong in words
        // (jwt-kit reports it as its decoder's description).
        guard let payloadData = Self.base64URLDecode(parts[1]) else {
            throw .malformed("the payload is not base64url")
        }
        do { _ = try JSONDecoder().decode(Payload.self, from: payloadData) } catch { throw .malformed(Self.describe(error)) }
        let payload: Payload
        do {
            payload = try await keys.verify(token, as: Payload.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw .badSignature("made with another key")
        } catch {
            throw .malformed(Self.describe(error))
        }
        guard let room = payload.room else { throw .missingClaim("room") }
        guard let exp = payload.exp else { throw .missingClaim("exp") }
        let expires = Date(timeIntervalSince1970: exp)
        guard now.timeIntervalSince(expires) < leeway else { throw .expired(expires) }
        let notBefore = payload.nbf.map { Date(timeIntervalSince1970: $0) }
        if let notBefore, notBefore.timeIntervalSince(now) > leeway { throw .notYetValid(notBefore) }
        if payload.singleUse == true, payload.jti?.isEmpty ?? true { throw .missingClaim("jti") }
        return JoinClaims(room: room, userID: payload.sub, name: payload.name, role: payload.role,
                          moderator: payload.moderator ?? false, lobby: payload.lobby ?? false, record: payload.record ?? false,
                          singleAccess: payload.singleAccess ?? false, singleUse: payload.singleUse ?? false,
                          jti: payload.jti, expires: expires, notBefore: notBefore)
    }

    private struct Header: Decodable { var alg: String? }

    /// The claims as they are on the wire; types are checked by decoding.
    struct Payload: JWTPayload {
        var room: String?
        var sub: String?
        var name: String?
        var role: String?
        var moderator: Bool?
        var lobby: Bool?
        var record: Bool?
        var singleAccess: Bool?
        var singleUse: Bool?
        var jti: String?
        var exp: Double?
        var nbf: Double?

        enum CodingKeys: String, CodingKey {
            case room, sub, name, role, moderator, lobby, record, jti, exp, nbf
            case singleAccess = "single_access", singleUse = "single_use"
        }

        /// Time claims are checked by `JoinTokenVerifier.verify` against the injected time.
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// Why jwt-kit refused a token, in fixed words: the error's own description (a Swift
    /// runtime description such as `DecodingError(value: …invalidLength)`) is never shown.
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx):
            let claim = ctx.codingPath.first.map { Payload.CodingKeys(stringValue: $0.stringValue)?.stringValue } ?? nil
            return claim.map { "claim \($0) has the wrong type" } ?? "a claim has the wrong type"
        case DecodingError.dataCorrupted, DecodingError.keyNotFound:
            return "the payload is not a JSON object of claims"
        default:
            return "its parts must be base64url (header, payload, signature), the header and payload JSON"
        }
    }

    static func base64URLDecode(_ s: Substring) -> Data? {
        var b = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        return Data(base64Encoded: b)
    }
}
