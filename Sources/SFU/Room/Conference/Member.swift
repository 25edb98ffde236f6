import ICE
import RTP

/// One member receiving one other member's track: its copy, and why it may not flow.
final class Subscription {
    let consumer: Consumer
    /// The track it receives.
    unowned let source: Producer
    /// The member paused it (`POST …/subscriptions`).
    var paused = false
    /// Over the member's last-N video limit.
    var suppressed = false

    init(consumer: Consumer, source: Producer) {
        self.consumer = consumer
        self.source = source
    }

    var flowing: Bool { !paused && !suppressed }

    /// Packets reach it while it flows (and its source's table takes it out otherwise, so a
    /// paused copy costs nothing per packet).
    func update() { consumer.isActive = flowing }
}

/// A conference member: one PeerConnection (BUNDLE) on which it publishes its tracks and
/// receives the others'. Its media is a `Peer` (a producer per published section, a consumer
/// per forwarded one); this adds the session renegotiated over its signaling channel.
/// Confined to the room's loop.
final class Member {
    unowned let room: ConferenceRoom
    let peer: Peer
    var id: String { peer.id }
    var display: String? { peer.display }
    var transport: WebRTCTransport { peer.transport }
    /// The session as last agreed, and while an offer of the bridge's is out, what it proposes.
    private(set) var session: ConferenceSession
    private(set) var pending: (session: ConferenceSession, revision: Int)?
    private var revision = 0
    /// The room changed while an offer was out: offer again once it is answered.
    private var offerAgain = false
    /// The member's signaling channel (`…/signal` WebSocket); messages wait until it connects.
    private var signal: (@Sendable (SignalOut) -> Void)?
    /// What it receives, by track id.
    private(set) var subscriptions: [String: Subscription] = [:]
    /// At most this many video tracks flow to it, by speaking order (nil: all).
    var maxVideo: Int?
    /// Its simulcast bounds (`POST …/video`), for every video it receives, new ones included.
    var videoLayers = VideoLayers()
    /// While the room is recorded: this member's recorder (its microphone and camera go to it).
    var recorder: (any RecordingSink)? {
        didSet { for p in peer.producers.values where p.isRecordable { p.recorder = recorder } }
    }
    /// In the lobby: connected to nothing (it receives nothing, nobody receives it) until a
    /// moderator admits it.
    var inLobby = false {
        didSet { for p in peer.producers.values { p.held = inLobby } }
    }
    /// A viewer: receives the others, may not publish.
    let canPublish: Bool
    let joined = ContinuousClock.now

    init(room: ConferenceRoom, id: String, display: String?, transport: WebRTCTransport, session: ConferenceSession,
         keyFrameInterval: Duration, speech: SpeechDetection, canPublish: Bool = true) {
        self.canPublish = canPublish
        self.room = room
        self.session = session
        peer = Peer(id: id, display: display, role: .member, transport: transport, sections: session.sections.map(\.negotiated),
                    delegate: room, keyFrameInterval: keyFrameInterval, speech: speech)
    }

    /// Its tracks, by mid.
    var published: [String: Producer] { peer.producers }

    // MARK: tracks and negotiation

    /// Published tracks from the session: new ones added, stopped ones removed.
    func syncPublished() -> (added: [Producer], removed: [Producer]) {
        peer.sections = session.sections.map(\.negotiated)
        var added: [Producer] = [], removed: [Producer] = []
        for s in session.sections {
            guard case .publish(let source) = s.role else { continue }
            let live = !s.stopped && !s.rejected
            if live, peer.producers[s.mid] == nil {
                let p = peer.publish(s.negotiated, source: source, trackID: "\(id)/\(s.mid)")
                p.held = inLobby
                if p.isRecordable { p.recorder = recorder }
                added.append(p)
            } else if !live, let p = peer.unpublish(mid: s.mid) {
                removed.append(p)
            }
        }
        return (added, removed)
    }

    /// Offers the member exactly `forwards` (no offer if that is what it has; a second offer
    /// waits for the answer to the first).
    func renegotiate(_ forwards: [ForwardRequest]) {
        // Subscriptions to tracks that went away stop at once, before any offer.
        let wanted = Set(forwards.map(\.track))
        for (trackID, s) in subscriptions where !wanted.contains(trackID) { drop(s) }
        guard pending == nil else { offerAgain = true; return }
        guard let (next, offer) = session.offering(forwards) else { return }
        revision += 1
        pending = (next, revision)
        send(.offer(sdp: offer.serialized(), revision: revision))
    }

    /// A subscription stops: its copy leaves its source's table.
    func drop(_ s: Subscription) {
        peer.stopConsuming(s.consumer)
        if subscriptions[s.source.id] === s { subscriptions[s.source.id] = nil }
    }

    /// The member's answer to the bridge's offer `revision`.
    func applyAnswer(_ sdp: SessionDescription, revision: Int) throws(ControlError) {
        guard let pending, pending.revision == revision else {
            throw .negotiation(.invalidSDP("no offer \(revision) is waiting for an answer (it was withdrawn or answered)"))
        }
        do { session = try pending.session.accepting(sdp) } catch { throw .negotiation(error) }
        self.pending = nil
        peer.sections = session.sections.map(\.negotiated)
        activateSubscriptions()
        if offerAgain {
            offerAgain = false
            room.layoutChanged()
        }
    }

    /// An offer from the member (a screen share added or stopped). The bridge is the polite
    /// peer: an offer of its own still out is withdrawn (the member's wins) and made again after.
    func applyOffer(_ sdp: SessionDescription, sources: [String: TrackSource]) throws(ControlError) -> String {
        if pending != nil {
            pending = nil
            offerAgain = true
        }
        var next = session
        let answer: SessionDescription
        do { answer = try next.answer(sdp, sources: sources) } catch { throw .negotiation(error) }
        if !canPublish, next.publishes { throw .notAllowed(.viewerPublishes) }
        session = next
        activateSubscriptions()
        let (added, removed) = syncPublished()
        // The answer goes first; offers the change makes (to this member too) follow it.
        send(.answer(sdp: answer.serialized()))
        let again = offerAgain
        offerAgain = false
        if !added.isEmpty || !removed.isEmpty {
            room.publishedChanged(self, added: added, removed: removed)
        } else if again {
            room.layoutChanged()
        }
        return answer.serialized()
    }

    /// After an answer: a subscription for each forward section that is live, its copy bound
    /// to the section's payload types and extensions; those of sections no longer live go.
    private func activateSubscriptions() {
        var live: Set<String> = []
        for s in session.sections {
            guard case .forward(let trackID) = s.role, !s.stopped, !s.rejected, let ssrc = s.localSSRC,
                  let source = room.track(trackID) else { continue }
            live.insert(trackID)
            if let existing = subscriptions[trackID], existing.consumer.localSSRC == ssrc { continue }
            if let old = subscriptions[trackID] { drop(old) }
            let consumer = peer.consume(s.negotiated, localSSRC: ssrc, from: source.consumers, active: false)
            consumer.producer = source
            consumer.bind(to: source.media)
            if consumer.kind == .video { consumer.apply(videoLayers) }
            let sub = Subscription(consumer: consumer, source: source)
            subscriptions[trackID] = sub
            room.subscriptionAdded(sub, of: self)
        }
        for (trackID, s) in subscriptions where !live.contains(trackID) { drop(s) }
    }

    // MARK: signaling channel

    /// The WebSocket connected: the offer still out (if any) goes again.
    func attachSignal(_ send: @escaping @Sendable (SignalOut) -> Void) {
        signal = send
        if let pending {
            let offer = pending.session.describe(answering: nil)
            self.send(.offer(sdp: offer.serialized(), revision: pending.revision))
        }
    }

    func detachSignal() { signal = nil }

    /// Tells the member something on its channel (dropped while none is connected).
    func send(_ message: SignalOut) {
        signal?(message)
    }

    // MARK: description

    var info: ParticipantInfo {
        var p = peer.info
        p.lossPercent = 0
        p.tracks = session.sections.filter { !$0.rejected }.map { s in
            switch s.role {
            case .publish:
                return peer.trackInfo(s.negotiated)
            case .forward(let trackID):
                var t = peer.trackInfo(s.negotiated)
                let sub = subscriptions[trackID]
                t.inboundSSRC = nil
                t.packets = sub?.consumer.packets ?? 0
                t.track = trackID
                t.paused = sub.map { !$0.flowing }
                return t
            case .unused:
                return TrackInfo(mid: s.mid, kind: s.kind, direction: "inactive", codec: nil, inboundSSRC: nil, outboundSSRC: nil, packets: 0)
            }
        }
        return p
    }
}
