import Foundation
import RTP
import Testing
@testable import SFU

/// Who may stream, one connection per user, moderators: through `MediaServer`, with real UDP
/// sockets and SRTP where media matters (ICE and DTLS skipped).
@Suite struct RoomGovernanceTests {
    static func server() async throws -> MediaServer {
        var configuration = MediaConfiguration()
        configuration.port = 0
        configuration.workers = 1
        let server = try MediaServer(configuration: configuration)
        try await server.start()
        return server
    }

    /// A VP8 key frame whose first payload byte after the descriptor says who sent it.
    static func frame(_ marker: UInt8, sequence: UInt16, ssrc: UInt32) -> RTPPacket {
        RTPPacket(payloadType: 96, sequenceNumber: sequence, timestamp: UInt32(sequence) * 3000, ssrc: ssrc,
                  payload: [0x10, 0x00, marker] + [UInt8](repeating: marker, count: 100))
    }

    static func nextVideo(_ peer: SRTPTestPeer) throws -> UInt8? {
        while let p = try peer.receiveRTP() {
            if p.payloadType != 111 { return p.payload.count > 2 ? p.payload[2] : nil }
        }
        return nil
    }

    @Test func onlyStreamersStreamAndTheNextOneTakesOver() async throws {
        let server = try await Self.server()
        let port = server.workers[0].localPort
        var settings = RoomSettings()
        settings.streamers = ["alice", "bob"]
        _ = try await server.createRoom(id: "stage", kind: .streaming, description: nil, settings: settings)
        let offer = try StreamingOffers.streamer()

        let a = try await server.addParticipant(roomID: "stage", .init(offer: offer, role: .streamer, userID: "alice"))
        await #expect(throws: ControlError.self) {
            _ = try await server.addParticipant(roomID: "stage", .init(offer: offer, role: .streamer, userID: "carol"))
        }
        do {
            _ = try await server.addParticipant(roomID: "stage", .init(offer: offer, role: .streamer))
            Issue.record("a streamer without a user id was accepted")
        } catch {
            guard case ControlError.notAllowed = error else { Issue.record("not not_allowed: \(error)"); return }
        }
        let b = try await server.addParticipant(roomID: "stage", .init(offer: offer, role: .streamer, userID: "bob"))
        let v = try await server.addParticipant(roomID: "stage", .init(offer: try StreamingOffers.viewer(), role: .viewer))
        let info = try await server.room(id: "stage")
        #expect(info.participants.map(\.id) == [a.id, b.id, v.id])
        #expect(info.participants[0].notice == nil && info.participants[1].notice?.hasPrefix("standby") == true)
        #expect(info.participants.map(\.userId) == ["alice", "bob", nil])

        let alice = try SRTPTestPeer(seed: 0x10, bridgePort: port)
        try await alice.establish(server, room: "stage", participant: a.id)
        let bob = try SRTPTestPeer(seed: 0x20, bridgePort: port)
        try await bob.establish(server, room: "stage", participant: b.id)
        let viewer = try SRTPTestPeer(seed: 0x30, bridgePort: port)
        try await viewer.establish(server, room: "stage", participant: v.id)

        // alice is forwarded; bob, on standby, is not.
        try alice.sendRTP(Self.frame(0xA1, sequence: 1, ssrc: 0xA000_0001))
        #expect(try Self.nextVideo(viewer) == 0xA1)
        try bob.sendRTP(Self.frame(0xB1, sequence: 1, ssrc: 0xB000_0001))
        try alice.sendRTP(Self.frame(0xA2, sequence: 2, ssrc: 0xA000_0001))
        #expect(try Self.nextVideo(viewer) == 0xA2)

        // alice leaves: bob is the streamer at once, is asked for a key frame, and is forwarded.
        try await server.removeParticipant(roomID: "stage", id: a.id)
        #expect(try bob.receiveRTCP(type: 206) != nil, "no PLI to the streamer that took over")
        try bob.sendRTP(Self.frame(0xB2, sequence: 2, ssrc: 0xB000_0001))
        #expect(try Self.nextVideo(viewer) == 0xB2)
        let after = try await server.room(id: "stage")
        #expect(after.participants.map(\.id) == [b.id, v.id] && after.participants[0].notice == nil)
        await server.shutdown()
    }

    @Test func withoutAStreamersListASecondStreamerIsRefused() async throws {
        let server = try await Self.server()
        _ = try await server.createRoom(id: "open", kind: .streaming, description: nil)
        let offer = try StreamingOffers.streamer()
        _ = try await server.addParticipant(roomID: "open", .init(offer: offer, role: .streamer, userID: "x"))
        do {
            _ = try await server.addParticipant(roomID: "open", .init(offer: offer, role: .streamer, userID: "y"))
            Issue.record("second streamer accepted")
        } catch {
            guard case ControlError.streamerPresent = error else { Issue.record("not streamer_present: \(error)"); return }
        }
        var settings = RoomSettings()
        settings.streamers = ["*"]
        await #expect(throws: ControlError.invalidOption(.streamingOnly("streamers"))) {
            _ = try await server.createRoom(id: "c", kind: .conference, description: nil, settings: settings)
        }
        settings.streamers = ["bad id!"]
        await #expect(throws: ControlError.self) {
            _ = try await server.createRoom(id: "s", kind: .streaming, description: nil, settings: settings)
        }
        await server.shutdown()
    }

    /// `max_viewers`: a streaming room refuses the viewer over its limit (joins under way
    /// count), takes one again once a viewer left, and shows the limit; other kinds refuse it.
    @Test func aStreamingRoomsViewerLimit() async throws {
        let server = try await Self.server()
        var settings = RoomSettings()
        settings.maxViewers = 2
        let created = try await server.createRoom(id: "small", kind: .streaming, description: nil, settings: settings)
        #expect(created.maxViewers == 2)
        let offer = try StreamingOffers.viewer()
        // Three at once: exactly two get in.
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<3 {
                group.addTask { (try? await server.addParticipant(roomID: "small", .init(offer: offer, role: .viewer))) != nil }
            }
            var out: [Bool] = []
            for await r in group { out.append(r) }
            return out
        }
        #expect(results.filter { $0 }.count <= 2)
        var present = try await server.room(id: "small").participants.map(\.id)
        while present.count < 2 {
            present.append(try await server.addParticipant(roomID: "small", .init(offer: offer, role: .viewer)).id)
        }
        await #expect(throws: ControlError.viewerLimit(room: "small", limit: 2)) {
            _ = try await server.addParticipant(roomID: "small", .init(offer: offer, role: .viewer))
        }
        // A streamer is not a viewer: it still gets in.
        _ = try await server.addParticipant(roomID: "small", .init(offer: try StreamingOffers.streamer(), role: .streamer))
        try await server.removeParticipant(roomID: "small", id: present[0])
        _ = try await server.addParticipant(roomID: "small", .init(offer: offer, role: .viewer))
        await #expect(throws: ControlError.invalidOption(.streamingOnly("max_viewers"))) {
            _ = try await server.createRoom(id: "c", kind: .conference, description: nil, settings: settings)
        }
        await server.shutdown()
    }

    @Test(arguments: [SingleAccess?.none, .refuse, .replace])
    func singleAccess(_ mode: SingleAccess?) async throws {
        let server = try await Self.server()
        var settings = RoomSettings()
        settings.singleAccess = mode
        _ = try await server.createRoom(id: "desk", kind: .conference, description: nil, settings: settings)
        let offer = try StreamingOffers.viewer()
        let first = try await server.addParticipant(roomID: "desk", .init(offer: offer, role: .viewer, userID: "ann"))
        let second: MediaServer.ParticipantCreated?
        do {
            second = try await server.addParticipant(roomID: "desk", .init(offer: offer, role: .viewer, userID: "ann"))
        } catch {
            #expect(error == .alreadyJoined(room: "desk", user: "ann"))
            second = nil
        }
        let ids = try await server.room(id: "desk").participants.map(\.id)
        switch mode {
        case nil: #expect(ids == [first.id, second?.id])
        case .refuse?: #expect(second == nil && ids == [first.id])
        case .replace?: #expect(ids == [second?.id])
        }
        // Asked for by the participant (a token's single_access): refused, unless the room replaces.
        var request = MediaServer.ParticipantRequest(offer: offer, role: .viewer, userID: "ann")
        request.singleAccess = true
        if mode == .replace {
            let third = try await server.addParticipant(roomID: "desk", request)
            #expect(try await server.room(id: "desk").participants.map(\.id) == [third.id])
        } else {
            await #expect(throws: ControlError.self) { _ = try await server.addParticipant(roomID: "desk", request) }
        }
        // Gone, the user may join again.
        for id in try await server.room(id: "desk").participants.map(\.id) {
            try await server.removeParticipant(roomID: "desk", id: id)
        }
        _ = try await server.addParticipant(roomID: "desk", request)
        await server.shutdown()
    }

    @Test func moderatorsAreGrantedAndRevoked() async throws {
        let server = try await Self.server()
        _ = try await server.createRoom(id: "board", kind: .conference, description: nil)
        let offer = try StreamingOffers.viewer()
        let chair = try await server.addParticipant(roomID: "board", .init(offer: offer, role: .viewer, userID: "chair", moderator: true))
        let bob = try await server.addParticipant(roomID: "board", .init(offer: offer, role: .viewer, userID: "bob"))
        #expect(await server.isModerator(roomID: "board", user: "chair"))
        #expect(!(await server.isModerator(roomID: "board", user: "bob")))
        try await server.setModerator(roomID: "board", participantID: bob.id, moderator: true)
        #expect(await server.isModerator(roomID: "board", user: "bob"))
        #expect(try await server.participant(roomID: "board", id: bob.id).moderator == true)
        try await server.setModerator(roomID: "board", participantID: bob.id, moderator: false)
        #expect(!(await server.isModerator(roomID: "board", user: "bob")))
        // One who left is no moderator any more.
        try await server.removeParticipant(roomID: "board", id: chair.id)
        #expect(!(await server.isModerator(roomID: "board", user: "chair")))
        await #expect(throws: ControlError.participantNotFound(room: "board", participant: chair.id)) {
            try await server.setModerator(roomID: "board", participantID: chair.id, moderator: true)
        }
        // The kept events, replayed to a subscriber that then leaves (which ends its stream).
        let (id, kept) = server.events.subscribe(after: 0)
        server.events.unsubscribe(id)
        var types: [String] = []
        for await e in kept where e.event.name.hasPrefix("moderator_") { types.append(e.event.name) }
        #expect(types == ["moderator_granted", "moderator_revoked"])
        await server.shutdown()
    }

    @Test func aStreamingRoomsViewerWaitsInTheLobby() async throws {
        let server = try await Self.server()
        let port = server.workers[0].localPort
        var settings = RoomSettings()
        settings.lobby = true
        _ = try await server.createRoom(id: "hall", kind: .streaming, description: nil, settings: settings)
        let s = try await server.addParticipant(roomID: "hall", .init(offer: try StreamingOffers.streamer(), role: .streamer))
        let v = try await server.addParticipant(roomID: "hall", .init(offer: try StreamingOffers.viewer(), role: .viewer))
        #expect(v.lobby == true)
        #expect(try await server.participant(roomID: "hall", id: v.id).notice?.hasPrefix("lobby") == true)
        let streamer = try SRTPTestPeer(seed: 0x40, bridgePort: port)
        try await streamer.establish(server, room: "hall", participant: s.id)
        let viewer = try SRTPTestPeer(seed: 0x50, bridgePort: port)
        try await viewer.establish(server, room: "hall", participant: v.id)

        let ssrc: UInt32 = 0xC000_0001
        try streamer.sendRTP(Self.frame(0xA1, sequence: 1, ssrc: ssrc))  // not for the viewer in the lobby
        try await Task.sleep(for: .milliseconds(200))
        // Admitted: it starts at once from the latest key frame (instant join), then goes on live.
        try await server.lobby(roomID: "hall", participantID: v.id, action: .admit)
        let first = try #require(try viewer.receiveRTP())
        #expect(first.payload[2] == 0xA1)
        try streamer.sendRTP(Self.frame(0xA2, sequence: 2, ssrc: ssrc))
        let second = try #require(try viewer.receiveRTP())
        #expect(second.payload[2] == 0xA2 && second.sequenceNumber == first.sequenceNumber &+ 1)
        // Back to the lobby, then admitted again: nothing while it waits, and its stream goes on
        // from the latest key frame with its numbering continuous.
        try await server.lobby(roomID: "hall", participantID: v.id, action: .wait)
        try streamer.sendRTP(Self.frame(0xA3, sequence: 3, ssrc: ssrc))
        try await Task.sleep(for: .milliseconds(200))
        try await server.lobby(roomID: "hall", participantID: v.id, action: .admit)
        let next = try #require(try viewer.receiveRTP())
        #expect(next.payload[2] == 0xA3)
        #expect(next.ssrc == first.ssrc && next.sequenceNumber == second.sequenceNumber &+ 1)
        // A streamer never waits; a denied viewer is removed.
        let late = try await server.addParticipant(roomID: "hall", .init(offer: try StreamingOffers.viewer(), role: .viewer))
        try await server.lobby(roomID: "hall", participantID: late.id, action: .deny)
        #expect(try await server.room(id: "hall").participants.map(\.id) == [s.id, v.id])
        await #expect(throws: ControlError.participantNotFound(room: "hall", participant: "nobody")) {
            try await server.lobby(roomID: "hall", participantID: "nobody", action: .admit)
        }
        await server.shutdown()
    }
}
