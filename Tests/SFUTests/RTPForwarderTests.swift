import Foundation
import Glibc
import ICE
import RTP
import Testing
@testable import SFU

/// RTP forwarders through `MediaServer`: a room fed by an RTP source (the test's encoder) is
/// forwarded as plain RTP to the test's receiver socket. One SSRC per kind whatever feeds the
/// room, continuous numbering across a restart of the encoder, the receiver's payload type,
/// sender reports on the port above, and the allow-list.
@Suite struct RTPForwarderTests {
    /// A plain UDP receiver on loopback.
    final class Receiver {
        let fd: Int32
        let port: UInt16
        init(port wanted: UInt16 = 0) {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            self.fd = fd
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = wanted.bigEndian
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
            _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
            var tv = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            port = UInt16(bigEndian: addr.sin_port)
        }
        deinit { close(fd) }

        /// The next datagram; nil after 2 s.
        func receive() -> [UInt8]? {
            var buffer = [UInt8](repeating: 0, count: 2048)
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 2048, 0) }
            return n > 0 ? Array(buffer[..<n]) : nil
        }

        func receiveRTP() throws -> RTPPacket? {
            guard let bytes = receive() else { return nil }
            return try bytes.withUnsafeBytes { try RTPPacket(parsing: $0) }
        }
    }

    /// Two receivers on adjacent ports (RTP, then RTCP).
    static func pair() -> (Receiver, Receiver) {
        while true {
            let rtp = Receiver()
            guard rtp.port < 65535 else { continue }
            let rtcp = Receiver(port: rtp.port + 1)
            if rtcp.port == rtp.port + 1 { return (rtp, rtcp) }
        }
    }

    @Test func forwardsOneContinuousStreamWithSenderReports() async throws {
        let server = try await RTPSourceTests.server(silence: .milliseconds(200))
        let created = try await server.createRoom(id: "tv", kind: .streaming, description: nil,
                                                  settings: RoomSettings(source: RTPSourceTests.source))
        let videoPort = try #require(created.source?.tracks[0].port)
        let (rtp, rtcp) = Self.pair()
        let info = try await server.addForwarder(roomID: "tv", ForwarderRequest(host: "127.0.0.1", videoPort: Int(rtp.port), ssrc: 0x1234))
        #expect(info.tracks.map(\.kind) == [.video] && info.tracks[0].ssrc == 0x1234 && info.tracks[0].payloadType == 100)
        let sdp = try await server.forwarderSDP(roomID: "tv", id: info.id)
        #expect(sdp.contains("m=video \(rtp.port) RTP/AVP 100\r\n") && sdp.contains("a=rtpmap:100 VP8/90000\r\n"))

        let a = RTPSourceTests.Encoder()
        var sequences: [UInt16] = []
        var timestamps: [UInt32] = []
        for s in UInt16(100)...102 {
            a.send(RTPSourceTests.frame(0xA0, sequence: s, ssrc: 7), to: videoPort)
            let p = try #require(try rtp.receiveRTP())
            #expect(p.ssrc == 0x1234 && p.payloadType == 100 && p.payload[2] == 0xA0)
            sequences.append(p.sequenceNumber)
            timestamps.append(p.timestamp)
        }
        // The encoder's sender report comes out on the port above, in the forwarded timestamps.
        let sr = SenderReport(ssrc: 7, ntpTimestamp: 0xAABB_CCDD_0000_0000, rtpTimestamp: 102 * 3000, packetCount: 3, octetCount: 300)
        var out = [UInt8](repeating: 0, count: 64)
        let n = out.withUnsafeMutableBytes { sr.serialize(into: $0) }
        a.send(Array(out[..<n]), to: videoPort)
        let report = try #require(rtcp.receive())
        let parsed = try report.withUnsafeBytes { try SenderReport(parsing: $0) }
        #expect(parsed.ssrc == 0x1234 && parsed.ntpTimestamp == 0xAABB_CCDD_0000_0000 && parsed.rtpTimestamp == timestamps[2])

        // The encoder restarts (new SSRC and numbering): the same outgoing stream goes on.
        try await Task.sleep(for: .milliseconds(400))
        let b = RTPSourceTests.Encoder()
        for s in UInt16(60000)...60002 {
            b.send(RTPSourceTests.frame(0xB0, sequence: s, ssrc: 8), to: videoPort)
            var p = try #require(try rtp.receiveRTP())
            while p.payload.count < 3 { p = try #require(try rtp.receiveRTP()) }
            #expect(p.ssrc == 0x1234 && p.payload[2] == 0xB0)
            sequences.append(p.sequenceNumber)
            timestamps.append(p.timestamp)
        }
        #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $1 == $0 &+ 1 }, "\(sequences)")
        #expect(timestamps[3] &- timestamps[2] >= 90000 * 3 / 10, "the pause plays as a pause: \(timestamps)")

        let stopped = try await server.removeForwarder(roomID: "tv", id: info.id)
        #expect(stopped.tracks[0].packets == 6)
        await #expect(throws: ControlError.forwarderNotFound(room: "tv", forwarder: info.id)) {
            _ = try await server.removeForwarder(roomID: "tv", id: info.id)
        }
        await server.shutdown()
    }

    /// An encrypted forwarder: SRTP with the request's keys, named in its SDP (`a=crypto`).
    @Test func srtpForwarder() async throws {
        let server = try await RTPSourceTests.server()
        let created = try await server.createRoom(id: "tv", kind: .streaming, description: nil,
                                                  settings: RoomSettings(source: RTPSourceTests.source))
        let videoPort = try #require(created.source?.tracks[0].port)
        let (rtp, _) = Self.pair()
        let key = [UInt8](repeating: 0x33, count: 16) + [UInt8](repeating: 0x44, count: 12)
        let keying = SRTPKeying(suite: "AEAD_AES_128_GCM", key: Data(key).base64EncodedString())
        let info = try await server.addForwarder(roomID: "tv", .init(host: "127.0.0.1", videoPort: Int(rtp.port), srtp: keying))
        let sdp = try await server.forwarderSDP(roomID: "tv", id: info.id)
        #expect(sdp.contains("m=video \(rtp.port) RTP/SAVP 100\r\na=crypto:1 AEAD_AES_128_GCM inline:\(keying.key)\r\n"), "\(sdp)")
        let a = RTPSourceTests.Encoder()
        a.send(RTPSourceTests.frame(0xA0, sequence: 1, ssrc: 7), to: videoPort)
        var bytes = try #require(rtp.receive())
        let srtp = try SRTPContext(profile: .aeadAes128Gcm, masterKey: Array(key[..<16]), masterSalt: Array(key[16...]))
        let n = try bytes.withUnsafeMutableBytes { try srtp.unprotectRTP($0.baseAddress!, length: $0.count) }
        let p = try bytes.withUnsafeBytes { try RTPPacket(parsing: UnsafeRawBufferPointer(rebasing: $0[..<n])) }
        #expect(p.payload[2] == 0xA0 && p.payloadType == 100)
        await #expect(throws: ControlError.self) {
            _ = try await server.addForwarder(roomID: "tv", .init(host: "127.0.0.1", videoPort: 6000, srtp: SRTPKeying(key: "short")))
        }
        await server.shutdown()
    }

    @Test func destinationsAndRequestsAreChecked() async throws {
        let server = try await RTPSourceTests.server()
        _ = try await server.createRoom(id: "s", kind: .streaming, description: nil)
        _ = try await server.createRoom(id: "c", kind: .conference, description: nil)
        let refusals: [(String, ForwarderRequest, (ControlError) -> Bool)] = [
            ("s", .init(host: "10.0.0.1", videoPort: 5004), { if case .destinationNotAllowed = $0 { true } else { false } }),
            ("s", .init(host: "192.168.1.20", audioPort: 5004), { if case .destinationNotAllowed = $0 { true } else { false } }),
            ("s", .init(host: "localhost", videoPort: 5004), { $0 == .invalidForwarder(.host("localhost")) }),
            ("s", .init(host: "127.0.0.1"), { $0 == .invalidForwarder(.noPorts) }),
            ("s", .init(host: "127.0.0.1", videoPort: 65535), { $0 == .invalidForwarder(.port(65535)) }),
            ("s", .init(host: "127.0.0.1", videoPort: 5004, audioPort: 5005), { $0 == .invalidForwarder(.portsTooClose) }),
            ("c", .init(host: "127.0.0.1", videoPort: 5004), { $0 == .notStreaming("c") }),
            ("x", .init(host: "127.0.0.1", videoPort: 5004), { $0 == .roomNotFound("x") }),
        ]
        for (room, request, expected) in refusals {
            do {
                _ = try await server.addForwarder(roomID: room, request)
                Issue.record("accepted \(request)")
            } catch {
                #expect(expected(error), "\(request): \(error)")
            }
        }
        #expect(try await server.forwarders(roomID: "s").isEmpty)
        _ = try await server.addForwarder(roomID: "s", .init(host: "::1", videoPort: 5004, audioPort: 5006))
        #expect(try await server.forwarders(roomID: "s").first?.tracks.map(\.ssrc).count == 2)
        await server.shutdown()
    }

    @Test(arguments: [
        ("127.0.0.0/8", "127.1.2.3", true), ("127.0.0.0/8", "128.0.0.1", false), ("10.1.2.3", "10.1.2.3", true),
        ("10.1.2.3", "10.1.2.4", false), ("0.0.0.0/0", "8.8.8.8", true), ("::1/128", "::1", true), ("::1/128", "::2", false),
        ("fd00::/8", "fd12:3456::1", true), ("fd00::/8", "fe80::1", false), ("2001:db8::/64", "2001:db8::ffff:1", true),
        ("2001:db8::/64", "2001:db8:0:1::1", false), ("127.0.0.0/8", "::1", false),
    ])
    func networks(network: String, address: String, inside: Bool) throws {
        let net = try #require(IPNetwork(network))
        let a = try #require(IPNetwork.address(address, port: 1))
        #expect(net.contains(a) == inside)
    }

    @Test func malformedNetworksAreRefused() {
        for text in ["", "127.0.0.1/33", "::1/129", "example.com/8", "10.0.0.0/x", "1.2.3"] {
            #expect(IPNetwork(text) == nil, "\(text)")
        }
        #expect(IPNetwork("127.0.0.0/8")?.description == "127.0.0.0/8")
    }
}
