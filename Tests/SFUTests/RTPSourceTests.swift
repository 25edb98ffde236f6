import Foundation
import Glibc
import RTP
import Testing
@testable import SFU

/// A streaming room fed by plain RTP: through `MediaServer`, with real UDP sockets for the
/// encoder and an SRTP viewer (ICE and DTLS skipped). The first sender is latched, others are
/// refused and counted, garbage is dropped and counted, a silent sender lets the port go, and a
/// new sender (a restarted encoder: new SSRC, new numbering) reaches the viewer with its
/// sequence numbers continuous.
@Suite struct RTPSourceTests {
    /// A plain UDP sender on loopback (an encoder).
    final class Encoder {
        let fd: Int32
        let port: UInt16
        init() {
            (fd, port) = loopbackPeerSocket(receiveBuffer: 1 << 16)
        }
        deinit { close(fd) }

        func send(_ bytes: [UInt8], to port: Int) {
            var to = sockaddr_in()
            to.sin_family = sa_family_t(AF_INET)
            to.sin_addr.s_addr = inet_addr("127.0.0.1")
            to.sin_port = UInt16(port).bigEndian
            _ = bytes.withUnsafeBytes { b in
                withUnsafePointer(to: &to) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, b.baseAddress, b.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                } }
            }
        }

        func send(_ packet: RTPPacket, to port: Int) {
            var out = [UInt8](repeating: 0, count: 2048)
            let n = out.withUnsafeMutableBytes { packet.serialize(into: $0) }
            send(Array(out[..<n]), to: port)
        }
    }

    /// A VP8 key frame as the encoder sends it (payload type 100, as `source` says).
    static func frame(_ marker: UInt8, sequence: UInt16, ssrc: UInt32) -> RTPPacket {
        var p = RoomGovernanceTests.frame(marker, sequence: sequence, ssrc: ssrc)
        p.payloadType = 100
        return p
    }

    static func server(silence: Duration = .milliseconds(300)) async throws -> MediaServer {
        var configuration = MediaConfiguration()
        configuration.port = 0
        configuration.workers = 1
        configuration.reportInterval = .milliseconds(100)
        configuration.rtpSourcePorts = 31000...31999
        configuration.rtpSourceSilence = silence
        let server = try MediaServer(configuration: configuration)
        try await server.start()
        return server
    }

    static let source = SourceSettings(rtp: RTPSourceSettings(video: .init(codec: "VP8", payloadType: 100), audio: .init(codec: "opus")))

    @Test func encoderToViewerWithLatchSilenceAndRestart() async throws {
        let server = try await Self.server()
        let (events, stream) = await server.events.subscribe()
        _ = events
        let created = try await server.createRoom(id: "tv", kind: .streaming, description: nil, settings: RoomSettings(source: Self.source))
        let tracks = try #require(created.source?.tracks)
        #expect(tracks.map(\.kind) == [.video, .audio])
        #expect(tracks.allSatisfy { (31000...31999).contains($0.port) && $0.state == "waiting" })
        #expect(tracks[0].payloadType == 100 && tracks[0].codec == "VP8" && tracks[1].payloadType == 111)
        let videoPort = tracks[0].port

        let v = try await server.addParticipant(roomID: "tv", .init(offer: try StreamingOffers.viewer(), role: .viewer))
        let viewer = try SRTPTestPeer(seed: 0x40, bridgePort: server.workers[0].localPort)
        try await viewer.establish(server, room: "tv", participant: v.id)

        // The encoder's key frame reaches the viewer, rewritten to the viewer's VP8 payload type.
        let a = Encoder()
        a.send(Self.frame(0xA1, sequence: 500, ssrc: 0xAAAA), to: videoPort)
        let first = try #require(try RoomGovernanceTests.nextVideo(viewer))
        #expect(first == 0xA1)

        // Another sender on the same port: refused and counted. Garbage: dropped and counted.
        let b = Encoder()
        b.send(Self.frame(0xB0, sequence: 1, ssrc: 0xBBBB), to: videoPort)
        a.send([0x80, 0x60, 0x00], to: videoPort)  // too short for RTP
        a.send([UInt8](repeating: 0xFF, count: 40), to: videoPort)  // not RTP
        var wrongType = Self.frame(0xA9, sequence: 501, ssrc: 0xAAAA)
        wrongType.payloadType = 97
        a.send(wrongType, to: videoPort)
        a.send(Self.frame(0xA2, sequence: 502, ssrc: 0xAAAA), to: videoPort)
        #expect(try RoomGovernanceTests.nextVideo(viewer) == 0xA2)
        var info = try #require(try await server.room(id: "tv").source?.tracks[0])
        #expect(info.state == "live" && info.sender == "127.0.0.1:\(a.port)")
        #expect(info.refused == 1 && info.malformed == 3 && info.packets == 2 && info.ssrc == 0xAAAA)
        #expect(await server.stats().dropped["rtp_source_foreign_sender"] == 1)

        // A WebRTC streamer is refused: the room is the source's.
        await #expect(throws: ControlError.sourceFed("tv")) {
            _ = try await server.addParticipant(roomID: "tv", .init(offer: try StreamingOffers.streamer(), role: .streamer))
        }

        // The sender goes silent: the port lets it go, and takes the next one (a restarted
        // encoder, from another port, with a new SSRC and numbering).
        try await Task.sleep(for: .milliseconds(700))
        info = try #require(try await server.room(id: "tv").source?.tracks[0])
        #expect(info.state == "stopped" && info.sender == nil)
        b.send(Self.frame(0xB1, sequence: 9000, ssrc: 0xBBBB), to: videoPort)
        #expect(try RoomGovernanceTests.nextVideo(viewer) == 0xB1)
        info = try #require(try await server.room(id: "tv").source?.tracks[0])
        #expect(info.state == "live" && info.sender == "127.0.0.1:\(b.port)" && info.restarts == 1)

        var names: [String] = []
        for await record in stream {
            names.append(record.event.name)
            if names.filter({ $0 == "source_started" }).count == 2 { break }
        }
        #expect(names.filter { $0.hasPrefix("source_") } == ["source_started", "source_stopped", "source_started"])
        await server.shutdown()
    }

    @Test func viewerNumberingIsContinuousAcrossARestart() async throws {
        let server = try await Self.server(silence: .milliseconds(200))
        let created = try await server.createRoom(id: "tv", kind: .streaming, description: nil, settings: RoomSettings(source: Self.source))
        let videoPort = try #require(created.source?.tracks[0].port)
        let v = try await server.addParticipant(roomID: "tv", .init(offer: try StreamingOffers.viewer(), role: .viewer))
        let viewer = try SRTPTestPeer(seed: 0x50, bridgePort: server.workers[0].localPort)
        try await viewer.establish(server, room: "tv", participant: v.id)
        let a = Encoder()
        var sequences: [UInt16] = []
        for s in UInt16(10)...12 {
            a.send(Self.frame(0xA0, sequence: s, ssrc: 1), to: videoPort)
            sequences.append(try #require(try viewer.receiveRTP()).sequenceNumber)
        }
        try await Task.sleep(for: .milliseconds(500))
        let b = Encoder()
        for s in UInt16(40000)...40002 {
            b.send(Self.frame(0xB0, sequence: s, ssrc: 2), to: videoPort)
            sequences.append(try #require(try viewer.receiveRTP()).sequenceNumber)
        }
        #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $1 == $0 &+ 1 }, "\(sequences)")
        await server.shutdown()
    }

    /// An encrypted source: SRTP with keys given in the request (ffmpeg's -srtp_out_params).
    /// Only packets that authenticate are taken: a forged or plain packet neither reaches the
    /// viewer nor latches the port.
    @Test func srtpSource() async throws {
        let server = try await Self.server()
        let key = [UInt8](repeating: 0x11, count: 16) + [UInt8](repeating: 0x22, count: 14)
        let keying = SRTPKeying(key: Data(key).base64EncodedString())
        let settings = RoomSettings(source: SourceSettings(rtp: RTPSourceSettings(video: .init(codec: "vp8", payloadType: 100), srtp: keying)))
        let created = try await server.createRoom(id: "enc", kind: .streaming, description: nil, settings: settings)
        let videoPort = try #require(created.source?.tracks[0].port)
        let v = try await server.addParticipant(roomID: "enc", .init(offer: try StreamingOffers.viewer(), role: .viewer))
        let viewer = try SRTPTestPeer(seed: 0x60, bridgePort: server.workers[0].localPort)
        try await viewer.establish(server, room: "enc", participant: v.id)

        // A plain packet from a stranger first: not taken, and the port is not latched to it.
        let stranger = Encoder()
        stranger.send(Self.frame(0xEE, sequence: 1, ssrc: 9), to: videoPort)
        let encoder = Encoder()
        let srtp = try SRTPContext(profile: .aes128CmHmacSha1_80, masterKey: Array(key[..<16]), masterSalt: Array(key[16...]))
        func sendProtected(_ packet: RTPPacket) throws {
            var buffer = [UInt8](repeating: 0, count: 2048)
            let n = try buffer.withUnsafeMutableBytes { b in
                let n = packet.serialize(into: b)
                return try srtp.protectRTP(b.baseAddress!, length: n, capacity: 2048)
            }
            encoder.send(Array(buffer[..<n]), to: videoPort)
        }
        try sendProtected(Self.frame(0xA1, sequence: 1, ssrc: 5))
        #expect(try RoomGovernanceTests.nextVideo(viewer) == 0xA1)
        encoder.send(Self.frame(0xA2, sequence: 2, ssrc: 5), to: videoPort)  // not encrypted: dropped
        try sendProtected(Self.frame(0xA3, sequence: 3, ssrc: 5))
        #expect(try RoomGovernanceTests.nextVideo(viewer) == 0xA3)
        let track = try #require(try await server.room(id: "enc").source?.tracks[0])
        #expect(track.sender == "127.0.0.1:\(encoder.port)" && track.packets == 2 && track.malformed == 2)
        // Keys that do not fit the suite are refused at creation.
        for bad in [SRTPKeying(key: "AAAA"), SRTPKeying(suite: "AEAD_AES_128_GCM", key: keying.key), SRTPKeying(suite: "F8", key: keying.key)] {
            let settings = RoomSettings(source: SourceSettings(rtp: RTPSourceSettings(video: .init(codec: "vp8"), srtp: bad)))
            await #expect(throws: ControlError.self) {
                _ = try await server.createRoom(id: nil, kind: .streaming, description: nil, settings: settings)
            }
        }
        await server.shutdown()
    }

    @Test func badSourcesAreRefused() async throws {
        let server = try await Self.server()
        func refused(_ kind: RoomKind, _ rtp: RTPSourceSettings?, _ expected: (ControlError) -> Bool) async {
            do {
                _ = try await server.createRoom(id: nil, kind: kind, description: nil, settings: RoomSettings(source: SourceSettings(rtp: rtp)))
                Issue.record("accepted: \(String(describing: rtp))")
            } catch {
                #expect(expected(error), "\(error)")
            }
        }
        func invalid(_ problem: SourceProblem) -> (ControlError) -> Bool { { $0 == .invalidSource(problem) } }
        await refused(.conference, .init(video: .init(codec: "vp8")), invalid(.streamingOnly))
        await refused(.streaming, nil, invalid(.missingRTP))
        await refused(.streaming, .init(), invalid(.noTracks))
        await refused(.streaming, .init(video: .init(codec: "opus")),
                      invalid(.codec(field: "source.rtp.video", codec: "opus", allowed: ["av1", "h264", "vp8", "vp9"])))
        await refused(.streaming, .init(audio: .init(codec: "pcmu")), invalid(.codec(field: "source.rtp.audio", codec: "pcmu", allowed: ["opus"])))
        await refused(.streaming, .init(video: .init(codec: "vp8", port: 5004)), invalid(.port(field: "source.rtp.video", port: 5004, allowed: 31000...31999)))
        await refused(.streaming, .init(video: .init(codec: "vp8", payloadType: 72)), invalid(.payloadType(field: "source.rtp.video", 72)))
        await refused(.streaming, .init(video: .init(codec: "vp8", port: 31500), audio: .init(codec: "opus", port: 31500)), invalid(.samePort(31500)))
        // A port in use (by another room's source) is a conflict; the room is not created.
        let first = try await server.createRoom(id: "one", kind: .streaming, description: nil,
                                                settings: RoomSettings(source: .init(rtp: .init(video: .init(codec: "h264", port: 31234)))))
        #expect(first.source?.tracks.first?.port == 31234)
        await refused(.streaming, .init(video: .init(codec: "vp8", port: 31234)), { $0 == .portInUse(31234) })
        #expect(await server.listRooms().map(\.id) == ["one"])
        // Deleting the room frees its port.
        try await server.deleteRoom(id: "one")
        _ = try await server.createRoom(id: "two", kind: .streaming, description: nil,
                                        settings: RoomSettings(source: .init(rtp: .init(video: .init(codec: "vp9", port: 31234)))))
        await server.shutdown()
    }
}
