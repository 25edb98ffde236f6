import Foundation
import Hummingbird
import HummingbirdTesting
import RTP
import Testing
@testable import BridgedAPI

/// WHIP (RFC 9725) and WHEP on a streaming room, in-process: the answer and its headers, the
/// session resource (trickle, ICE restart, DELETE), who may call, and every refusal's status
/// and code. Media through them is tested end to end (tests/e2e/test_whip_whep.py).
struct WHIPTests {
    static let sdp: HTTPFields = [.contentType: "application/sdp"]
    static let fragment: HTTPFields = [.contentType: "application/trickle-ice-sdpfrag"]

    static func makeRoom(_ client: some TestClientProtocol, _ id: String = "live", kind: String = "streaming") async throws {
        let created = try await client.call(.post, "/v1/rooms", json: ["id": id, "kind": kind])
        #expect(created.status == .created)
    }

    @Test func whipIngestAndWhepPlaybackAnswerWithTheSessionResource() async throws {
        let bridge = try await TestBridge(configure: {
            $0.stunServers = ["stun:127.0.0.1:3478"]
            $0.turnServers = ["turn:127.0.0.1:3478?transport=udp"]
            $0.turnSecret = "turn-secret"
        })
        try await bridge.test { client in
            try await Self.makeRoom(client)
            for (door, fixture, role) in [("whip", "chromium_sendrecv", "streamer"), ("whep", "chromium_recvonly", "viewer")] {
                let answer = try await client.call(.post, "/v1/rooms/live/\(door)", raw: try offerFixture(fixture), headers: Self.sdp)
                #expect(answer.status == .created, "\(door): \(String(buffer: answer.body))")
                #expect(answer.headers[.contentType] == "application/sdp")
                let sdp = try SessionDescription(parsing: String(buffer: answer.body))
                #expect(sdp.hasAttribute("ice-lite"))
                let location = try #require(answer.headers[.location])
                #expect(location.hasPrefix("/v1/rooms/live/\(door)/"))
                let pid = String(location.split(separator: "/").last!)
                #expect(answer.headers[.eTag] == "\"\(sdp.media[0].iceUfrag!)\"")
                #expect(answer.headers[.init("Accept-Patch")!] == "application/trickle-ice-sdpfrag")
                let links = answer.headers[values: .init("Link")!]
                #expect(links.contains("<stun:127.0.0.1:3478>; rel=\"ice-server\""), "\(links)")
                #expect(links.contains { $0.hasPrefix("<turn:127.0.0.1:3478?transport=udp>; rel=\"ice-server\"; username=\"")
                    && $0.contains("credential=\"") && $0.hasSuffix("credential-type=\"password\"") }, "\(links)")
                // The session is a participant of the room with the door's role.
                let participant = try await client.call(.get, "/v1/rooms/live/participants/\(pid)")
                #expect(participant.json?["role"] as? String == role)
            }
        }
    }

    @Test func trickleIceRestartAndDelete() async throws {
        let bridge = try await TestBridge()
        try await bridge.test { client in
            try await Self.makeRoom(client)
            let offer = try offerFixture("chromium_sendrecv")
            let created = try await client.call(.post, "/v1/rooms/live/whip", raw: offer, headers: Self.sdp)
            let session = try #require(created.headers[.location])
            let etag = try #require(created.headers[.eTag])

            // Trickle with the offer's ufrag: accepted (the bridge is ICE-lite), with or without If-Match.
            let trickle = "a=ice-ufrag:KqpX\r\na=ice-pwd:WJhBfkMwaXl+6vGQOTnCTsSh\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n"
                + "a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\r\na=end-of-candidates\r\n"
            #expect(try await client.call(.patch, session, raw: trickle, headers: Self.fragment).status == .noContent)
            var matching = Self.fragment
            matching[.ifMatch] = etag
            #expect(try await client.call(.patch, session, raw: trickle, headers: matching).status == .noContent)
            var stale = Self.fragment
            stale[.ifMatch] = "\"not-it\""
            expectError(try await client.call(.patch, session, raw: trickle, headers: stale), .preconditionFailed, "etag_mismatch")

            // ICE restart: new credentials in, the bridge's new ones out, and a new ETag.
            var restartHeaders = Self.fragment
            restartHeaders[.ifMatch] = "*"
            let restart = try await client.call(.patch, session, raw: "a=ice-ufrag:NewU\r\na=ice-pwd:NewPasswordNewPassword12\r\n",
                                                headers: restartHeaders)
            #expect(restart.status == .ok, "\(String(buffer: restart.body))")
            #expect(restart.headers[.contentType] == "application/trickle-ice-sdpfrag")
            let answer = try SDPFragment(parsing: String(buffer: restart.body))
            let ufrag = try #require(answer.iceUfrag)
            #expect(answer.icePwd != nil)
            #expect(restart.headers[.eTag] == "\"\(ufrag)\"" && restart.headers[.eTag] != etag)
            #expect(answer.media.first?.mid == "0" && answer.media.first?.candidates.first?.address == "127.0.0.1")
            // The new ufrag is now the session's: a trickle with it is accepted.
            #expect(try await client.call(.patch, session, raw: "a=ice-ufrag:NewU\r\n", headers: Self.fragment).status == .noContent)

            #expect(try await client.call(.delete, session).status == .ok)
            expectError(try await client.call(.delete, session), .notFound, "session_not_found")
            expectError(try await client.call(.patch, session, raw: trickle, headers: Self.fragment), .notFound, "session_not_found")
        }
    }

    /// `(method, path, content type, body, status, code)`: each refused with its status and a JSON body naming the problem.
    @Test func badInputIsRefusedWithAClearError() async throws {
        let bridge = try await TestBridge()
        try await bridge.test { client in
            try await Self.makeRoom(client)
            try await Self.makeRoom(client, "meeting", kind: "conference")
            let offer = try offerFixture("chromium_sendrecv")
            let viewer = try await client.call(.post, "/v1/rooms/live/whep", raw: try offerFixture("chromium_recvonly"), headers: Self.sdp)
            let viewerSession = try #require(viewer.headers[.location])
            let whepAsWhip = viewerSession.replacingOccurrences(of: "/whep/", with: "/whip/")
            let cases: [(HTTPRequest.Method, String, String?, String?, HTTPResponse.Status, String)] = [
                (.post, "/v1/rooms/live/whip", "application/json", offer, .unsupportedMediaType, "unsupported_media_type"),
                (.post, "/v1/rooms/live/whip", nil, offer, .unsupportedMediaType, "unsupported_media_type"),
                (.post, "/v1/rooms/live/whip", "application/sdp", nil, .badRequest, "missing_body"),
                (.post, "/v1/rooms/live/whip", "application/sdp", "hello", .badRequest, "invalid_offer"),
                (.post, "/v1/rooms/live/whip", "application/sdp", "v=0\r\nthis is not sdp\r\n", .badRequest, "invalid_offer"),
                (.post, "/v1/rooms/live/whip", "application/sdp", "v=0" + String(repeating: "x", count: 70_000), .contentTooLarge, "body_too_large"),
                (.post, "/v1/rooms/nowhere/whip", "application/sdp", offer, .notFound, "room_not_found"),
                (.post, "/v1/rooms/bad!id/whep", "application/sdp", offer, .badRequest, "invalid_id"),
                (.post, "/v1/rooms/meeting/whip", "application/sdp", offer, .badRequest, "not_a_streaming_room"),
                (.patch, "/v1/rooms/live/whip/nosuch", "application/trickle-ice-sdpfrag", "a=ice-ufrag:x\r\n", .notFound, "session_not_found"),
                (.delete, "/v1/rooms/live/whep/nosuch", nil, nil, .notFound, "session_not_found"),
                (.delete, whepAsWhip, nil, nil, .notFound, "session_not_found"),
                (.patch, viewerSession, "application/sdp", "a=ice-ufrag:x\r\n", .unsupportedMediaType, "unsupported_media_type"),
                (.patch, viewerSession, "application/trickle-ice-sdpfrag", "v=0\r\n", .badRequest, "invalid_sdpfrag"),
                (.patch, viewerSession, "application/trickle-ice-sdpfrag", "a=mid:0\r\n", .badRequest, "invalid_sdpfrag"),
                (.patch, viewerSession, "application/trickle-ice-sdpfrag", "a=ice-ufrag:other\r\n", .badRequest, "invalid_sdpfrag"),
            ]
            for (method, path, type, body, status, code) in cases {
                var headers = HTTPFields()
                if let type { headers[.contentType] = type }
                let answer = try await client.call(method, path, raw: body, headers: headers)
                expectError(answer, status, code, "\(method) \(path) \(type ?? "-") \(body?.prefix(30) ?? "-")")
            }
            // The viewer is still there, and the room still takes a streamer.
            #expect(try await client.call(.get, "/v1/rooms/live/participants/\(viewerSession.split(separator: "/").last!)").status == .ok)
            #expect(try await client.call(.post, "/v1/rooms/live/whip", raw: offer, headers: Self.sdp).status == .created)
        }
    }

    @Test func joinTokensReachTheirRoomWithTheirRole() async throws {
        let bridge = try await TestBridge()
        try await bridge.test { client in
            try await Self.makeRoom(client)
            try await Self.makeRoom(client, "other")
            let offer = try offerFixture("chromium_sendrecv")
            let viewerToken = try await bridge.token(room: "live", sub: "ann", role: "viewer")
            let streamerToken = try await bridge.token(room: "live", sub: "bob", role: "streamer")
            let otherRoom = try await bridge.token(room: "other", sub: "eve", role: "streamer")
            expectError(try await client.call(.post, "/v1/rooms/live/whip", .none, raw: offer, headers: Self.sdp), .unauthorized, "unauthorized")
            expectError(try await client.call(.post, "/v1/rooms/live/whip", .bearer("wrong-key"), raw: offer, headers: Self.sdp),
                        .unauthorized, "bearer_not_recognized")
            expectError(try await client.call(.post, "/v1/rooms/live/whip", .bearer(otherRoom), raw: offer, headers: Self.sdp),
                        .unauthorized, "token_wrong_room")
            expectError(try await client.call(.post, "/v1/rooms/live/whip", .bearer(viewerToken), raw: offer, headers: Self.sdp),
                        .forbidden, "not_allowed")
            // A viewer's token plays (WHEP); a streamer's publishes (WHIP) and plays.
            let played = try await client.call(.post, "/v1/rooms/live/whep", .bearer(viewerToken), raw: try offerFixture("chromium_recvonly"),
                                               headers: Self.sdp)
            #expect(played.status == .created)
            let published = try await client.call(.post, "/v1/rooms/live/whip", .bearer(streamerToken), raw: offer, headers: Self.sdp)
            #expect(published.status == .created)
            let session = try #require(published.headers[.location])
            let participant = try await client.call(.get, "/v1/rooms/live/participants/\(session.split(separator: "/").last!)")
            #expect(participant.json?["user_id"] as? String == "bob")
            // Only the session's own token (or the admin) ends it.
            expectError(try await client.call(.delete, session, .bearer(viewerToken)), .forbidden, "not_your_participant")
            #expect(try await client.call(.delete, session, .bearer(streamerToken)).status == .ok)
        }
    }

    @Test func whepRespectsTheViewerLimit() async throws {
        let bridge = try await TestBridge()
        try await bridge.test { client in
            #expect(try await client.call(.post, "/v1/rooms", json: ["id": "tiny", "kind": "streaming", "max_viewers": 1]).status == .created)
            let offer = try offerFixture("chromium_recvonly")
            #expect(try await client.call(.post, "/v1/rooms/tiny/whep", raw: offer, headers: Self.sdp).status == .created)
            expectError(try await client.call(.post, "/v1/rooms/tiny/whep", raw: offer, headers: Self.sdp), .forbidden, "room_full",
                        containing: "maximum of 1 viewers")
            #expect(try await client.call(.get, "/v1/rooms/tiny").json?["max_viewers"] as? Int == 1)
        }
    }

    @Test func optionsSaysWhatEachResourceAccepts() async throws {
        let bridge = try await TestBridge()
        try await bridge.test { client in
            try await Self.makeRoom(client)
            let endpoint = try await client.call(.options, "/v1/rooms/live/whip", .none)
            #expect(endpoint.status == .noContent)
            #expect(endpoint.headers[.init("Accept-Post")!] == "application/sdp")
            let session = try await client.call(.options, "/v1/rooms/live/whep/anything", .none)
            #expect(session.headers[.init("Accept-Patch")!] == "application/trickle-ice-sdpfrag")
        }
    }
}
