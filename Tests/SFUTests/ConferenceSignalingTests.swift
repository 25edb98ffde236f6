import Foundation
import ICE
import RTP
import Synchronization
import Testing
@testable import SFU

/// The conference signaling state machine through `MediaServer`, with Chromium's offer: the
/// bridge offers each member the others' tracks; on glare (the member's offer crossing one of
/// the bridge's) the bridge withdraws its offer, answers, and offers again with a new revision.
struct ConferenceSignalingTests {
    /// A member's signaling channel: what the bridge sent it, as type and fields.
    final class Channel: Sendable {
        let messages = Mutex<[SignalOut]>([])
        func receive(_ message: SignalOut) { messages.withLock { $0.append(message) } }
        var all: [[String: Any]] {
            messages.withLock { $0 }.map { m -> [String: Any] in
                switch m {
                case .offer(let sdp, let revision): ["type": "offer", "sdp": sdp, "revision": revision]
                case .answer(let sdp): ["type": "answer", "sdp": sdp]
                case .error(let e): ["type": "error", "error": e]
                case .lobby(let state): ["type": "lobby", "state": state.rawValue]
                case .muted(let kind, let muted): ["type": "muted", "kind": kind.rawValue, "muted": muted]
                case .moderator(let on): ["type": "moderator", "moderator": on]
                }
            }
        }
        func wait(count: Int) async throws -> [[String: Any]] {
            for _ in 0..<200 where all.count < count { try await Task.sleep(for: .milliseconds(10)) }
            return all
        }
    }

    @Test func glareTheBridgeWithdrawsItsOfferAndOffersAgain() async throws {
        var configuration = MediaConfiguration()
        configuration.port = 0
        configuration.workers = 1
        let server = try MediaServer(configuration: configuration)
        try await server.start()
        defer { Task { await server.shutdown() } }
        _ = try await server.createRoom(id: "g", kind: .conference, description: nil)
        let offer = try AnswerTests.fixture("chromium_sendrecv")
        let a = try await server.addParticipant(roomID: "g", .init(offer: offer, role: .member))
        let channelA = Channel(), channelB = Channel()
        try await server.attachSignal(roomID: "g", participantID: a.id) { channelA.receive($0) }
        let b = try await server.addParticipant(roomID: "g", .init(offer: offer, role: .member))
        try await server.attachSignal(roomID: "g", participantID: b.id) { channelB.receive($0) }

        // B joined: A is offered B's two tracks (revision 1); B is offered A's (waiting for it).
        var m = try await channelA.wait(count: 1)
        #expect(m.first?["type"] as? String == "offer" && m.first?["revision"] as? Int == 1)
        let first = try SessionDescription(parsing: m[0]["sdp"] as! String)
        #expect(first.media.compactMap(\.msid?.track) == ["\(b.id)/0", "\(b.id)/1"])

        // A does not answer: it offers a screen share of its own (crossing revision 1).
        var own = try SessionDescription(parsing: offer)
        var screen = own.media[1]
        screen.attributes.removeAll { ["mid", "sendrecv", "ssrc", "ssrc-group", "msid"].contains($0.name) }
        screen.attributes.append(SDPAttribute(name: "mid", value: "2"))
        screen.attributes.append(SDPAttribute(name: "sendonly", value: nil))
        own.media.append(screen)
        own.attributes = own.attributes.map { $0.name == "group" ? SDPAttribute(name: "group", value: "BUNDLE 0 1 2") : $0 }
        try await server.signal(roomID: "g", participantID: a.id,
                                .offer(own, sources: ["2": .screen]))
        m = try await channelA.wait(count: 3)
        #expect(m.map { $0["type"] as? String } == ["offer", "answer", "offer"])
        let answer = try SessionDescription(parsing: m[1]["sdp"] as! String)
        #expect(answer.media.map(\.direction) == [.recvonly, .recvonly, .recvonly])
        #expect(m[2]["revision"] as? Int == 2)
        let again = try SessionDescription(parsing: m[2]["sdp"] as! String)
        #expect(again.media.count == 5)
        #expect(again.media.compactMap(\.msid?.track) == ["\(b.id)/0", "\(b.id)/1"])

        // The late answer to the withdrawn revision is refused on the channel; revision 2's is taken.
        try await server.signal(roomID: "g", participantID: a.id,
                                .answer(ConferenceSessionTests.answer(to: first), revision: 1))
        m = try await channelA.wait(count: 4)
        #expect(m[3]["type"] as? String == "error")
        guard case .negotiation? = m[3]["error"] as? ControlError else { Issue.record("not a negotiation error: \(m[3])"); return }
        try await server.signal(roomID: "g", participantID: a.id,
                                .answer(ConferenceSessionTests.answer(to: again), revision: 2))
        let info = try await server.participant(roomID: "g", id: a.id)
        #expect(info.tracks.filter { $0.track != nil && $0.direction == "sendonly" }.map(\.track) == ["\(b.id)/0", "\(b.id)/1"])
        let room = try await server.room(id: "g")
        #expect(room.tracks?.first { $0.id == "\(a.id)/2" }?.source == .screen)

        // B, once it answers its first offer, is offered A's screen too.
        let bOffers = try await channelB.wait(count: 1)
        let bFirst = try SessionDescription(parsing: bOffers[0]["sdp"] as! String)
        try await server.signal(roomID: "g", participantID: b.id,
                                .answer(ConferenceSessionTests.answer(to: bFirst), revision: bOffers[0]["revision"] as! Int))
        let bm = try await channelB.wait(count: 2)
        let bSecond = try SessionDescription(parsing: bm[1]["sdp"] as! String)
        #expect(bSecond.media.compactMap(\.msid?.track).contains("\(a.id)/2"))

        // Signaling is for conference rooms; the member stays.
        _ = try await server.createRoom(id: "stage", kind: .streaming, description: nil)
        await #expect(throws: ControlError.notConference("stage")) {
            try await server.signal(roomID: "stage", participantID: a.id, .answer(again, revision: 2))
        }
        #expect(try await server.room(id: "g").participants.count == 2)
    }
}
