import Foundation
import ICE
import RTP
import Testing
@testable import SFU

/// A streaming room's viewers spread over workers: each viewer is answered with its worker's
/// port, gets the streamer's packets rewritten into its own SSRC / sequence / timestamp /
/// payload type / extension ID spaces, sender reports mapped into them, NACKs answered from the
/// home worker's retransmission buffer, and its PLIs reach the streamer. Real UDP sockets and
/// SRTP, through `MediaServer` (ICE and DTLS skipped).
@Suite struct SpreadViewersTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var workers: Int
        var spread: Bool
        /// Where the four viewers go (the room is on worker 0, with its streamer).
        var placement: [Int]
        var testDescription: String { "\(workers) worker(s), spreadViewers \(spread)" }
    }

    static let videoSSRC: UInt32 = 0x5000_0001
    static let audioSSRC: UInt32 = 0x5000_0002

    @Test(arguments: [
        // Least-loaded worker, the home one on a tie: the streamer's worker has one transport.
        Case(workers: 2, spread: true, placement: [1, 0, 1, 0]),
        Case(workers: 2, spread: false, placement: [0, 0, 0, 0]),
        Case(workers: 1, spread: true, placement: [0, 0, 0, 0]),
    ])
    func viewersOnEveryWorkerGetTheirOwnStreams(_ c: Case) async throws {
        var configuration = MediaConfiguration()
        configuration.port = 0
        configuration.workers = c.workers
        configuration.spreadViewers = c.spread
        let server = try MediaServer(configuration: configuration)
        try await server.start()
        let ports = server.workers.map(\.localPort)
        _ = try await server.createRoom(id: "live", kind: .streaming, description: nil)

        let s = try await server.addParticipant(roomID: "live", .init(offer: try StreamingOffers.streamer(), role: .streamer))
        #expect(try StreamingOffers.parse(answer: s.answer, kind: .video).port == ports[0])
        let streamer = try SRTPTestPeer(seed: 0x10, bridgePort: ports[0])
        try await streamer.establish(server, room: "live", participant: s.id)

        var viewers: [(id: String, peer: SRTPTestPeer, video: UInt32, audio: UInt32, rtx: UInt32)] = []
        for i in 0..<4 {
            let v = try await server.addParticipant(roomID: "live", .init(offer: try StreamingOffers.viewer(), role: .viewer))
            let video = try StreamingOffers.parse(answer: v.answer, kind: .video)
            let audio = try StreamingOffers.parse(answer: v.answer, kind: .audio)
            // Answered with the port of the worker that serves it.
            #expect(video.port == ports[c.placement[i]], "viewer \(i)")
            #expect(await server.workerIndex(roomID: "live", participantID: v.id) == c.placement[i])
            let peer = try SRTPTestPeer(seed: UInt8(0x20 + 4 * i), bridgePort: ports[c.placement[i]])
            try await peer.establish(server, room: "live", participant: v.id)
            let rtx = try StreamingOffers.rtx(answer: v.answer, payloadType: 127)
            #expect(rtx.payloadType == 97, "viewer \(i): RTX for VP8")
            viewers.append((v.id, peer, try #require(video.ssrc), try #require(audio.ssrc), try #require(rtx.ssrc)))
        }

        // 40 VP8 packets (a key frame first) across the sequence wrap with abs-send-time
        // (extension 2), and 20 Opus packets in between.
        var sentVideo: [RTPPacket] = []
        var sentAudio: [RTPPacket] = []
        for i in 0..<40 {
            let payload: [UInt8] = (i == 0 ? [0x10, 0x00] : [0x10, 0x01]) + [UInt8](repeating: UInt8(i), count: 200)
            let p = RTPPacket(payloadType: 96, sequenceNumber: UInt16(truncatingIfNeeded: 65520 + i),
                              timestamp: 4_294_000_000 &+ UInt32(3000 * i), ssrc: Self.videoSSRC,
                              extensions: [RTPHeaderExtension(id: 2, value: [UInt8(i), 1, 2])], payload: payload)
            try streamer.sendRTP(p)
            sentVideo.append(p)
            if i % 2 == 1 {
                let a = RTPPacket(payloadType: 111, sequenceNumber: UInt16(100 + i / 2), timestamp: UInt32(960 * i / 2),
                                  ssrc: Self.audioSSRC, payload: [UInt8](repeating: 0xA0 | UInt8(i / 2 & 0xF), count: 80))
                try streamer.sendRTP(a)
                sentAudio.append(a)
            }
        }

        // Each viewer "loses" video packets 5 and 6 (asked for again below).
        let lost = [5, 6]
        var firstTimestamp: [UInt32] = []
        var firstSequence: [UInt16] = []
        for (i, v) in viewers.enumerated() {
            var video: [RTPPacket] = [], audio: [RTPPacket] = []
            while video.count < sentVideo.count - lost.count || audio.count < sentAudio.count, let p = try v.peer.receiveRTP() {
                if p.ssrc == v.video {
                    if video.isEmpty { v.peer.lose = (v.video, Set(lost.map { p.sequenceNumber &+ UInt16($0) })) }
                    video.append(p)
                } else if p.ssrc == v.audio {
                    audio.append(p)
                } else {
                    Issue.record("viewer \(i): unexpected SSRC \(p.ssrc)")
                }
            }
            #expect(video.count == sentVideo.count - lost.count && audio.count == sentAudio.count,
                    "viewer \(i) on worker \(c.placement[i])")
            guard video.count == sentVideo.count - lost.count, audio.count == sentAudio.count else { continue }
            let indices = (0..<sentVideo.count).filter { !lost.contains($0) }
            for (k, p) in zip(indices, video) {
                #expect(p.payloadType == 127)
                #expect(p.sequenceNumber == video[0].sequenceNumber &+ UInt16(k))
                #expect(p.timestamp &- video[0].timestamp == UInt32(3000 * k))
                #expect(p.payload == sentVideo[k].payload)
                #expect(p.extensions.first { $0.id == 9 }?.value == [UInt8(k), 1, 2], "abs-send-time under the viewer's ID")
            }
            for (k, p) in audio.enumerated() {
                #expect(p.payloadType == 111)
                #expect(p.sequenceNumber == audio[0].sequenceNumber &+ UInt16(k))
                #expect(p.payload == sentAudio[k].payload)
            }
            firstTimestamp.append(video[0].timestamp)
            firstSequence.append(video[0].sequenceNumber)
        }
        try #require(firstSequence.count == viewers.count)

        // A sender report from the streamer reaches every viewer (at its group's next tick)
        // with its SSRC and the RTP time in its timestamp space.
        var sr = [UInt8](repeating: 0, count: 28)
        _ = sr.withUnsafeMutableBytes {
            SenderReport.serialize(ssrc: Self.videoSSRC, ntpTimestamp: 0x1122_3344_5566_7788, rtpTimestamp: 4_294_000_000 &+ 200_000,
                                   packetCount: 40, octetCount: 8000, reportBlock: nil, into: $0)
        }
        try streamer.sendRTCP(sr)
        for (i, v) in viewers.enumerated() {
            let report = try #require(try v.peer.receiveRTCP(type: 200), "viewer \(i): no sender report")
            let word = { (o: Int) in UInt32(report[o]) << 24 | UInt32(report[o + 1]) << 16 | UInt32(report[o + 2]) << 8 | UInt32(report[o + 3]) }
            #expect(word(4) == v.video)
            #expect(word(8) == 0x1122_3344 && word(12) == 0x5566_7788)
            #expect(word(16) == firstTimestamp[i] &+ 200_000)
        }

        // NACKs: the lost packets again, as the viewer numbers them, from the home worker's buffer,
        // in RTX (RFC 4588): on the RTX SSRC and payload type, the original sequence number first.
        for (i, v) in viewers.enumerated() {
            var nack = [UInt8](repeating: 0, count: 64)
            let n = nack.withUnsafeMutableBytes {
                TransportLayerNack(senderSSRC: 1, mediaSSRC: v.video,
                                   lostSequenceNumbers: lost.map { firstSequence[i] &+ UInt16($0) }).serialize(into: $0)
            }
            try v.peer.sendRTCP(Array(nack[0..<n]))
            var rtxSequences: [UInt16] = []
            for k in lost {
                let p = try #require(try v.peer.receiveRTP(), "viewer \(i): no retransmission")
                let original = firstSequence[i] &+ UInt16(k)
                #expect(p.ssrc == v.rtx && p.payloadType == 97)
                #expect(Array(p.payload.prefix(2)) == [UInt8(original >> 8), UInt8(original & 0xFF)])
                #expect(p.timestamp == firstTimestamp[i] &+ UInt32(3000 * k))
                #expect(Array(p.payload.dropFirst(2)) == sentVideo[k].payload)
                #expect(p.extensions.first { $0.id == 9 }?.value == [UInt8(k), 1, 2])
                rtxSequences.append(p.sequenceNumber)
            }
            #expect(zip(rtxSequences, rtxSequences.dropFirst()).allSatisfy { $1 == $0 &+ 1 }, "RTX numbers its own stream")
        }

        // A PLI from the first viewer (on another worker when spread) reaches the streamer.
        var pli = [UInt8](repeating: 0, count: 12)
        _ = pli.withUnsafeMutableBytes { PictureLossIndication(senderSSRC: 1, mediaSSRC: viewers[0].video).serialize(into: $0) }
        try viewers[0].peer.sendRTCP(pli)
        let request = try #require(try streamer.receiveRTCP(type: 206), "no PLI at the streamer")
        #expect(request[0] & 0x1F == 1)
        #expect(UInt32(request[8]) << 24 | UInt32(request[9]) << 16 | UInt32(request[10]) << 8 | UInt32(request[11]) == Self.videoSSRC)

        // The control plane sees one room across workers: streamer first, viewers in join order.
        let info = try await server.room(id: "live")
        #expect(info.participants.map(\.id) == [s.id] + viewers.map(\.id))
        let remote = try await server.participant(roomID: "live", id: viewers[0].id)
        #expect(remote.packetsSent >= 62 && remote.state == "connected")
        try await server.removeParticipant(roomID: "live", id: viewers[0].id)
        #expect(try await server.room(id: "live").participants.count == 4)
        let stats = await server.stats()
        #expect(stats.participants["viewer"] == 3)
        #expect(stats.dropped["worker_ring_full"] == nil)
        try await server.deleteRoom(id: "live")
        await server.shutdown()
    }
}
