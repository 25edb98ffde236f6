import ICE
import RTP

/// A room that sends each peer's tracks back to it (like Janus's EchoTest), through the real
/// transport, with the bridge's own SSRC, sequence and timestamp spaces. Proves the transport end
/// to end before rooms with several participants exist. Confined to its worker's event loop.
final class EchoRoom: Room, @unchecked Sendable {
    let id: String
    let description: String?
    let worker: MediaWorker
    let events: EventBus
    let createdAt = ContinuousClock.now
    private(set) var participants: [String: EchoParticipant] = [:]
    private var order: [String] = []

    init(id: String, description: String?, worker: MediaWorker, events: EventBus) {
        self.events = events
        self.id = id
        self.description = description
        self.worker = worker
    }

    var isEmpty: Bool { participants.isEmpty }

    func join(_ request: JoinRequest) throws(ControlError) -> String {
        if let role = request.role, role != .echo {
            throw .invalidRole("an echo room has no \(role.rawValue); omit role or use \"echo\"")
        }
        let (answer, transport) = try negotiate(request, bridgeSends: { _ in true })
        let participant = EchoParticipant(room: self, id: request.participantID, display: request.display, transport: transport, media: answer.media)
        transport.delegate = participant
        participants[participant.id] = participant
        order.append(participant.id)
        events.emit("participant_joined", room: id, participant: participant.id, role: "echo", display: request.display)
        return answer.sdp.serialized()
    }

    func participantInfo(_ id: String) -> ParticipantInfo? { participants[id]?.info }

    func tick(now: ContinuousClock.Instant) {}

    func endpoint(_ id: String) -> (transport: WebRTCTransport, media: [NegotiatedMedia])? {
        participants[id].map { ($0.transport, $0.media) }
    }

    func remove(participantID: String, reason: String) -> Bool {
        guard let p = participants.removeValue(forKey: participantID) else { return false }
        order.removeAll { $0 == participantID }
        events.emit("participant_left", room: id, participant: participantID, role: "echo", reason: reason)
        p.transport.close()
        return true
    }

    func close() {
        for id in order { _ = remove(participantID: id, reason: "room_destroyed") }
    }

    var info: RoomInfo {
        RoomInfo(id: id, kind: .echo, description: description,
                 participants: order.compactMap { participants[$0]?.info })
    }
}

/// One echo peer: receives its media and sends it straight back.
final class EchoParticipant: TransportDelegate {
    unowned let room: EchoRoom
    let id: String
    let display: String?
    let transport: WebRTCTransport
    let media: [NegotiatedMedia]

    /// Per inbound SSRC: where it goes back out. Filled on the first packet of a stream (by MID
    /// extension, else by payload type), then looked up by integer only.
    private struct OutStream {
        var mid: String
        var kind: MediaKind
        var inboundSSRC: UInt32
        var localSSRC: UInt32
        var sequenceOffset: UInt16
        var timestampOffset: UInt32
        var packets: UInt64 = 0
    }
    private var streams: [UInt32: OutStream] = [:]
    /// local SSRC → inbound SSRC, for translating the peer's feedback on what we send.
    private var feedbackRoutes: [UInt32: UInt32] = [:]
    private let rtcpScratch: UnsafeMutableRawPointer
    private static let rtcpScratchSize = 1500
    private(set) var packetsEchoed: UInt64 = 0
    private(set) var keyFrameRequests: UInt64 = 0
    private(set) var nacksTranslated: UInt64 = 0

    init(room: EchoRoom, id: String, display: String?, transport: WebRTCTransport, media: [NegotiatedMedia]) {
        self.room = room
        self.id = id
        self.display = display
        self.transport = transport
        self.media = media
        self.rtcpScratch = .allocate(byteCount: Self.rtcpScratchSize, alignment: 8)
    }

    deinit { rtcpScratch.deallocate() }

    func transportDidConnect(_ transport: WebRTCTransport) {}

    func transport(_ transport: WebRTCTransport, didChangeState state: TransportState) {
        room.transportStateChanged(participantID: id, role: .echo, state: state)
    }

    func transportDidChangeRemoteAddress(_ transport: WebRTCTransport) {
        for stream in streams.values where stream.kind == .video { sendPLI(to: stream.inboundSSRC) }
    }

    func transport(_ transport: WebRTCTransport, didReceiveRTP packet: RTPPacketView) {
        let ssrc = packet.ssrc
        if streams[ssrc] == nil, !learnStream(packet) { return }
        guard var stream = streams[ssrc] else { return }
        stream.packets &+= 1
        streams[ssrc] = stream
        packet.ssrc = stream.localSSRC
        packet.sequenceNumber = packet.sequenceNumber &+ stream.sequenceOffset
        packet.timestamp = packet.timestamp &+ stream.timestampOffset
        packetsEchoed &+= 1
        transport.sendRTP(UnsafeRawBufferPointer(packet.bytes))
    }

    /// Slow path, once per stream: which section does this SSRC belong to?
    private func learnStream(_ packet: RTPPacketView) -> Bool {
        guard let section = media.section(of: packet, where: { $0.sends && $0.receives }),
              let local = section.localSSRC else { return false }
        if streams.isEmpty { room.events.emit("media_started", room: room.id, participant: id, role: "echo", kind: section.kind.rawValue) }
        // Each inbound SSRC gets its own random sequence and timestamp offsets.
        streams[packet.ssrc] = OutStream(mid: section.mid, kind: section.kind, inboundSSRC: packet.ssrc, localSSRC: local,
                                         sequenceOffset: UInt16.random(in: 0...UInt16.max) &- packet.sequenceNumber,
                                         timestampOffset: UInt32.random(in: 0...UInt32.max))
        feedbackRoutes[local] = packet.ssrc
        return true
    }

    /// The peer's RTCP: feedback about what we send it is translated back onto its own streams
    /// (PLI/FIR become a PLI for the SSRC it sends, NACKed sequence numbers are mapped back), so
    /// the peer's encoder answers its own decoder.
    func transport(_ transport: WebRTCTransport, didReceiveRTCP packet: UnsafeMutableRawBufferPointer) {
        var offset = 0
        let bytes = UnsafeRawBufferPointer(packet)
        while offset + 4 <= bytes.count {
            let fmt = bytes[offset] & 0x1f
            let type = bytes[offset + 1]
            let length = ((Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])) + 1) * 4
            guard offset + length <= bytes.count else { transport.worker.drops.count(.rtcpMalformed); return }
            if length >= 12 {
                let mediaSSRC = bytes.loadBigEndianUInt32(at: offset + 8)
                if type == 206 && (fmt == 1 || fmt == 4) {
                    // PLI (RFC 4585 §6.3.1) or FIR (RFC 5104 §4.3.1; media SSRC is in the FCI).
                    let target = fmt == 4 && length >= 20 ? bytes.loadBigEndianUInt32(at: offset + 12) : mediaSSRC
                    if let inbound = feedbackRoutes[target] { sendPLI(to: inbound) }
                } else if type == 205 && fmt == 1, let inbound = feedbackRoutes[mediaSSRC],
                          let stream = streams[inbound], length <= Self.rtcpScratchSize {
                    // Generic NACK (RFC 4585 §6.2.1): rewrite media SSRC and each PID.
                    let out = UnsafeMutableRawBufferPointer(start: rtcpScratch, count: length)
                    out.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length]))
                    out.storeBigEndian(inbound, at: 8)
                    var fci = 12
                    while fci + 4 <= length {
                        let pid = UInt16(out[fci]) << 8 | UInt16(out[fci + 1])
                        out.storeBigEndian(pid &- stream.sequenceOffset, at: fci)
                        fci += 4
                    }
                    nacksTranslated &+= 1
                    transport.sendRTCP(UnsafeRawBufferPointer(out))
                }
            }
            offset += length
        }
    }

    private func sendPLI(to mediaSSRC: UInt32) {
        // RFC 4585 §6.3.1: V=2 FMT=1, PT=206, length=2, sender SSRC, media SSRC.
        let out = UnsafeMutableRawBufferPointer(start: rtcpScratch, count: 12)
        out[0] = 0x81; out[1] = 206; out[2] = 0; out[3] = 2
        out.storeBigEndian(UInt32(1), at: 4)
        out.storeBigEndian(mediaSSRC, at: 8)
        keyFrameRequests &+= 1
        transport.sendRTCP(UnsafeRawBufferPointer(out))
    }

    var info: ParticipantInfo {
        var p = ParticipantInfo(transport: transport, id: id, display: display, role: .echo, keyFrameRequests: keyFrameRequests)
        p.tracks = media.filter { !$0.rejected }.map { m in
            let inbound = streams.values.first { $0.mid == m.mid }
            return TrackInfo(mid: m.mid, kind: m.kind, direction: m.direction.rawValue,
                             codec: m.codecs.first.map { "\($0.name)/\($0.clockRate)" },
                             inboundSSRC: inbound?.inboundSSRC, outboundSSRC: m.localSSRC,
                             packets: inbound?.packets ?? 0)
        }
        return p
    }
}

func profileName(_ p: SRTPProfile) -> String {
    switch p {
    case .aes128CmHmacSha1_80: "SRTP_AES128_CM_SHA1_80"
    case .aeadAes128Gcm: "SRTP_AEAD_AES_128_GCM"
    }
}

extension UnsafeRawBufferPointer {
    @inlinable
    func loadBigEndianUInt32(at offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}

extension UnsafeMutableRawBufferPointer {
    @inlinable
    func storeBigEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: T.self)
    }
}
