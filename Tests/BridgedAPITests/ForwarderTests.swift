import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import BridgedAPI

/// `/v1/rooms/{id}/forwarders`: who may start one, its SDP, and each refusal's status and code.
/// Media through a forwarder into ffmpeg is tested end to end (tests/e2e/test_forwarders.py).
struct ForwarderTests {
    @Test func startListDescribeAndStop() async throws {
        let bridge = try await TestBridge()
        try await bridge.test { client in
            #expect(try await client.call(.post, "/v1/rooms", json: ["id": "live", "kind": "streaming"]).status == .created)
            let created = try await client.call(.post, "/v1/rooms/live/forwarders",
                                                json: ["host": "127.0.0.1", "video_port": 5004, "audio_port": 5006, "ssrc": 4242])
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let id = try #require(created.json?["id"] as? String)
            let tracks = try #require(created.json?["tracks"] as? [[String: Any]])
            #expect(tracks.map { $0["kind"] as? String } == ["video", "audio"])
            #expect(tracks.map { $0["ssrc"] as? Int } == [4242, 4243])
            let sdp = try await client.call(.get, "/v1/rooms/live/forwarders/\(id)/sdp")
            #expect(sdp.status == .ok && sdp.headers[.contentType] == "application/sdp")
            let text = String(buffer: sdp.body)
            #expect(text.hasPrefix("v=0\r\n") && text.contains("c=IN IP4 127.0.0.1\r\n"))
            #expect(text.contains("m=video 5004 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n"))
            #expect(text.contains("m=audio 5006 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n"))
            let list = try await client.call(.get, "/v1/rooms/live/forwarders")
            #expect((list.json?["forwarders"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
            #expect(try await client.call(.delete, "/v1/rooms/live/forwarders/\(id)").status == .ok)
            expectError(try await client.call(.delete, "/v1/rooms/live/forwarders/\(id)"), .notFound, "forwarder_not_found")
        }
    }

    @Test func refusals() async throws {
        let bridge = try await TestBridge()
        try await bridge.test { client in
            #expect(try await client.call(.post, "/v1/rooms", json: ["id": "live", "kind": "streaming"]).status == .created)
            #expect(try await client.call(.post, "/v1/rooms", json: ["id": "meet", "kind": "conference"]).status == .created)
            let token = try await bridge.token(room: "live", sub: "ann", role: "viewer")
            let cases: [(String, Credential, [String: Any]?, HTTPResponse.Status, String, String)] = [
                ("/v1/rooms/live/forwarders", .admin, ["host": "203.0.113.5", "video_port": 5004], .badRequest, "destination_not_allowed",
                 "forwarding to 203.0.113.5 is not allowed: destinations must be in 127.0.0.0/8"),
                ("/v1/rooms/live/forwarders", .admin, ["host": "example.com", "video_port": 5004], .badRequest, "invalid_forwarder", "IPv4 or IPv6"),
                ("/v1/rooms/live/forwarders", .admin, ["host": "127.0.0.1"], .badRequest, "invalid_forwarder", "video_port, audio_port or both"),
                ("/v1/rooms/live/forwarders", .admin, ["host": "127.0.0.1", "video_port": 5004, "srtp": ["key": "x"]], .badRequest,
                 "invalid_forwarder", "srtp.key must be base64 of 30 bytes"),
                ("/v1/rooms/live/forwarders", .admin, ["host": "127.0.0.1", "video_port": 5004,
                                                       "srtp": ["suite": "NULL", "key": String(repeating: "A", count: 40)]], .badRequest,
                 "invalid_forwarder", "srtp.suite \"NULL\" is not one of AEAD_AES_128_GCM, AES_CM_128_HMAC_SHA1_80"),
                ("/v1/rooms/live/forwarders", .admin, ["video_port": 5004], .badRequest, "invalid_body", "missing field \"host\""),
                ("/v1/rooms/meet/forwarders", .admin, ["host": "127.0.0.1", "video_port": 5004], .badRequest, "not_a_streaming_room", "meet"),
                ("/v1/rooms/none/forwarders", .admin, ["host": "127.0.0.1", "video_port": 5004], .notFound, "room_not_found", "none"),
                ("/v1/rooms/live/forwarders", .bearer(token), ["host": "127.0.0.1", "video_port": 5004], .forbidden, "admin_only", "admin key"),
                ("/v1/rooms/live/forwarders", .none, ["host": "127.0.0.1", "video_port": 5004], .unauthorized, "unauthorized", "Bearer"),
            ]
            for (path, credential, body, status, code, words) in cases {
                expectError(try await client.call(.post, path, credential, json: body), status, code, containing: words, "\(path) \(credential)")
            }
            expectError(try await client.call(.get, "/v1/rooms/live/forwarders/nope/sdp"), .notFound, "forwarder_not_found")
            #expect((try await client.call(.get, "/v1/rooms/live/forwarders").json?["forwarders"] as? [Any])?.isEmpty == true)
        }
    }
}
