import Foundation
import RTP
import Testing
@testable import SFU

/// A conference member's media through the one Peer/Producer/Consumer core: what another member
/// publishes reaches it rewritten for it, and its receiver reports on what it receives are read
/// (its loss shows, a slow link is reported) as they are for a streaming room's viewers.
@Suite struct ConferenceMediaTests {
    @Test func aMembersLossOnWhatItReceivesIsASlowLink() async throws {
        let pair = try await ConferencePair()
        #expect(try pair.forwardOne())
        // b reports 20% loss (51/256) on a's camera as it receives it.
        let rr = ReceiverReport(ssrc: 0xB, reportBlocks: [ReceptionReport(ssrc: pair.videoSSRC, fractionLost: 51, cumulativeLost: 9,
                                                                          extendedHighestSequenceNumber: 100)])
        try pair.b.sendRTCP(RTCPPacket.receiverReport(rr).serialized())
        var slow: Event?
        for _ in 0..<200 where slow == nil {
            try await Task.sleep(for: .milliseconds(10))
            let (id, stream) = pair.server.events.subscribe(after: 0)
            pair.server.events.unsubscribe(id)
            for await e in stream where e.event.name == "slow_link" { slow = e.event }
        }
        #expect(slow == .slowLink(room: "pair", participant: pair.bID, role: .member, kind: .video, direction: .downlink,
                                  fractionLost: 51))
        await pair.shutdown()
    }

    @Test func whatAMemberPublishesReachesTheOther() async throws {
        let pair = try await ConferencePair()
        var got = 0
        for _ in 0..<50 where try pair.forwardOne() { got += 1 }
        #expect(got == 50)
        let info = try await pair.server.participant(roomID: "pair", id: pair.bID)
        let sub = info.tracks.first { $0.track == "\(pair.aID)/1" }
        #expect(sub?.outboundSSRC == pair.videoSSRC)
        #expect(sub?.packets == 50)
        await pair.shutdown()
    }
}
