import Foundation
import RTP
import Testing
@testable import SFU

/// Loss on a publisher's uplink: what goes missing is asked for at once, again after the retry
/// interval, not once it came, and not for ever; through the bridge, the repaired packet
/// reaches the viewer.
@Suite struct NackRequesterTests {
    /// What a request written at `ms` asks for (nil: nothing written).
    static func request(_ r: inout NackRequester, at ms: Int) throws -> [UInt16]? {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1200, alignment: 8)
        defer { buffer.deallocate() }
        let n = r.writeRequest(mediaSSRC: 0xABCD, now: .milliseconds(ms), into: buffer)
        guard n > 0 else { return nil }
        let nack = try TransportLayerNack(parsing: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        #expect(nack.mediaSSRC == 0xABCD && nack.senderSSRC == 1)
        return nack.lostSequenceNumbers
    }

    /// A packet arrives at `ms`: whether a request is due.
    static func arrive(_ r: inout NackRequester, _ sequence: UInt16, at ms: Int) -> Bool {
        r.received(sequence, now: .milliseconds(ms))
    }

    @Test func aGapIsAskedForAtOnceThenRetriedThenForgotten() throws {
        var r = NackRequester()
        var due = Self.arrive(&r, 10, at: 0)
        #expect(!due)
        due = Self.arrive(&r, 13, at: 1)  // 11 and 12 missing
        #expect(due)
        #expect(try Self.request(&r, at: 1) == [11, 12])
        due = Self.arrive(&r, 14, at: 50)  // nothing due before 100 ms
        #expect(!due)
        due = Self.arrive(&r, 12, at: 60)  // 12 came
        #expect(!due)
        due = Self.arrive(&r, 15, at: 101)
        #expect(due)
        #expect(try Self.request(&r, at: 101) == [11])
        due = Self.arrive(&r, 16, at: 201)
        #expect(due)
        #expect(try Self.request(&r, at: 201) == [11])  // the third try
        for (sequence, ms) in [(17, 301), (18, 401)] {  // the fourth and fifth (12's repair took 59 ms: retries every 100)
            #expect(Self.arrive(&r, UInt16(sequence), at: ms))
            #expect(try Self.request(&r, at: ms) == [11])
        }
        if Self.arrive(&r, 19, at: 501) {
            #expect(try Self.request(&r, at: 501) == nil)  // no sixth
        }
        #expect(r.count == 0 && r.requested == 6 && r.recovered == 1 && r.givenUp == 1)
    }

    /// Retries follow how long repairs take: twice that, at least 20 ms, at most 100.
    @Test func retriesFollowTheRepairDelay() throws {
        var r = NackRequester()
        #expect(r.retryInterval == .milliseconds(100))
        _ = r.received(0, now: .zero)
        _ = r.received(2, now: .zero)
        #expect(try Self.request(&r, at: 0) == [1])
        _ = r.received(1, now: .milliseconds(4))  // repaired 4 ms after the request
        #expect(r.repairDelay == .milliseconds(4) && r.retryInterval == .milliseconds(20))
        _ = r.received(4, now: .milliseconds(10))  // 3 missing: asked at once, again 20 ms later
        #expect(try Self.request(&r, at: 10) == [3])
        #expect(!Self.arrive(&r, 5, at: 25))
        #expect(Self.arrive(&r, 6, at: 30))
        #expect(try Self.request(&r, at: 30) == [3])
    }

    @Test func requestsPackIntoPairsAcrossTheWrap() throws {
        var r = NackRequester()
        _ = r.received(65530, now: .zero)
        // Missing: 65531...65535, 0, 1 (seven in one pair), then 20 (another pair).
        _ = r.received(2, now: .milliseconds(1))
        _ = r.received(19, now: .milliseconds(1))  // 3...18 missing too
        #expect(try Self.request(&r, at: 1) == Array(65531...65535).map { UInt16($0) } + Array(0...1) + Array(3...18))
    }

    @Test func aHugeGapIsNotAskedFor() {
        var r = NackRequester()
        _ = r.received(0, now: .zero)
        let due = Self.arrive(&r, 1000, at: 1)
        #expect(!due && r.count == 0)
    }

    @Test func oldLossesAreForgotten() throws {
        var r = NackRequester()
        _ = r.received(0, now: .zero)
        _ = r.received(2, now: .zero)
        _ = try Self.request(&r, at: 0)
        let due = Self.arrive(&r, 3, at: 1100)
        #expect(due)
        #expect(try Self.request(&r, at: 1100) == nil)
        #expect(r.count == 0 && r.givenUp == 1)
    }

    /// A publisher with RTX (Chromium's offer has it): the bridge's NACK is answered on the RTX
    /// stream, whose packet goes to the viewer as the one it repairs; RTX padding goes nowhere;
    /// a packet never repaired ends in a key-frame request.
    @Test func aRepairInRTXReachesTheViewerAndOneNeverRepairedAsksForAKeyFrame() async throws {
        let call = try await StreamingCall.start(room: "rtx-in", seed: 0x54)
        let (server, streamer, viewer) = (call.server, call.streamer, call.viewer)
        let (ssrc, rtxSSRC): (UInt32, UInt32) = (0xC100_0001, 0xC100_0002)
        try streamer.sendRTP(RoomGovernanceTests.frame(0x01, sequence: 1, ssrc: ssrc))
        try streamer.sendRTP(InstantJoinTests.delta(0x02, sequence: 2, ssrc: ssrc))
        try streamer.sendRTP(InstantJoinTests.delta(0x04, sequence: 4, ssrc: ssrc))  // 3 lost on the way
        let nacks = try CongestionFeedbackTests.rtcp(streamer, type: 205, format: 1, within: .milliseconds(300))
        #expect(try nacks.first.map { try TransportLayerNack(parsing: UnsafeRawBufferPointer(start: $0, count: $0.count)).lostSequenceNumbers } == [3])
        // On the RTX stream: padding, 2 again (as a probe: it came already), then 3, each with
        // its original number before its payload.
        try streamer.sendRTP(RTPPacket(payloadType: 97, sequenceNumber: 700, timestamp: 0, ssrc: rtxSSRC, paddingLength: 200))
        let again = InstantJoinTests.delta(0x02, sequence: 2, ssrc: ssrc)
        try streamer.sendRTP(RTPPacket(payloadType: 97, sequenceNumber: 701, timestamp: again.timestamp, ssrc: rtxSSRC, payload: [0, 2] + again.payload))
        let lost = InstantJoinTests.delta(0x03, sequence: 3, ssrc: ssrc)
        try streamer.sendRTP(RTPPacket(payloadType: 97, sequenceNumber: 702, timestamp: lost.timestamp, ssrc: rtxSSRC, payload: [0, 3] + lost.payload))
        var received: [RTPPacket] = []
        while received.count < 4, let p = try viewer.receiveRTP() {
            if p.payloadType != 111 { received.append(p) }
        }
        // Four packets, the repair among them as it was sent (neither the padding nor 2 again).
        #expect(received.map { $0.payload.count > 2 ? $0.payload[2] : 0 } == [0x01, 0x02, 0x04, 0x03])
        #expect(received.map(\.payload) == [RoomGovernanceTests.frame(0x01, sequence: 1, ssrc: ssrc).payload,
                                             InstantJoinTests.delta(0x02, sequence: 2, ssrc: ssrc).payload,
                                             InstantJoinTests.delta(0x04, sequence: 4, ssrc: ssrc).payload, lost.payload])
        if let first = received.first, received.count == 4 {
            #expect(received[3].sequenceNumber == first.sequenceNumber &+ 2 && received[2].sequenceNumber == first.sequenceNumber &+ 3)
        }
        var info = try await server.participant(roomID: "rtx-in", id: call.streamerID)
        #expect(info.packetsRecovered == 1 && info.retransmissionsReceived == 1 && info.packetsGivenUp == 0)

        // 6 is lost and never repaired: asked for three times, then a key frame is asked for
        // (past the key-frame interval since the viewer's join asked for one).
        try await Task.sleep(for: .milliseconds(600))
        _ = try CongestionFeedbackTests.rtcp(streamer, type: 206, format: 1, within: .milliseconds(50))
        try streamer.sendRTP(InstantJoinTests.delta(0x05, sequence: 5, ssrc: ssrc))
        try streamer.sendRTP(InstantJoinTests.delta(0x07, sequence: 7, ssrc: ssrc))
        var plis = 0
        for sequence in UInt16(8)...12 {
            plis += try CongestionFeedbackTests.rtcp(streamer, type: 206, format: 1, within: .milliseconds(110)).count
            try streamer.sendRTP(InstantJoinTests.delta(UInt8(sequence), sequence: sequence, ssrc: ssrc))
        }
        plis += try CongestionFeedbackTests.rtcp(streamer, type: 206, format: 1, within: .milliseconds(100)).count
        info = try await server.participant(roomID: "rtx-in", id: call.streamerID)
        #expect(info.packetsGivenUp == 1)
        #expect(plis == 1)
        await server.shutdown()
    }

    @Test func theBridgeAsksTheStreamerAndTheViewerGetsTheRepair() async throws {
        let call = try await StreamingCall.start(room: "nack", seed: 0x50)
        let (server, streamer, viewer) = (call.server, call.streamer, call.viewer)
        let ssrc: UInt32 = 0xC000_0001
        try streamer.sendRTP(RoomGovernanceTests.frame(0x01, sequence: 1, ssrc: ssrc))
        try streamer.sendRTP(InstantJoinTests.delta(0x02, sequence: 2, ssrc: ssrc))
        try streamer.sendRTP(InstantJoinTests.delta(0x04, sequence: 4, ssrc: ssrc))  // 3 lost on the way
        let nacks = try CongestionFeedbackTests.rtcp(streamer, type: 205, format: 1, within: .milliseconds(300))
        let nack = try TransportLayerNack(parsing: UnsafeRawBufferPointer(start: try #require(nacks.first), count: nacks[0].count))
        #expect(nack.mediaSSRC == ssrc && nack.lostSequenceNumbers == [3])
        try streamer.sendRTP(InstantJoinTests.delta(0x03, sequence: 3, ssrc: ssrc))  // the retransmission
        var received: [RTPPacket] = []
        while received.count < 4, let p = try viewer.receiveRTP() {
            if p.payloadType != 111, p.payload.count > 2 { received.append(p) }
        }
        #expect(received.map { $0.payload[2] } == [0x01, 0x02, 0x04, 0x03])
        let info = try await server.participant(roomID: "nack", id: call.streamerID)
        #expect(info.packetsRequested == 1 && info.packetsRecovered == 1)

        // The viewer loses a packet and asks twice at once: it is sent again once (in RTX, its
        // original number first); asked again after the round trip (100 ms while unknown), it
        // is sent again.
        let first = try #require(received.first)
        let lostSequence = first.sequenceNumber &+ 4
        viewer.lose = (first.ssrc, [lostSequence])
        try streamer.sendRTP(InstantJoinTests.delta(0x05, sequence: 5, ssrc: ssrc))
        var request = [UInt8](repeating: 0, count: 64)
        let n = request.withUnsafeMutableBytes {
            TransportLayerNack(senderSSRC: 9, mediaSSRC: first.ssrc, lostSequenceNumbers: [lostSequence]).serialize(into: $0)
        }
        let rtx = try StreamingOffers.rtx(answer: call.viewerAnswer, payloadType: 127)
        func resends(within window: Duration) throws -> Int {
            let deadline = ContinuousClock.now + window
            var count = 0
            while ContinuousClock.now < deadline, let r = try viewer.receive() {
                if case .rtp(let p) = r, p.ssrc == rtx.ssrc, p.payloadType == rtx.payloadType,
                   Array(p.payload.prefix(2)) == [UInt8(lostSequence >> 8), UInt8(lostSequence & 0xFF)] {
                    count += 1
                }
            }
            return count
        }
        try await Task.sleep(for: .milliseconds(50))
        try viewer.sendRTCP(Array(request[0..<n]))
        try viewer.sendRTCP(Array(request[0..<n]))
        #expect(try resends(within: .milliseconds(150)) == 1)
        try viewer.sendRTCP(Array(request[0..<n]))
        #expect(try resends(within: .milliseconds(150)) == 1)
        await server.shutdown()
    }
}
