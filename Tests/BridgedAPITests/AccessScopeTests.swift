import Foundation
import Hummingbird
import HummingbirdTesting
import JWTKit
import Testing
@testable import BridgedAPI

/// Who may call what: no credentials, a wrong key, the admin key, join tokens (for the room,
/// for another room, of the participant itself, of a moderator), the room's secret.
struct AccessScopeTests {
    static let roomSecret = "room-secret-1"

    /// Room `r` (conference, with a secret) where alice joined with her token, bob with the
    /// admin key, and carol with a moderator's token; room `other` next to it.
    struct Scene: Sendable {
        var alice: String, bob: String, carol: String
        var aliceToken: String, carolToken: String, otherRoomToken: String
    }

    static func scene(_ bridge: TestBridge, _ client: any TestClientProtocol) async throws -> Scene {
        let offer = try offerFixture()
        #expect(try await client.call(.post, "/v1/rooms", json: ["id": "r", "kind": "conference", "secret": roomSecret]).status == .created)
        #expect(try await client.call(.post, "/v1/rooms", json: ["id": "other", "kind": "conference"]).status == .created)
        let aliceToken = try await bridge.token(room: "r", sub: "alice", role: "member")
        let carolToken = try await bridge.token(room: "r", sub: "carol", role: "member", moderator: true)
        func join(_ credential: Credential, _ body: [String: Any]) async throws -> String {
            let answer = try await client.call(.post, "/v1/rooms/r/participants", credential, json: body)
            #expect(answer.status == .created, "\(String(buffer: answer.body))")
            return try #require(answer.json?["id"] as? String)
        }
        return Scene(alice: try await join(.bearer(aliceToken), ["offer": offer]),
                     bob: try await join(.admin, ["offer": offer, "user_id": "bob"]),
                     carol: try await join(.bearer(carolToken), ["offer": offer]),
                     aliceToken: aliceToken, carolToken: carolToken,
                     otherRoomToken: try await bridge.token(room: "other", sub: "alice", role: "member"))
    }

    @Test func callersAreRecognised() async throws {
        let bridge = try await TestBridge()
        try await bridge.test { client in
            let s = try await Self.scene(bridge, client)
            // No credentials, a wrong key, a malformed Authorization header.
            expectError(try await client.call(.get, "/v1/rooms", .none), .unauthorized, "unauthorized", containing: "Bearer")
            expectError(try await client.call(.get, "/v1/rooms", .bearer("not-the-admin-key")), .unauthorized,
                        "bearer_not_recognized", containing: "neither this bridge's API key nor a join token")
            var basic = HTTPFields()
            basic[.authorization] = "Basic YTpi"
            let answer = try await client.executeRequest(uri: "/v1/rooms", method: .get, headers: basic, body: nil)
            #expect(answer.status == .unauthorized && answer.headers[.init("X-Error-Code")!] == "unauthorized")
            // The admin key reaches everything.
            #expect(try await client.call(.get, "/v1/rooms", .admin).status == .ok)
            #expect(try await client.call(.get, "/v1/audit", .admin).status == .ok)
            // The health check needs nothing.
            #expect(try await client.call(.get, "/v1/health", .none).status == .ok)
            _ = s
        }
    }

    /// `(what, method, path, credential, expected status, expected code or nil)`, with the
    /// scene's participants and tokens filled in.
    static func cases(_ s: Scene) -> [(String, HTTPRequest.Method, String, Credential, [String: Any]?, HTTPResponse.Status, String?)] {
        let alice = Credential.bearer(s.aliceToken), carol = Credential.bearer(s.carolToken)
        return [
            // A join token for the room: the room, its participant endpoints, the ICE servers.
            ("token: its room", .get, "/v1/rooms/r", alice, nil, .ok, nil),
            ("token: the ICE servers", .get, "/v1/ice-servers", alice, nil, .ok, nil),
            ("token: the room list", .get, "/v1/rooms", alice, nil, .forbidden, "admin_only"),
            ("token: creating a room", .post, "/v1/rooms", alice, ["kind": "echo"], .forbidden, "admin_only"),
            ("token: deleting its room", .delete, "/v1/rooms/r", alice, nil, .forbidden, "admin_only"),
            ("token: the audit log", .get, "/v1/audit", alice, nil, .forbidden, "admin_only"),
            ("token: the log level", .get, "/v1/log-level", alice, nil, .forbidden, "admin_only"),
            ("token: recordings", .get, "/v1/rooms/r/recordings", alice, nil, .forbidden, "admin_only"),
            // A token for another room.
            ("other room's token", .get, "/v1/rooms/r", .bearer(s.otherRoomToken), nil, .unauthorized, "token_wrong_room"),
            ("other room's token: a participant", .get, "/v1/rooms/r/participants/\(s.alice)", .bearer(s.otherRoomToken), nil,
             .unauthorized, "token_wrong_room"),
            // Its own participant, not another.
            ("own participant", .get, "/v1/rooms/r/participants/\(s.alice)", alice, nil, .ok, nil),
            ("own participant: subscriptions", .post, "/v1/rooms/r/participants/\(s.alice)/subscriptions", alice, [:], .ok, nil),
            ("own participant: video bounds", .post, "/v1/rooms/r/participants/\(s.alice)/video", alice, ["max_spatial": 0], .ok, nil),
            ("another participant: video bounds", .post, "/v1/rooms/r/participants/\(s.bob)/video", alice, ["max_spatial": 0],
             .forbidden, "not_your_participant"),
            ("own participant: signal (no upgrade)", .get, "/v1/rooms/r/participants/\(s.alice)/signal", alice, nil,
             .upgradeRequired, "websocket_required"),
            ("another participant", .get, "/v1/rooms/r/participants/\(s.bob)", alice, nil, .forbidden, "not_your_participant"),
            ("another participant: leaving", .delete, "/v1/rooms/r/participants/\(s.bob)", alice, nil, .forbidden, "not_your_participant"),
            // Managing: a moderator's token, not a member's.
            ("member: muting", .post, "/v1/rooms/r/participants/\(s.bob)/mute", alice, ["kind": "audio"], .forbidden, "not_a_moderator"),
            ("member: kicking", .post, "/v1/rooms/r/participants/\(s.bob)/kick", alice, [:], .forbidden, "not_a_moderator"),
            ("moderator: another participant", .get, "/v1/rooms/r/participants/\(s.bob)", carol, nil, .ok, nil),
            ("moderator: muting", .post, "/v1/rooms/r/participants/\(s.bob)/mute", carol, ["kind": "audio"], .noContent, nil),
            ("moderator: moderator", .post, "/v1/rooms/r/participants/\(s.alice)/moderator", carol, ["moderator": false], .noContent, nil),
            ("moderator: revoking tokens", .post, "/v1/rooms/r/revoked-tokens", carol, ["jti": "x"], .forbidden, "admin_only"),
            // The room's secret, beside a token that is not a moderator's.
            ("member with the secret: muting", .post, "/v1/rooms/r/participants/\(s.bob)/mute",
             .bearerAndSecret(s.aliceToken, roomSecret), ["kind": "video"], .noContent, nil),
            ("member with a wrong secret", .post, "/v1/rooms/r/participants/\(s.bob)/mute",
             .bearerAndSecret(s.aliceToken, "guess"), ["kind": "video"], .forbidden, "wrong_secret"),
            // The secret alone is no credential when an API key is configured.
            ("secret without a key", .delete, "/v1/rooms/r", .secret(roomSecret), nil, .unauthorized, "unauthorized"),
            // Last: the moderator kicks.
            ("moderator: kicking", .post, "/v1/rooms/r/participants/\(s.bob)/kick", carol, [:], .noContent, nil),
        ]
    }

    @Test func everyScopeReachesWhatItMay() async throws {
        let bridge = try await TestBridge()
        try await bridge.test { client in
            let s = try await Self.scene(bridge, client)
            for (what, method, path, credential, body, status, code) in Self.cases(s) {
                let answer = try await client.call(method, path, credential, json: body)
                if let code {
                    expectError(answer, status, code, "\(what) (\(credential))")
                } else {
                    #expect(answer.status == status, "\(what): \(String(buffer: answer.body))")
                }
            }
        }
    }

    /// Without an API key (development), every call is allowed; a room with a secret still
    /// needs it to be managed.
    @Test func anOpenBridgeStillGuardsRoomsWithASecret() async throws {
        let bridge = try await TestBridge(apiKey: nil)
        try await bridge.test { client in
            #expect(try await client.call(.post, "/v1/rooms", .none, json: ["id": "r", "kind": "conference", "secret": "s"]).status == .created)
            #expect(try await client.call(.get, "/v1/rooms", .none).status == .ok)
            expectError(try await client.call(.delete, "/v1/rooms/r", .none), .forbidden, "wrong_secret")
            expectError(try await client.call(.delete, "/v1/rooms/r", .secret("guess")), .forbidden, "wrong_secret")
            #expect(try await client.call(.delete, "/v1/rooms/r", .secret("s")).status == .noContent)
            // A bearer that is not a JWT is not a credential here: the call is open.
            #expect(try await client.call(.get, "/v1/rooms", .bearer("anything")).status == .ok)
        }
    }
}
