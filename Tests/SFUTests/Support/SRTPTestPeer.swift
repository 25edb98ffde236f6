import Foundation
import Glibc
import ICE
import RTP
@testable import SFU

/// A peer on a plain blocking UDP socket that talks SRTP to one worker's port with keys of its
/// own (the bridge's transport is set up with the same keys by `establishForTesting`).
final class SRTPTestPeer: @unchecked Sendable {
    static let profile = SRTPProfile.aes128CmHmacSha1_80
    let fd: Int32
    /// The peer's address, as the bridge sees it.
    let address: TransportAddress
    private var bridge = sockaddr_in()
    /// Keys: the bridge writes with `bridgeKey`, the peer with `peerKey`.
    let bridgeKey: [UInt8], bridgeSalt: [UInt8], peerKey: [UInt8], peerSalt: [UInt8]
    private let out: SRTPContext
    private let inbound: SRTPContext
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 16)

    /// - Parameters: seed: makes the keys distinct per peer; bridgePort: the worker's port.
    init(seed: UInt8, bridgePort: Int) throws {
        let (fd, port) = loopbackPeerSocket(receiveBuffer: 8 << 20)
        self.fd = fd
        address = TransportAddress.v4(0x7F00_0001, port: port)
        bridge.sin_family = sa_family_t(AF_INET)
        bridge.sin_addr.s_addr = inet_addr("127.0.0.1")
        bridge.sin_port = UInt16(bridgePort).bigEndian
        let salt = Self.profile.saltLength
        bridgeKey = [UInt8](repeating: seed, count: 16)
        bridgeSalt = [UInt8](repeating: seed &+ 1, count: salt)
        peerKey = [UInt8](repeating: seed &+ 2, count: 16)
        peerSalt = [UInt8](repeating: seed &+ 3, count: salt)
        out = try SRTPContext(profile: Self.profile, masterKey: peerKey, masterSalt: peerSalt)
        inbound = try SRTPContext(profile: Self.profile, masterKey: bridgeKey, masterSalt: bridgeSalt)
    }

    deinit {
        close(fd)
        buffer.deallocate()
    }

    /// The bridge's side of this peer's transport: established with our keys, media to us.
    func establish(_ server: MediaServer, room: String, participant: String) async throws {
        try await server.establishForTesting(roomID: room, participantID: participant, profile: Self.profile,
                                             localKey: bridgeKey, localSalt: bridgeSalt, remoteKey: peerKey,
                                             remoteSalt: peerSalt, remote: address)
    }

    /// The same, for a transport made without a MediaServer. Must run on the transport's loop.
    func establish(_ transport: WebRTCTransport) throws {
        try transport.establishForTesting(profile: Self.profile, localKey: bridgeKey, localSalt: bridgeSalt,
                                          remoteKey: peerKey, remoteSalt: peerSalt, remote: address)
    }

    private func send(_ length: Int) {
        _ = withUnsafePointer(to: &bridge) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            sendto(fd, buffer, length, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        } }
    }

    func sendRTP(_ packet: RTPPacket) throws {
        let n = packet.serialize(into: UnsafeMutableRawBufferPointer(start: buffer, count: 4096))
        send(try out.protectRTP(buffer, length: n, capacity: 4096))
    }

    func sendRTCP(_ bytes: [UInt8]) throws {
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        send(try out.protectRTCP(buffer, length: bytes.count, capacity: 4096))
    }

    enum Received {
        case rtp(RTPPacket)
        case rtcp([UInt8])
    }

    /// RTP packets of this SSRC with these sequence numbers are thrown away unread, as if lost
    /// on the way (their retransmissions then decrypt: no replay).
    var lose: (ssrc: UInt32, sequences: Set<UInt16>) = (0, [])

    /// The next datagram from the bridge, decrypted; nil after 2 s of silence.
    func receive() throws -> Received? {
        var r = 0
        var raw = UnsafeRawBufferPointer(start: buffer, count: 0)
        while true {
            r = recv(fd, buffer, 4096, 0)
            guard r > 0 else { return nil }
            raw = UnsafeRawBufferPointer(start: buffer, count: r)
            guard r >= 12, !(192...223).contains(raw[1]) else { break }
            let ssrc = UInt32(raw[8]) << 24 | UInt32(raw[9]) << 16 | UInt32(raw[10]) << 8 | UInt32(raw[11])
            let sequence = UInt16(raw[2]) << 8 | UInt16(raw[3])
            guard ssrc == lose.ssrc, lose.sequences.remove(sequence) != nil else { break }
        }
        // RFC 5761: RTCP packet types 192-223 in the second byte.
        if (192...223).contains(raw[1]) {
            let n = try inbound.unprotectRTCP(buffer, length: r)
            return .rtcp(Array(UnsafeRawBufferPointer(start: buffer, count: n)))
        }
        let n = try inbound.unprotectRTP(buffer, length: r)
        return .rtp(try RTPPacket(parsing: UnsafeRawBufferPointer(start: buffer, count: n)))
    }

    /// The next RTP packet (RTCP in between is skipped); nil after 2 s of silence.
    func receiveRTP() throws -> RTPPacket? {
        while let r = try receive() {
            if case .rtp(let p) = r { return p }
        }
        return nil
    }

    /// The next RTCP packet of `type` (200 SR, 206 PSFB, …), others skipped; nil after 2 s of silence.
    func receiveRTCP(type: UInt8) throws -> [UInt8]? {
        while let r = try receive() {
            if case .rtcp(let bytes) = r, bytes.count >= 8, bytes[1] == type { return bytes }
        }
        return nil
    }
}

/// Offers for streaming tests, from tests/fixtures/offers.
enum StreamingOffers {
    static func streamer() throws -> String { try AnswerTests.fixture("chromium_sendrecv") }

    /// Chromium's recvonly offer with VP8 as payload type 127 and abs-send-time as extension 9
    /// (the streamer's are 96 and 2), so that forwarding has both to rewrite.
    static func viewer() throws -> String {
        var sdp = try AnswerTests.fixture("chromium_recvonly")
        for (a, b) in [("SAVPF 96 97", "SAVPF 127 97"), ("a=rtpmap:96 VP8", "a=rtpmap:127 VP8"), ("a=rtcp-fb:96 ", "a=rtcp-fb:127 "),
                       ("apt=96", "apt=127"), ("a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
                                               "a=extmap:9 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time")] {
            sdp = sdp.replacingOccurrences(of: a, with: b)
        }
        return sdp
    }

    /// The RTX SSRC the answer pairs with its video SSRC (`a=ssrc-group:FID`), and the RTX
    /// payload type for `payloadType`.
    static func rtx(answer: String, payloadType: UInt8) throws -> (ssrc: UInt32?, payloadType: UInt8?) {
        let sdp = try SessionDescription(parsing: answer)
        guard let m = sdp.media.first(where: { $0.kind == "video" && $0.port != 0 }) else { return (nil, nil) }
        let group = m.ssrcGroups.first { $0.semantics == "FID" }
        let type = m.formatParameters.first { $0.parameters == "apt=\(payloadType)" }?.payloadType
        return (group.flatMap { $0.ssrcs.count == 2 ? $0.ssrcs[1] : nil }, type)
    }

    /// The SSRC the answer announces in its section of `kind`, and the port of its first candidate.
    static func parse(answer: String, kind: MediaKind) throws -> (ssrc: UInt32?, port: Int?) {
        let sdp = try SessionDescription(parsing: answer)
        guard let m = sdp.media.first(where: { $0.kind == kind.rawValue && $0.port != 0 }) else { return (nil, nil) }
        return (m.ssrcs.first?.ssrc, m.candidates.first?.port)
    }
}

/// A streaming room on a one-worker server with its streamer and one viewer connected, each an
/// `SRTPTestPeer` (seeds `seed` and `seed + 1`).
struct StreamingCall {
    let server: MediaServer
    let streamerID: String
    let streamer: SRTPTestPeer
    let viewerID: String
    let viewer: SRTPTestPeer
    /// The viewer's answer (its SSRCs, its RTX pairing).
    let viewerAnswer: String

    /// `join`: the streamer's request (default: Chromium's sendrecv offer as a streamer).
    static func start(room: String, settings: RoomSettings = RoomSettings(), streamer join: MediaServer.ParticipantRequest? = nil,
                      seed: UInt8) async throws -> StreamingCall {
        let server = try await RoomGovernanceTests.server()
        let port = server.workers[0].localPort
        _ = try await server.createRoom(id: room, kind: .streaming, description: nil, settings: settings)
        let s = try await server.addParticipant(roomID: room, try join ?? .init(offer: StreamingOffers.streamer(), role: .streamer))
        let streamer = try SRTPTestPeer(seed: seed, bridgePort: port)
        try await streamer.establish(server, room: room, participant: s.id)
        let v = try await server.addParticipant(roomID: room, .init(offer: try StreamingOffers.viewer(), role: .viewer))
        let viewer = try SRTPTestPeer(seed: seed + 1, bridgePort: port)
        try await viewer.establish(server, room: room, participant: v.id)
        return StreamingCall(server: server, streamerID: s.id, streamer: streamer, viewerID: v.id, viewer: viewer, viewerAnswer: v.answer)
    }
}
