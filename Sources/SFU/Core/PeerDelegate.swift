import RTP

/// What a room (or, for a streaming room's viewers on another worker, a viewer group) decides
/// about its peers' media. Every call comes on the peer's loop, in the call stack of the
/// datagram that caused it. The defaults serve rooms where copies consume a `Producer`
/// directly (conference, echo).
protocol PeerDelegate: AnyObject {
    /// The room's id, and where its events go.
    var id: String { get }
    var events: EventBus { get }

    /// ICE and DTLS are up: media can flow.
    func peerDidConnect(_ peer: Peer)
    /// The peer moved to another address: packets were lost on the way.
    func peerDidChangeRemoteAddress(_ peer: Peer)
    func peer(_ peer: Peer, didChangeState state: TransportState)
    /// The first stream of one of its tracks arrived.
    func peer(_ peer: Peer, didStart producer: Producer)
    /// A packet of one of its tracks (the view may be rewritten in place during the call).
    func peer(_ peer: Peer, didReceive packet: RTPPacketView, from producer: Producer, stream: InboundStream,
              now: ContinuousClock.Instant)
    func peer(_ peer: Peer, didReceiveSenderReport time: SenderReportTime, on stream: InboundStream, of producer: Producer)
    func peer(_ peer: Peer, speech change: SpeechActivity.Change)
    /// It asked for a key frame (PLI or FIR) on a video copy it receives.
    func peer(_ peer: Peer, requestsKeyFrameFor consumer: Consumer, now: ContinuousClock.Instant)
    /// It lost the packet sent as `sequence` on `consumer` (a NACK).
    func peer(_ peer: Peer, lost sequence: UInt16, on consumer: Consumer)
    /// The sender report time pair of the source `consumer` is mapped onto, if it sent one.
    func senderReportTime(for consumer: Consumer) -> SenderReportTime?
    /// A link is losing packets (at most every 5 s per peer and direction).
    func peer(_ peer: Peer, slowLink direction: LinkDirection, kind: MediaKind, fractionLost: UInt8)
}

extension PeerDelegate {
    func peerDidConnect(_ peer: Peer) {}

    /// Decoders on both sides lost packets: a key frame of what it publishes (at once) and of
    /// what it receives.
    func peerDidChangeRemoteAddress(_ peer: Peer) {
        let now = ContinuousClock.now
        for producer in peer.producers.values { producer.requestKeyFrame(now: now, force: true) }
        for consumer in peer.consumers.values where consumer.kind == .video {
            self.peer(peer, requestsKeyFrameFor: consumer, now: now)
        }
    }

    func peer(_ peer: Peer, didStart producer: Producer) {
        events.emit(.mediaStarted(room: id, participant: peer.id, role: peer.role, kind: producer.kind))
    }

    func peer(_ peer: Peer, didReceiveSenderReport time: SenderReportTime, on stream: InboundStream, of producer: Producer) {}

    func peer(_ peer: Peer, speech change: SpeechActivity.Change) {}

    func peer(_ peer: Peer, requestsKeyFrameFor consumer: Consumer, now: ContinuousClock.Instant) {
        consumer.producer?.requestKeyFrame(ssrc: consumer.source, now: now)
    }

    /// Answered from the producer's retransmission ring, rewritten for the copy.
    func peer(_ peer: Peer, lost sequence: UInt16, on consumer: Consumer) {
        guard let source = consumer.source, let original = consumer.sourceSequence(of: sequence),
              let stored = consumer.producer?.stream(ssrc: source)?.retransmissions?.packet(sequence: original)
        else { return }
        consumer.retransmit(stored, sequence: sequence, scratch: peer.transport.worker.scratch)
    }

    func senderReportTime(for consumer: Consumer) -> SenderReportTime? {
        guard let source = consumer.source else { return nil }
        return consumer.producer?.stream(ssrc: source)?.lastSenderReport
    }

    func peer(_ peer: Peer, slowLink direction: LinkDirection, kind: MediaKind, fractionLost: UInt8) {
        events.emit(.slowLink(room: id, participant: peer.id, role: peer.role, kind: kind, direction: direction,
                              fractionLost: fractionLost))
    }

    /// Events and clean-up when a peer's transport changes state: `webrtc_up`, `webrtc_down`;
    /// a failed or closed transport leaves the room.
    func transportStateChanged(_ peer: Peer, _ state: TransportState, remove: (String, LeaveReason) -> Void) {
        switch state {
        case .connected:
            events.emit(.webrtcUp(room: id, participant: peer.id, role: peer.role))
        case .disconnected:
            events.emit(.webrtcDown(room: id, participant: peer.id, role: peer.role))
        case .failed:
            remove(peer.id, .dtlsFailed)
        case .closed:
            remove(peer.id, .closed)
        case .new, .connecting:
            break
        }
    }
}
