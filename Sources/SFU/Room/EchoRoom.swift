import ICE
import RTP

/// A room that sends each peer's tracks back to it (like Janus's EchoTest), through the real
/// transport, with the bridge's own SSRC, sequence and timestamp spaces: each section the peer
/// sends and receives is a `Producer` whose one consumer is the peer itself. Confined to its
/// worker's event loop.
final class EchoRoom: Room, PeerDelegate, @unchecked Sendable {
    var kind: RoomKind { .echo }
    let id: String
    let description: String?
    let worker: MediaWorker
    let events: EventBus
    let keyFrameInterval: Duration
    let createdAt = ContinuousClock.now
    private(set) var participants: [String: Peer] = [:]
    private var order: [String] = []

    init(id: String, description: String?, worker: MediaWorker, events: EventBus, keyFrameInterval: Duration = .milliseconds(500)) {
        self.events = events
        self.id = id
        self.description = description
        self.worker = worker
        self.keyFrameInterval = keyFrameInterval
    }

    var isEmpty: Bool { participants.isEmpty }

    func join(_ request: JoinRequest) throws(ControlError) -> String {
        if let role = request.role, role != .echo {
            throw .invalidRole(.notInRoom(.echo, role: role))
        }
        let (answer, transport) = try negotiate(request, bridgeSends: { _ in true })
        let peer = add(id: request.participantID, display: request.display, transport: transport, media: answer.media)
        peer.maxBitrate = request.maxBitrate
        events.emit(.participantJoined(room: id, participant: peer.id, role: .echo, display: request.display))
        return answer.sdp.serialized()
    }

    /// A peer whose every section that goes both ways comes back to it: its track, consumed by
    /// its own copy (which starts at once: the peer's decoder follows its own encoder).
    @discardableResult
    func add(id pid: String, display: String?, transport: WebRTCTransport, media: [NegotiatedMedia]) -> Peer {
        let peer = Peer(id: pid, display: display, role: .echo, transport: transport, sections: media, delegate: self,
                        keyFrameInterval: keyFrameInterval)
        for section in media where section.sends && section.receives {
            guard let ssrc = section.localSSRC else { continue }
            let producer = peer.publish(section, source: section.kind == .audio ? .microphone : .camera, trackID: "\(pid)/\(section.mid)")
            let consumer = peer.consume(section, localSSRC: ssrc, from: producer.consumers)
            consumer.producer = producer
            consumer.bind(to: section, sameSection: true)
            consumer.waitingForKeyFrame = false
        }
        participants[pid] = peer
        order.append(pid)
        return peer
    }

    func participantInfo(_ id: String) -> ParticipantInfo? { participants[id]?.info }

    func tick(now: ContinuousClock.Instant) {}

    func peer(_ id: String) -> Peer? { participants[id] }

    func remove(participantID: String, reason: LeaveReason) -> Bool {
        guard let p = participants.removeValue(forKey: participantID) else { return false }
        order.removeAll { $0 == participantID }
        events.emit(.participantLeft(room: id, participant: participantID, role: .echo, reason: reason))
        p.close()
        return true
    }

    func close() {
        for id in order { _ = remove(participantID: id, reason: .roomDestroyed) }
    }

    var info: RoomInfo {
        RoomInfo(id: id, kind: .echo, description: description, participants: order.compactMap { participants[$0]?.info })
    }

    // MARK: the peers' media (PeerDelegate)

    func peer(_ peer: Peer, didChangeState state: TransportState) {
        transportStateChanged(peer, state) { _ = remove(participantID: $0, reason: $1) }
    }

    /// Straight back to the peer, rewritten for its own copy.
    func peer(_ peer: Peer, didReceive packet: RTPPacketView, from producer: Producer, stream: InboundStream,
              now: ContinuousClock.Instant) {
        _ = producer.consumers.forward(packet, codec: stream.codec(packet.payloadType), clockRate: stream.clockRate,
                                       now: MediaClock.elapsed(now), layer: stream.layer, layers: stream.layers, best: stream.best)
    }
}

func profileName(_ p: SRTPProfile) -> String {
    switch p {
    case .aes128CmHmacSha1_80: "SRTP_AES128_CM_SHA1_80"
    case .aeadAes128Gcm: "SRTP_AEAD_AES_128_GCM"
    }
}
