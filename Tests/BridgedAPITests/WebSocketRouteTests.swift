import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWSTesting
import HummingbirdWebSocket
import Testing
import WSClient
@testable import BridgedAPI

/// The WebSocket routes (the events socket, a conference member's signaling channel) through a
/// live in-process server on a loopback port: what each sends, and who may connect.
struct WebSocketRouteTests {
    /// The first `count` text messages of a socket (after `send`, if given); closes after them.
    static func messages(_ client: some TestClientProtocol, _ path: String, count: Int, send: String? = nil,
                         after: @escaping @Sendable () async throws -> Void = {}) async throws -> [String] {
        let box = Box()
        try await client.ws(path) { inbound, outbound, _ in
            if let send { try await outbound.write(.text(send)) }
            try await after()
            for try await message in inbound.messages(maxSize: 1 << 20) {
                if case .text(let text) = message { await box.append(text) }
                if await box.count >= count { break }
            }
        }
        return await box.items
    }

    actor Box {
        var items: [String] = []
        var count: Int { items.count }
        func append(_ s: String) { items.append(s) }
    }

    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    @Test func eventsSocketTellsWhatHappensInOrder() async throws {
        let bridge = try await TestBridge()
        try await bridge.testLive { client in
            let received = try await Self.messages(client, "/v1/events?access_token=\(TestBridge.adminKey)", count: 2) {
                _ = try await client.call(.post, "/v1/rooms", json: ["id": "ev", "kind": "streaming"])
                _ = try await client.call(.delete, "/v1/rooms/ev")
            }
            let events = received.map(Self.json)
            #expect(events.map { $0["type"] as? String } == ["room_created", "room_destroyed"])
            #expect(events.allSatisfy { $0["room"] as? String == "ev" })
            #expect(events[0]["kind"] as? String == "streaming" && events[1]["reason"] as? String == "api")
            let seqs = events.compactMap { $0["seq"] as? Int }
            #expect(seqs.count == 2 && seqs[1] == seqs[0] + 1)
            // Replay: a client that reconnects with ?since= gets the kept events after that seq.
            let replay = try await Self.messages(client, "/v1/events?access_token=\(TestBridge.adminKey)&since=\(seqs[0])", count: 1)
            #expect(replay.map(Self.json).first?["type"] as? String == "room_destroyed")
        }
    }

    @Test func onlyTheAdminListensToEvents() async throws {
        let bridge = try await TestBridge()
        try await bridge.testLive { client in
            let token = try await bridge.token(room: "r", sub: "ann", role: "viewer")
            for path in ["/v1/events", "/v1/events?access_token=\(token)", "/v1/events?access_token=\(TestBridge.adminKey)&since=x"] {
                await #expect(throws: (any Error).self, "\(path)") {
                    _ = try await Self.messages(client, path, count: 1)
                }
            }
        }
    }

    @Test func signalingChannelAnswersBadMessagesAndRefusesStrangers() async throws {
        let bridge = try await TestBridge()
        try await bridge.testLive { client in
            #expect(try await client.call(.post, "/v1/rooms", json: ["id": "meet", "kind": "conference"]).status == .created)
            let joined = try await client.call(.post, "/v1/rooms/meet/participants",
                                               json: ["offer": try offerFixture(), "role": "member", "user_id": "ann"])
            let pid = try #require(joined.json?["id"] as? String)
            let path = "/v1/rooms/meet/participants/\(pid)/signal?access_token=\(TestBridge.adminKey)"
            let replies = try await Self.messages(client, path, count: 1, send: #"{"type": "bogus"}"#)
            let error = Self.json(replies.first ?? "")
            #expect(error["type"] as? String == "error" && error["code"] as? String == "invalid_signal", "\(replies)")
            // Another user's token, and a participant that is not there: no channel.
            let eve = try await bridge.token(room: "meet", sub: "eve", role: "member")
            for path in ["/v1/rooms/meet/participants/\(pid)/signal?access_token=\(eve)",
                         "/v1/rooms/meet/participants/nobody/signal?access_token=\(TestBridge.adminKey)"] {
                let outcome: String
                do {
                    let r = try await Self.messages(client, path, count: 1)
                    outcome = Self.json(r.first ?? "")["code"] as? String ?? "connected"
                } catch {
                    outcome = "refused"
                }
                #expect(["refused", "participant_not_found"].contains(outcome), "\(path): \(outcome)")
            }
        }
    }
}
