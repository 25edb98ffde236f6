import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import BridgedAPI

/// Requests the API refuses before anything happens: ids, bodies, enumeration values. Codes and
/// messages are the ones bridged has always answered (tests/e2e/test_rooms_api.py).
struct ValidationTests {
    /// Every route with a `{id}` room in its path checks the id the same way.
    static var roomRoutes: [(HTTPRequest.Method, String, [String: Any]?)] { [
        (.get, "/v1/rooms/{id}", nil),
        (.delete, "/v1/rooms/{id}", nil),
        (.post, "/v1/rooms/{id}/participants", ["offer": "v=0"]),
        (.get, "/v1/rooms/{id}/participants/p1", nil),
        (.delete, "/v1/rooms/{id}/participants/p1", nil),
        (.post, "/v1/rooms/{id}/participants/p1/ice-restart", ["offer": "v=0"]),
        (.post, "/v1/rooms/{id}/participants/p1/subscriptions", [:]),
        (.get, "/v1/rooms/{id}/participants/p1/signal", nil),
        (.post, "/v1/rooms/{id}/participants/p1/kick", [:]),
        (.post, "/v1/rooms/{id}/participants/p1/lobby", ["action": "admit"]),
        (.post, "/v1/rooms/{id}/participants/p1/mute", ["kind": "audio"]),
        (.post, "/v1/rooms/{id}/participants/p1/moderator", ["moderator": true]),
        (.post, "/v1/rooms/{id}/revoked-tokens", ["jti": "x"]),
        (.post, "/v1/rooms/{id}/recordings", [:]),
        (.get, "/v1/rooms/{id}/recordings", nil),
        (.delete, "/v1/rooms/{id}/recordings/rec1", nil),
        (.post, "/v1/rooms/{id}/whip", ["offer": "v=0"]),
        (.post, "/v1/rooms/{id}/whep", ["offer": "v=0"]),
        (.patch, "/v1/rooms/{id}/whip/s1", [:]),
        (.delete, "/v1/rooms/{id}/whep/s1", nil),
        (.post, "/v1/rooms/{id}/forwarders", ["host": "127.0.0.1", "video_port": 5004]),
        (.get, "/v1/rooms/{id}/forwarders", nil),
        (.get, "/v1/rooms/{id}/forwarders/f1/sdp", nil),
        (.delete, "/v1/rooms/{id}/forwarders/f1", nil),
    ] }

    /// Ids that are not 1-64 characters of A-Z a-z 0-9 _ -.
    static let invalidIDs = ["bad!id", "dot.ted", String(repeating: "x", count: 65), "%20space"]

    @Test func invalidRoomIDsAreRefusedOnEveryRoute() async throws {
        let bridge = try await TestBridge()
        try await bridge.test { client in
            for (method, template, body) in Self.roomRoutes {
                for id in Self.invalidIDs {
                    let path = template.replacingOccurrences(of: "{id}", with: id)
                    let answer = try await client.call(method, path, json: body)
                    expectError(answer, .badRequest, "invalid_id", containing: "invalid room id", "\(method) \(path)")
                }
                // A valid id of no room gets past the check (404, or 400 for the bodies of no
                // participant: never invalid_id).
                let path = template.replacingOccurrences(of: "{id}", with: "no-such-room")
                let answer = try await client.call(method, path, json: body)
                #expect(answer.errorCode != "invalid_id", "\(method) \(path): \(String(buffer: answer.body))")
            }
        }
    }

    /// `(method, path, body (JSON text, nil: none), status, code, words of the message)`.
    static let badBodies: [(HTTPRequest.Method, String, String?, HTTPResponse.Status, String, String)] = [
        (.post, "/v1/rooms", nil, .badRequest, "missing_body", "JSON body is required"),
        (.post, "/v1/rooms", "{", .badRequest, "invalid_body", "not valid JSON"),
        (.post, "/v1/rooms", "[1]", .badRequest, "invalid_body", "has the wrong type"),
        (.post, "/v1/rooms", "{}", .badRequest, "invalid_body", "missing field \"kind\""),
        (.post, "/v1/rooms", #"{"kind": 3}"#, .badRequest, "invalid_body", "field \"kind\" has the wrong type"),
        (.post, "/v1/rooms", #"{"kind": "zoo"}"#, .badRequest, "invalid_kind", "unknown room kind \"zoo\"; supported: "),
        (.post, "/v1/rooms", #"{"kind": "conference", "max_members": "x"}"#, .badRequest, "invalid_body",
         "field \"max_members\" has the wrong type"),
        (.post, "/v1/rooms", #"{"kind": "conference", "single_access": "maybe"}"#, .badRequest, "invalid_option",
         "single_access must be \"refuse\" or \"replace\", not \"maybe\""),
        (.post, "/v1/rooms", #"{"kind": "conference", "pin": ""}"#, .badRequest, "invalid_option", "pin must be 1-256 characters"),
        (.post, "/v1/rooms", #"{"kind": "conference", "pin": "a", "secret": "a"}"#, .badRequest, "invalid_option", "must differ"),
        (.post, "/v1/rooms", #"{"kind": "echo", "max_members": 3}"#, .badRequest, "not_a_conference", "not a conference room"),
        (.post, "/v1/rooms", #"{"kind": "echo", "record": true}"#, .badRequest, "room_not_recordable", "echo room"),
        (.post, "/v1/rooms", #"{"kind": "conference", "streamers": ["a"]}"#, .badRequest, "invalid_option", "streamers"),
        (.post, "/v1/rooms", #"{"id": "bad id", "kind": "echo"}"#, .badRequest, "invalid_id", "invalid id"),
        (.post, "/v1/rooms/r/participants", "{}", .badRequest, "invalid_body", "missing field \"offer\""),
        (.post, "/v1/rooms/r/participants", #"{"offer": "hello"}"#, .badRequest, "invalid_offer", "SDP offer"),
        (.post, "/v1/rooms/r/participants", #"{"offer": "v=0", "role": "king"}"#, .badRequest, "invalid_role",
         "role must be \"streamer\", \"viewer\", \"member\" or \"echo\", not \"king\""),
        (.post, "/v1/rooms/r/participants", #"{"offer": "v=0", "dtls_role": "both"}"#, .badRequest, "invalid_dtls_role",
         "dtls_role must be \"client\" or \"server\", not \"both\""),
        (.post, "/v1/rooms/r/participants", #"{"offer": "v=0", "sources": {"0": "hold"}}"#, .badRequest, "invalid_source",
         "source of mid 0 must be"),
        (.post, "/v1/rooms/r/participants", #"{"offer": "v=0", "user_id": "bad user"}"#, .badRequest, "invalid_user_id", "user_id"),
        (.post, "/v1/rooms/r/participants/p/mute", #"{"kind": "smell"}"#, .badRequest, "invalid_kind",
         "kind must be \"audio\" or \"video\", not \"smell\""),
        (.post, "/v1/rooms/r/participants/p/mute", "{}", .badRequest, "invalid_body", "missing field \"kind\""),
        (.post, "/v1/rooms/r/participants/p/lobby", #"{"action": "maybe"}"#, .badRequest, "invalid_action",
         "action must be \"admit\", \"deny\" or \"wait\" (back to the lobby), not \"maybe\""),
        (.post, "/v1/rooms/r/participants/p/kick", #"{"ban_s": -1}"#, .badRequest, "invalid_ban", "ban_s"),
        (.post, "/v1/rooms/r/participants/p/moderator", "{}", .badRequest, "invalid_body", "missing field \"moderator\""),
        (.post, "/v1/rooms/r/revoked-tokens", #"{"jti": ""}"#, .badRequest, "invalid_jti", "jti must be 1-256 characters"),
        (.post, "/v1/rooms/r/participants/p/subscriptions", #"{"max_video": -1}"#, .badRequest, "invalid_max_video", "max_video"),
        (.post, "/v1/rooms/r/participants/p/subscriptions", #"{"paused": true}"#, .badRequest, "invalid_body", "paused needs"),
        (.post, "/v1/rooms/r/participants/p/video", #"{"max_spatial": 3}"#, .badRequest, "invalid_layer",
         "max_spatial must be 0 (the lowest encoding), 1 or 2 (or null: no bound), not 3"),
        (.post, "/v1/rooms/r/participants/p/video", #"{"max_temporal": -1}"#, .badRequest, "invalid_layer", "max_temporal must be 0-3"),
        (.post, "/v1/rooms/r/participants/p/video", #"{"paused": "yes"}"#, .badRequest, "invalid_body", "field \"paused\" has the wrong type"),
        (.post, "/v1/rooms/r/recordings", "[1]", .badRequest, "invalid_body", "must be a JSON object"),
        (.post, "/v1/rooms/r/recordings", #"{"participants": []}"#, .badRequest, "invalid_participants", "at least one"),
        (.post, "/v1/rooms/r/recordings", #"{"participants": ["a b"]}"#, .badRequest, "invalid_id", "invalid participant id"),
        (.post, "/v1/rooms/r/recordings", #"{"no_media_timeout_s": 0}"#, .badRequest, "invalid_no_media_timeout", "(0, 86400]"),
        (.put, "/v1/log-level", #"{"level": "loud"}"#, .badRequest, "invalid_level", "not \"loud\""),
        (.get, "/v1/ice-servers?user=bad!user", nil, .badRequest, "invalid_user", "user must be"),
        (.get, "/v1/audit?limit=0", nil, .badRequest, "invalid_filter", "limit"),
        (.get, "/v1/audit?colour=red", nil, .badRequest, "invalid_filter", "unknown parameter"),
    ]

    @Test func badBodiesAndValuesAreRefusedWithTheirCodes() async throws {
        let bridge = try await TestBridge()
        try await bridge.test { client in
            #expect(try await client.call(.post, "/v1/rooms", json: ["id": "r", "kind": "conference"]).status == .created)
            for (method, path, body, status, code, words) in Self.badBodies {
                let answer = try await client.call(method, path, raw: body)
                expectError(answer, status, code, containing: words, "\(method) \(path) \(body ?? "(no body)")")
            }
        }
    }
}
