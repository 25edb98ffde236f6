import Foundation
import Hummingbird
import HummingbirdTesting
import JWTKit
import Testing
@testable import BridgedAPI

/// Join tokens the bridge refuses, each with its documented code and a message written for the
/// caller (never a Swift error's description).
struct TokenRefusalTests {
    /// base64url of `{"room":"r","exp":1900000000}`.
    static let payload = "eyJyb29tIjoiciIsImV4cCI6MTkwMDAwMDAwMH0"

    @Test func refusedTokensHaveTheirCodes() async throws {
        let bridge = try await TestBridge()
        let stranger = JWTKeyCollection()
        await stranger.add(ecdsa: ES256PrivateKey())
        let cases: [(String, String, String, String?)] = [
            ("alg none", "eyJhbGciOiJub25lIn0.\(Self.payload).", "token_unsigned", "unsigned"),
            ("a signature that is not base64url", "eyJhbGciOiJFUzI1NiJ9.\(Self.payload).a", "token_malformed", "base64url"),
            ("another key's", try await bridge.token(room: "r", with: stranger), "token_bad_signature", "another key"),
            ("expired", try await bridge.token(room: "r", exp: TestBridge.now.timeIntervalSince1970 - 60), "token_expired", "expired"),
            ("HS256 where ES256 is configured", "eyJhbGciOiJIUzI1NiJ9.\(Self.payload).AAAA", "token_bad_signature", "HS256"),
        ]
        try await bridge.test { client in
            #expect(try await client.call(.post, "/v1/rooms", json: ["id": "r", "kind": "conference"]).status == .created)
            for (what, token, code, words) in cases {
                let answer = try await client.call(.get, "/v1/rooms/r", .bearer(token))
                expectError(answer, .unauthorized, code, containing: words, what)
                for internalWord in ["Error(", "_Internal", "unknown context", "Base64."] {
                    #expect(answer.error?.message.contains(internalWord) == false, "\(what): \(answer.error?.message ?? "")")
                }
            }
        }
    }

    @Test func aBridgeWithoutATokenKeyNamesTheSetting() async throws {
        let bridge = try await TestBridge(tokens: false)
        let token = try await bridge.token(room: "r")
        try await bridge.test { client in
            expectError(try await client.call(.get, "/v1/rooms/r", .bearer(token)), .unauthorized, "token_not_accepted",
                        containing: "token_public_key_file")
        }
    }

    @Test func revokedAndUsedTokensAreRefused() async throws {
        let bridge = try await TestBridge()
        let offer = try offerFixture()
        try await bridge.test { client in
            #expect(try await client.call(.post, "/v1/rooms", json: ["id": "r", "kind": "conference"]).status == .created)
            let invite = try await bridge.token(room: "r", sub: "dora", singleUse: true, jti: "inv-1")
            #expect(try await client.call(.post, "/v1/rooms/r/participants", .bearer(invite), json: ["offer": offer]).status == .created)
            expectError(try await client.call(.post, "/v1/rooms/r/participants", .bearer(invite), json: ["offer": offer]),
                        .unauthorized, "token_used")
            let shared = try await bridge.token(room: "r", sub: "eve", jti: "shared-1")
            #expect(try await client.call(.get, "/v1/rooms/r", .bearer(shared)).status == .ok)
            #expect(try await client.call(.post, "/v1/rooms/r/revoked-tokens", json: ["jti": "shared-1"]).status == .noContent)
            expectError(try await client.call(.get, "/v1/rooms/r", .bearer(shared)), .unauthorized, "token_revoked")
        }
    }

    /// Guessing the key (a bearer that is not recognised) counts toward `too_many_attempts`.
    @Test func unrecognisedBearersCountAsGuesses() async throws {
        let bridge = try await TestBridge(failedAttemptsLimit: 2)
        try await bridge.test { client in
            for _ in 0..<2 {
                expectError(try await client.call(.get, "/v1/rooms", .bearer("guess")), .unauthorized, "bearer_not_recognized")
            }
            expectError(try await client.call(.get, "/v1/rooms", .bearer("guess")), .tooManyRequests, "too_many_attempts")
        }
    }
}
