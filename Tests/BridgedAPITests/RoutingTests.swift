import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import BridgedAPI

/// Each resource answers on its routes, with the admin key, as `bridged` serves them.
struct RoutingTests {
    @Test func everyResourceAnswers() async throws {
        let bridge = try await TestBridge()
        let offer = try offerFixture()
        try await bridge.test { client in
            // Demo page, health, stats, metrics.
            #expect(try await client.call(.get, "/", .none).status == .ok)
            #expect(try await client.call(.get, "/v1/health", .none).json?["status"] as? String == "ok")
            #expect(try await client.call(.get, "/v1/stats").status == .ok)
            let metrics = try await client.call(.get, "/metrics")
            #expect(metrics.status == .ok && String(buffer: metrics.body).contains("bridged_rooms"))
            #expect(String(buffer: metrics.body).contains("bridged_video_copies{layer=\"0\"} 0"))
            #expect(String(buffer: metrics.body).contains("bridged_downlink_estimated_receivers 0"))

            // Rooms.
            let created = try await client.call(.post, "/v1/rooms", json: ["id": "r", "kind": "conference", "description": "board"])
            #expect(created.status == .created)
            #expect(created.json?["id"] as? String == "r" && created.json?["kind"] as? String == "conference")
            #expect(try await client.call(.get, "/v1/rooms").json?["rooms"] as? [Any] != nil)
            #expect(try await client.call(.get, "/v1/rooms/r").json?["id"] as? String == "r")

            // Participants.
            let joined = try await client.call(.post, "/v1/rooms/r/participants", json: ["offer": offer, "role": "member",
                                                                                          "user_id": "alice"])
            #expect(joined.status == .created, "\(String(buffer: joined.body))")
            let pid = try #require(joined.json?["id"] as? String)
            #expect((joined.json?["answer"] as? String)?.hasPrefix("v=0") == true)
            #expect(try await client.call(.get, "/v1/rooms/r/participants/\(pid)").json?["id"] as? String == pid)
            #expect(try await client.call(.post, "/v1/rooms/r/participants/\(pid)/subscriptions", json: [:] as [String: Any])
                .json?["tracks"] as? [Any] != nil)
            let restarted = try await client.call(.post, "/v1/rooms/r/participants/\(pid)/ice-restart", json: ["offer": offer])
            #expect(restarted.status == .ok, "\(String(buffer: restarted.body))")
            expectError(try await client.call(.get, "/v1/rooms/r/participants/\(pid)/signal"), .upgradeRequired, "websocket_required")

            // Moderation.
            #expect(try await client.call(.post, "/v1/rooms/r/participants/\(pid)/moderator", json: ["moderator": true]).status == .noContent)
            #expect(try await client.call(.post, "/v1/rooms/r/participants/\(pid)/mute", json: ["kind": "audio"]).status == .noContent)
            #expect(try await client.call(.post, "/v1/rooms/r/participants/\(pid)/lobby", json: ["action": "wait"]).status == .noContent)
            #expect(try await client.call(.post, "/v1/rooms/r/participants/\(pid)/lobby", json: ["action": "admit"]).status == .noContent)
            #expect(try await client.call(.post, "/v1/rooms/r/revoked-tokens", json: ["jti": "t-1"]).status == .noContent)
            #expect(try await client.call(.post, "/v1/rooms/r/participants/\(pid)/kick", json: ["ban_s": 5]).status == .noContent)
            expectError(try await client.call(.get, "/v1/rooms/r/participants/\(pid)"), .notFound, "participant_not_found")
            let second = try #require(try await client.call(.post, "/v1/rooms/r/participants", json: ["offer": offer]).json?["id"] as? String)
            #expect(try await client.call(.delete, "/v1/rooms/r/participants/\(second)").status == .noContent)

            // Recordings.
            #expect(try await client.call(.get, "/v1/rooms/r/recordings").json?["recordings"] as? [Any] != nil)
            expectError(try await client.call(.delete, "/v1/rooms/r/recordings/none"), .notFound, "recording_not_found")

            // ICE servers, audit, log level.
            #expect(try await client.call(.get, "/v1/ice-servers?user=alice").json?["ice_servers"] as? [Any] != nil)
            #expect(try await client.call(.get, "/v1/audit").json?["entries"] as? [Any] != nil)
            #expect(try await client.call(.get, "/v1/log-level").json?["level"] as? String == "info")
            #expect(try await client.call(.put, "/v1/log-level", json: ["level": "debug"]).json?["level"] as? String == "debug")
            #expect(bridge.api.logLevel.current == .debug)

            // Deleting the room.
            #expect(try await client.call(.delete, "/v1/rooms/r").status == .noContent)
            expectError(try await client.call(.get, "/v1/rooms/r"), .notFound, "room_not_found")
        }
    }

    /// SFU errors reach the caller through the one mapping (`APIError(ControlError)`).
    @Test(arguments: [
        (HTTPRequest.Method.get, "/v1/rooms/none", HTTPResponse.Status.notFound, "room_not_found"),
        (.delete, "/v1/rooms/none", .notFound, "room_not_found"),
        (.get, "/v1/rooms/none/recordings", .notFound, "room_not_found"),
        (.get, "/v1/rooms/echo/participants/nobody", .notFound, "participant_not_found"),
    ])
    func controlErrorsAreMapped(method: HTTPRequest.Method, path: String, status: HTTPResponse.Status, code: String) async throws {
        let bridge = try await TestBridge()
        try await bridge.test { client in
            #expect(try await client.call(.post, "/v1/rooms", json: ["id": "echo", "kind": "echo"]).status == .created)
            expectError(try await client.call(method, path), status, code, "\(method) \(path)")
            let again = try await client.call(.post, "/v1/rooms", json: ["id": "echo", "kind": "echo"])
            expectError(again, .conflict, "room_exists")
        }
    }
}
