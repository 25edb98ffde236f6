import Access
import Foundation
import JWTKit
import Testing

/// Claims as a signaling server writes them (snake_case, times in seconds since 1970).
struct WireClaims: JWTPayload {
    var room: String?
    var sub: String?
    var role: String?
    var moderator: Bool?
    var single_use: Bool?
    var jti: String?
    var exp: Double?
    var nbf: Double?
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

struct JoinTokenTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static let secret = "a-shared-secret-of-32-bytes-or-more"

    static func hs256(_ claims: WireClaims, secret: String = Self.secret) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return try await keys.sign(claims)
    }

    /// Made outside Swift (Python's hmac and base64), so the wire format is not only checked
    /// against jwt-kit itself.
    @Test func aTokenSignedElsewhereGivesItsClaims() async throws {
        let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb29tIjoic3RhbmR1cCIsInN1YiI6ImFsaWNlIiwibmFtZSI6IkFsaWNlIiwicm9sZSI6Im1lbWJlciIsIm1vZGVyYXRvciI6dHJ1ZSwic2luZ2xlX2FjY2VzcyI6dHJ1ZSwianRpIjoiaW52LTEiLCJzaW5nbGVfdXNlIjp0cnVlLCJleHAiOjIwMDAwMDAwMDAsIm5iZiI6MTcwMDAwMDAwMH0.GQJj1Ow0baNsvWNgIVEElXtLiThnpplu7uLD2WaFoHQ"
        let verifier = try await JoinTokenVerifier(secret: "a-shared-secret-of-32-bytes-or-more")
        let claims = try await verifier.verify(token, now: Self.now)
        #expect(claims == JoinClaims(room: "standup", userID: "alice", name: "Alice", role: "member", moderator: true,
                                     singleAccess: true, singleUse: true, jti: "inv-1",
                                     expires: Date(timeIntervalSince1970: 2_000_000_000),
                                     notBefore: Date(timeIntervalSince1970: 1_700_000_000)))
        // One changed byte of the signature, of the payload, or another secret: refused.
        var sig = Array(token.utf8)
        sig[sig.count - 2] = sig[sig.count - 2] == UInt8(ascii: "c") ? UInt8(ascii: "d") : UInt8(ascii: "c")
        await #expect(throws: TokenError.badSignature("made with another key")) {
            try await verifier.verify(String(decoding: sig, as: UTF8.self), now: Self.now)
        }
        let other = try await JoinTokenVerifier(secret: "another-secret-of-32-bytes-or-more")
        await #expect(throws: TokenError.badSignature("made with another key")) { try await other.verify(token, now: Self.now) }
    }

    /// Each refusal, by its code.
    @Test(arguments: [
        (WireClaims(room: "a", exp: 1_800_000_100), nil),
        (WireClaims(room: "a", exp: 1_799_999_000), "token_expired"),
        (WireClaims(room: "a", exp: 1_800_000_002), nil),  // inside the 5 s leeway
        (WireClaims(room: "a", exp: 1_799_999_990), "token_expired"),
        (WireClaims(room: "a", exp: 1_800_000_900, nbf: 1_800_000_600), "token_not_yet_valid"),
        (WireClaims(room: "a", exp: 1_800_000_900, nbf: 1_800_000_003), nil),
        (WireClaims(exp: 1_800_000_100), "token_missing_claim"),
        (WireClaims(room: "a"), "token_missing_claim"),
        (WireClaims(room: "a", single_use: true, exp: 1_800_000_100), "token_missing_claim"),
        (WireClaims(room: "a", single_use: true, jti: "x", exp: 1_800_000_100), nil),
    ] as [(WireClaims, String?)])
    func claimsAreChecked(claims: WireClaims, refused: String?) async throws {
        let verifier = try await JoinTokenVerifier(secret: "a-shared-secret-of-32-bytes-or-more")
        let token = try await Self.hs256(claims)
        do {
            let c = try await verifier.verify(token, now: Self.now)
            #expect(refused == nil, "accepted: \(c)")
            #expect(c.room == claims.room)
        } catch {
            #expect(error.code == refused)
        }
    }

    @Test func malformedAndForeignAlgorithmsAreRefused() async throws {
        let verifier = try await JoinTokenVerifier(secret: "a-shared-secret-of-32-bytes-or-more")
        for (token, code) in [
            ("not-a-token", "token_malformed"),
            ("eyJ.eyJ.x", "token_malformed"),
            // alg none, with and without a signature.
            ("eyJhbGciOiJub25lIn0.eyJyb29tIjoiYSIsImV4cCI6MTkwMDAwMDAwMH0.", "token_unsigned"),
            ("eyJhbGciOiJub25lIn0.eyJyb29tIjoiYSIsImV4cCI6MTkwMDAwMDAwMH0.AAAA", "token_unsigned"),
            // No algorithm named.
            ("eyJ0eXAiOiJKV1QifQ.eyJyb29tIjoiYSIsImV4cCI6MTkwMDAwMDAwMH0.AAAA", "token_bad_signature"),
            // ES256 while only HS256 is configured.
            ("eyJhbGciOiJFUzI1NiJ9.eyJyb29tIjoiYSIsImV4cCI6MTkwMDAwMDAwMH0.AAAA", "token_bad_signature"),
        ] {
            await #expect(throws: TokenError.self, "\(token)") { try await verifier.verify(token, now: Self.now) }
            do { _ = try await verifier.verify(token, now: Self.now) } catch { #expect(error.code == code, "\(token)") }
        }
        // A claim of the wrong type.
        struct Odd: JWTPayload {
            var room = 7
            var exp = 1_900_000_000.0
            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: "a-shared-secret-of-32-bytes-or-more"), digestAlgorithm: .sha256)
        let odd = try await keys.sign(Odd())
        do { _ = try await verifier.verify(odd, now: Self.now); Issue.record("accepted") } catch {
            #expect(error.code == "token_malformed")
            #expect(error.message.contains("room"), "\(error.message)")
        }
        await #expect(throws: TokenConfigurationError.self) { try await JoinTokenVerifier(secret: "short") }
        let none = try await JoinTokenVerifier()
        #expect(!none.acceptsTokens)
        do { _ = try await none.verify(odd, now: Self.now); Issue.record("accepted") } catch { #expect(error == .notAccepted) }
    }

    /// A refusal's message is written for the caller: fixed words and the token's own values,
    /// never a Swift error's description (a signature that is not base64url once answered
    /// `DecodingError(value: ExtrasBase64.Base64.DecodingError…invalidLength)`).
    @Test(arguments: [
        // HS256 header, good payload, a signature of invalid base64url length.
        ("eyJhbGciOiJIUzI1NiJ9.eyJyb29tIjoiYSIsImV4cCI6MTkwMDAwMDAwMH0.a", "token_malformed"),
        // Characters outside base64url in the signature, and in the payload.
        ("eyJhbGciOiJIUzI1NiJ9.eyJyb29tIjoiYSIsImV4cCI6MTkwMDAwMDAwMH0.*!*!", "token_malformed"),
        ("eyJhbGciOiJIUzI1NiJ9.e*J!.AAAA", "token_malformed"),
        // A payload that is base64url but not JSON.
        ("eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.AAAA", "token_malformed"),
        ("not-a-token", "token_malformed"),
    ])
    func refusalsAreWrittenForTheCaller(token: String, code: String) async throws {
        let verifier = try await JoinTokenVerifier(secret: Self.secret)
        do {
            _ = try await verifier.verify(token, now: Self.now)
            Issue.record("accepted \(token)")
        } catch {
            #expect(error.code == code, "\(token): \(error.message)")
            for internalWord in ["Error", "(unknown context", "_Internal", "Base64", "JWTKit"] {
                #expect(!error.message.contains(internalWord), "\(token): \(error.message)")
            }
        }
    }

    @Test func tokensAreNotAcceptedWithoutAKeyAndTheMessageNamesTheSetting() async throws {
        let none = try await JoinTokenVerifier()
        let token = try await Self.hs256(WireClaims(room: "a", exp: 1_800_000_100))
        do { _ = try await none.verify(token, now: Self.now); Issue.record("accepted") } catch {
            #expect(error.code == "token_not_accepted")
            #expect(error.message.contains("token_public_key_file"))
        }
    }

    @Test func es256WithAConfiguredPublicKey() async throws {
        let key = ES256PrivateKey()
        let signer = JWTKeyCollection()
        await signer.add(ecdsa: key)
        let token = try await signer.sign(WireClaims(room: "stage", sub: "bob", role: "viewer", exp: 1_800_000_100))
        let verifier = try await JoinTokenVerifier(publicKeyPEM: key.publicKey.pemRepresentation)
        let claims = try await verifier.verify(token, now: Self.now)
        #expect(claims.room == "stage" && claims.userID == "bob" && claims.role == "viewer")
        // Another key pair's token is refused; so is an HS256 token (only ES256 is configured).
        let stranger = JWTKeyCollection()
        await stranger.add(ecdsa: ES256PrivateKey())
        let forged = try await stranger.sign(WireClaims(room: "stage", exp: 1_800_000_100))
        await #expect(throws: TokenError.badSignature("made with another key")) { try await verifier.verify(forged, now: Self.now) }
        let hs = try await Self.hs256(WireClaims(room: "stage", exp: 1_800_000_100))
        do { _ = try await verifier.verify(hs, now: Self.now); Issue.record("accepted") } catch {
            #expect(error.code == "token_bad_signature")
        }
        #expect(JoinTokenVerifier.looksLikeJWT(token) && !JoinTokenVerifier.looksLikeJWT("my-api-key"))
    }
}
