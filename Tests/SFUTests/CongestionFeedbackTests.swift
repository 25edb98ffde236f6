import Foundation
import RTP
import Testing
@testable import SFU

/// Congestion feedback to publishers: transport-cc on every packet that carries a transport-wide
/// sequence number (what arrived when, what did not), and the bitrate limit in REMB.
@Suite struct CongestionFeedbackTests {
    /// What one flush reports: (sequence number, arrival µs or nil) per packet, over every
    /// feedback packet it wrote.
    static func flush(_ recorder: inout TransportFeedbackRecorder) throws -> [(UInt16, Int64?)] {
        var out: [(UInt16, Int64?)] = []
        var failure: (any Error)?
        recorder.flush { bytes in
            do {
                let fb = try TransportWideCongestionControl(parsing: bytes)
                for (status, time) in zip(fb.packets, fb.arrivalTimes) { out.append((status.sequenceNumber, time)) }
            } catch { failure = error }
        }
        if let failure { throw failure }
        return out
    }

    enum Step {
        case arrive(UInt16, Int64)
        /// Flush, and what it must report: sequence numbers, nil where lost.
        case report([UInt16], lost: Set<UInt16> = [])
    }

    static let tables: [(String, [Step])] = [
        ("in order", [.arrive(10, 1_000), .arrive(11, 2_000), .arrive(12, 3_000), .report([10, 11, 12]), .report([])]),
        ("a loss is reported, and not again when the packet comes late",
         [.arrive(10, 1_000), .arrive(12, 3_000), .report([10, 11, 12], lost: [11]), .arrive(11, 4_000), .arrive(13, 5_000), .report([13])]),
        ("reordered within a report", [.arrive(10, 1_000), .arrive(12, 2_000), .arrive(11, 3_000), .report([10, 11, 12])]),
        ("across the 16-bit wrap", [.arrive(65534, 1_000), .arrive(65535, 2_000), .arrive(1, 3_000), .report([65534, 65535, 0, 1], lost: [0])]),
        ("older than the first is ignored", [.arrive(100, 1_000), .arrive(99, 2_000), .report([100])]),
        ("a jump past the ring starts over", [.arrive(10, 1_000), .report([10]), .arrive(10 + 5000, 2_000), .report([5010])]),
    ]

    @Test(arguments: tables)
    func recordsAndReports(name: String, steps: [Step]) throws {
        var recorder = TransportFeedbackRecorder(extensionID: 3)
        defer { recorder.deallocate() }
        var arrived: [UInt16: Int64] = [:]
        for step in steps {
            switch step {
            case .arrive(let seq, let time):
                recorder.received(sequence: seq, ssrc: 7, at: time)
                arrived[seq] = time
            case .report(let expected, let lost):
                let reported = try Self.flush(&recorder)
                #expect(reported.map(\.0) == expected, "\(name)")
                for (seq, time) in reported {
                    if lost.contains(seq) {
                        #expect(time == nil, "\(name): \(seq) reported received")
                    } else {
                        // Arrival times come back to within one 250 µs tick.
                        let t = try #require(time, "\(name): \(seq) reported lost")
                        #expect((0..<250).contains(arrived[seq]! - t), "\(name): \(seq) at \(t), arrived \(arrived[seq]!)")
                    }
                }
            }
        }
    }

    @Test func aLongReportIsSplitIntoSeveralPackets() throws {
        var recorder = TransportFeedbackRecorder(extensionID: 3)
        defer { recorder.deallocate() }
        // 3000 packets, every third lost, deltas alternating small and large: more than one
        // 1200-byte packet's worth.
        var time: Int64 = 0
        for i in 0..<3000 where i % 3 != 0 {
            time += i % 2 == 0 ? 100_000 : 500
            recorder.received(sequence: UInt16(i), ssrc: 7, at: time)
        }
        var packets = 0
        var reported: [UInt16] = []
        recorder.flush { bytes in
            packets += 1
            if let fb = try? TransportWideCongestionControl(parsing: bytes) { reported += fb.packets.map(\.sequenceNumber) }
        }
        #expect(packets > 1)
        #expect(reported == (1..<3000).map { UInt16($0) })
        #expect(recorder.feedbackWritten == UInt64(packets))
    }

    // MARK: through the bridge

    /// A Chromium streamer's packet with transport-wide sequence number `twcc` (extension 3 in
    /// its offer).
    static func packet(sequence: UInt16, twcc: UInt16, ssrc: UInt32, key: Bool = true) -> RTPPacket {
        var p = RoomGovernanceTests.frame(0x42, sequence: sequence, ssrc: ssrc)
        if !key { p.payload[1] = 0x01 }
        p.extensions = [RTPHeaderExtension(id: 3, value: [UInt8(twcc >> 8), UInt8(twcc & 0xFF)])]
        return p
    }

    /// The RTCP packets of payload type `type` and format `format` that reach `peer` within `window`.
    static func rtcp(_ peer: SRTPTestPeer, type: UInt8, format: UInt8, within window: Duration) throws -> [[UInt8]] {
        let deadline = ContinuousClock.now + window
        var out: [[UInt8]] = []
        while ContinuousClock.now < deadline, let r = try peer.receive() {
            guard case .rtcp(let bytes) = r else { continue }
            var iterator = RTCPCompoundIterator(UnsafeRawBufferPointer(start: bytes, count: bytes.count))
            while let (_, range) = iterator.next() {
                let packet = Array(bytes[range])
                if packet[1] == type, packet[0] & 0x1F == format { out.append(packet) }
            }
        }
        return out
    }

    @Test func aStreamerGetsTransportFeedbackAndItsBitrateLimit() async throws {
        var join = MediaServer.ParticipantRequest(offer: try StreamingOffers.streamer(), role: .streamer)
        join.maxBitrate = 300_000  // below the room's: it applies
        let call = try await StreamingCall.start(room: "fb", settings: RoomSettings(maxBitrate: 800_000), streamer: join, seed: 0x60)
        let (server, streamer, viewer) = (call.server, call.streamer, call.viewer)
        let ssrc: UInt32 = 0xB000_0001

        // 20 packets, transport-wide numbers 1000-1019 with 1005 lost on the way.
        for i in 0..<20 where i != 5 {
            try streamer.sendRTP(Self.packet(sequence: UInt16(100 + i), twcc: UInt16(1000 + i), ssrc: ssrc, key: i == 0))
            try await Task.sleep(for: .milliseconds(5))
        }
        var reported: [UInt16: Bool] = [:]
        for bytes in try Self.rtcp(streamer, type: 205, format: 15, within: .milliseconds(600)) {
            let fb = try TransportWideCongestionControl(parsing: UnsafeRawBufferPointer(start: bytes, count: bytes.count))
            for p in fb.packets { reported[p.sequenceNumber] = p.symbol != .notReceived }
        }
        #expect(reported.count == 20, "\(reported.keys.sorted())")
        #expect((1000..<1020).allSatisfy { reported[UInt16($0)] == ($0 != 1005) })

        // The limit: a REMB for the streamer's stream, with the lower of the two limits.
        let rembs = try Self.rtcp(streamer, type: 206, format: 15, within: .milliseconds(1500))
        let remb = try ReceiverEstimatedMaximumBitrate(parsing: UnsafeRawBufferPointer(start: try #require(rembs.first), count: rembs[0].count))
        #expect(remb.bitrate == 300_000 && remb.ssrcs == [ssrc])
        let info = try await server.participant(roomID: "fb", id: call.streamerID)
        #expect(info.maxBitrate == 300_000 && info.bitrateLimitsSent >= 1 && info.transportFeedbackSent >= 1)

        // The viewer gets the stream without the streamer's transport-wide numbers.
        var forwarded = 0
        while let p = try viewer.receiveRTP() {
            guard p.payloadType != 111 else { continue }
            forwarded += 1
            #expect(!p.extensions.contains { $0.value.count == 2 && $0.value[0] == 0x03 }, "\(p.extensions)")
            if forwarded == 5 { break }
        }
        #expect(forwarded == 5)
        await server.shutdown()
    }

    @Test func aBitrateOutOfRangeIsRefused() async throws {
        let server = try await RoomGovernanceTests.server()
        await #expect(throws: ControlError.invalidOption(.maxBitrate(500, allowed: MediaServer.bitrateRange))) {
            _ = try await server.createRoom(id: "low", kind: .streaming, description: nil, settings: RoomSettings(maxBitrate: 500))
        }
        _ = try await server.createRoom(id: "ok", kind: .streaming, description: nil)
        var join = MediaServer.ParticipantRequest(offer: try StreamingOffers.streamer(), role: .streamer)
        join.maxBitrate = 0
        do {
            _ = try await server.addParticipant(roomID: "ok", join)
            Issue.record("a max_bitrate of 0 was accepted")
        } catch {
            #expect(error == .invalidOption(.maxBitrate(0, allowed: MediaServer.bitrateRange)))
        }
        await server.shutdown()
    }
}
