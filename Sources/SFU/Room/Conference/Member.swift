import ICE
import RTP

/// A track a conference member publishes (its microphone, camera or screen), and who receives it.
final class PublishedTrack {
    /// "<member>/<mid>": how the API and the msid name it.
    let id: String
    /// Nil for the bridge's own (music on hold).
    private(set) weak var publisher: Member?
    let mid: String
    let kind: MediaKind
    let source: TrackSource
    /// The publisher's section (its codec and header extensions).
    let media: NegotiatedMedia
    /// Learnt on the first packet.
    var stream: InboundStream?
    /// A moderator muted it: not forwarded, not recorded.
    var muted = false
    /// Its publisher waits in the lobby: not forwarded.
    var held = false
    /// The subscriptions packets go to: active (negotiated), not paused, not over a last-N
    /// limit. Pausing takes a subscription out of this list, so it costs nothing per packet.
    private(set) var receivers: [Subscription] = []

    init(id: String, publisher: Member?, media: NegotiatedMedia, source: TrackSource) {
        self.id = id
        self.publisher = publisher
        self.mid = media.mid
        self.kind = media.kind
        self.source = source
        self.media = media
    }

    var codec: NegotiatedMedia.Codec? { media.codecs.first }
    /// What a member's recording holds: its microphone and camera (one file per kind).
    var recorded: Bool { source == .microphone || source == .camera }

    func updateReceiver(_ s: Subscription) {
        let flowing = s.flowing
        let index = receivers.firstIndex { $0 === s }
        if flowing, index == nil {
            receivers.append(s)
        } else if !flowing, let index {
            receivers.remove(at: index)
        }
    }

    func removeReceivers(of member: Member) {
        receivers.removeAll { $0.subscriber === member }
    }

    var info: ConferenceTrackInfo {
        ConferenceTrackInfo(id: id, participant: publisher?.id ?? "bridge", mid: mid, kind: kind, source: source,
                            codec: codec.map { "\($0.name)/\($0.clockRate)" }, packets: stream?.packets ?? 0)
    }
}

/// One member receiving one other member's track.
final class Subscription {
    unowned let subscriber: Member
    unowned let source: PublishedTrack
    /// The section's SSRC, payload types and extension IDs for this subscriber.
    let track: OutboundTrack
    /// The member paused it (`POST …/subscriptions`).
    var paused = false
    /// Over the member's last-N video limit.
    var suppressed = false

    init(subscriber: Member, source: PublishedTrack, track: OutboundTrack) {
        self.subscriber = subscriber
        self.source = source
        self.track = track
    }

    var flowing: Bool { !paused && !suppressed }

    /// Maps the publisher's payload types and header extensions onto the subscriber's section.
    func bind(section: NegotiatedMedia) {
        for c in source.media.codecs {
            if let mine = section.codecs.first(where: { $0.name.lowercased() == c.name.lowercased() && $0.clockRate == c.clockRate }) {
                track.payloadTypes[Int(c.payloadType & 0x7F)] = mine.payloadType
            }
        }
        track.extensionsIdentity = true
        for (id, uri) in source.media.extensions {
            // The publisher's MID names its own sections: dropped (the subscriber knows the SSRC).
            let mine = uri == Capabilities.midURI ? 0 : section.extensions.first { $0.value == uri }?.key ?? 0
            track.extensionIDs[Int(id)] = mine
            if mine != id { track.extensionsIdentity = false }
        }
    }
}

/// A conference member: one PeerConnection (BUNDLE) on which it publishes its tracks and
/// receives the others'. Confined to the room's loop.
final class Member: TransportDelegate {
    unowned let room: ConferenceRoom
    let id: String
    let display: String?
    let transport: WebRTCTransport
    /// The session as last agreed, and while an offer of the bridge's is out, what it proposes.
    private(set) var session: ConferenceSession
    private(set) var pending: (session: ConferenceSession, revision: Int)?
    private var revision = 0
    /// The room changed while an offer was out: offer again once it is answered.
    private var offerAgain = false
    /// The member's signaling channel (`…/signal` WebSocket); messages wait until it connects.
    private var signal: (@Sendable (String) -> Void)?
    /// Its tracks, by mid.
    private(set) var published: [String: PublishedTrack] = [:]
    /// What it receives, by track id, and by the SSRC the bridge sends it with (for its RTCP).
    private(set) var subscriptions: [String: Subscription] = [:]
    private var bySSRC: [UInt32: Subscription] = [:]
    private(set) var streams: [UInt32: InboundStream] = [:]
    let keyFrameInterval: Duration
    private(set) var speech: SpeechActivity
    /// At most this many video tracks flow to it, by speaking order (nil: all).
    var maxVideo: Int?
    /// While the room is recorded: this member's recorder.
    var recorder: (any RecordingSink)?
    /// In the lobby: connected to nothing (it receives nothing, nobody receives it) until a
    /// moderator admits it.
    var inLobby = false
    /// A viewer: receives the others, may not publish.
    let canPublish: Bool
    private(set) var keyFrameRequests: UInt64 = 0
    private let rtcp = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
    private let reports = UnsafeMutableRawPointer.allocate(byteCount: 1024, alignment: 8)
    let joined = ContinuousClock.now

    init(room: ConferenceRoom, id: String, display: String?, transport: WebRTCTransport, session: ConferenceSession,
         keyFrameInterval: Duration, speech: SpeechDetection, canPublish: Bool = true) {
        self.canPublish = canPublish
        self.room = room
        self.id = id
        self.display = display
        self.transport = transport
        self.session = session
        self.keyFrameInterval = keyFrameInterval
        self.speech = SpeechActivity(speech)
    }

    deinit {
        rtcp.deallocate()
        reports.deallocate()
    }

    // MARK: tracks and negotiation

    /// Published tracks from the session: new ones added, stopped ones removed. Returns whether
    /// anything changed.
    func syncPublished() -> (added: [PublishedTrack], removed: [PublishedTrack]) {
        var added: [PublishedTrack] = [], removed: [PublishedTrack] = []
        for s in session.sections {
            guard case .publish(let source) = s.role else { continue }
            let live = !s.stopped && !s.rejected
            if live, published[s.mid] == nil {
                let t = PublishedTrack(id: "\(id)/\(s.mid)", publisher: self, media: s.negotiated, source: source)
                t.held = inLobby
                published[s.mid] = t
                added.append(t)
            } else if !live, let t = published.removeValue(forKey: s.mid) {
                removed.append(t)
                for (ssrc, stream) in streams where stream.mid == s.mid { streams[ssrc] = nil }
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
        send(["type": "offer", "sdp": offer.serialized(), "revision": revision])
    }

    private func drop(_ s: Subscription) {
        s.paused = true
        s.source.updateReceiver(s)
        subscriptions[s.source.id] = nil
        bySSRC[s.track.localSSRC] = nil
    }

    /// The member's answer to the bridge's offer `revision`.
    func applyAnswer(_ sdp: SessionDescription, revision: Int) throws(ControlError) {
        guard let pending, pending.revision == revision else {
            throw .negotiation(.invalidSDP("no offer \(revision) is waiting for an answer (it was withdrawn or answered)"))
        }
        do { session = try pending.session.accepting(sdp) } catch { throw .negotiation(error) }
        self.pending = nil
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
        if !canPublish, next.publishes { throw .notAllowed("a viewer may not publish") }
        session = next
        activateSubscriptions()
        let (added, removed) = syncPublished()
        // The answer goes first; offers the change makes (to this member too) follow it.
        send(["type": "answer", "sdp": answer.serialized()])
        let again = offerAgain
        offerAgain = false
        if !added.isEmpty || !removed.isEmpty {
            room.publishedChanged(self, added: added, removed: removed)
        } else if again {
            room.layoutChanged()
        }
        return answer.serialized()
    }

    /// After an answer: a subscription for each forward section that is live, bound to the
    /// section's payload types and extensions; those of sections no longer live go.
    private func activateSubscriptions() {
        var live: Set<String> = []
        for s in session.sections {
            guard case .forward(let trackID) = s.role, !s.stopped, !s.rejected, let ssrc = s.localSSRC,
                  let source = room.track(trackID) else { continue }
            live.insert(trackID)
            if let existing = subscriptions[trackID], existing.track.localSSRC == ssrc { continue }
            if let old = subscriptions[trackID] { drop(old) }
            let sub = Subscription(subscriber: self, source: source, track: OutboundTrack(kind: s.kind, mid: s.mid, localSSRC: ssrc))
            sub.bind(section: s.negotiated)
            subscriptions[trackID] = sub
            bySSRC[ssrc] = sub
            room.subscriptionAdded(sub)
        }
        for (trackID, s) in subscriptions where !live.contains(trackID) { drop(s) }
    }

    // MARK: signaling channel

    /// The WebSocket connected: the offer still out (if any) goes again.
    func attachSignal(_ send: @escaping @Sendable (String) -> Void) {
        signal = send
        if let pending {
            let offer = pending.session.describe(answering: nil)
            self.send(["type": "offer", "sdp": offer.serialized(), "revision": pending.revision])
        }
    }

    func detachSignal() { signal = nil }

    func send(_ message: [String: any Sendable]) {
        guard let signal else { return }
        signal(SignalMessage.encode(message))
    }

    /// Tells the member something (a notice, an error about its last message).
    func notify(_ type: String, _ fields: [String: any Sendable] = [:]) {
        var m = fields
        m["type"] = type
        send(m)
    }

    // MARK: media from the member

    func transportDidConnect(_ transport: WebRTCTransport) {
        // What it receives starts on key frames.
        for s in subscriptions.values where s.track.kind == .video { room.requestKeyFrame(s.source, now: .now) }
    }

    func transportDidChangeRemoteAddress(_ transport: WebRTCTransport) {
        for t in published.values where t.kind == .video { room.requestKeyFrame(t, now: .now, force: true) }
    }

    func transport(_ transport: WebRTCTransport, didChangeState state: TransportState) {
        room.transportStateChanged(participantID: id, role: .member, state: state)
    }

    func transport(_ transport: WebRTCTransport, didReceiveRTP packet: RTPPacketView) {
        let stream: InboundStream
        if let known = streams[packet.ssrc] {
            stream = known
        } else {
            guard let learnt = learn(packet) else { return }
            stream = learnt
        }
        guard let track = published[stream.mid] else { return }
        let now = ContinuousClock.now
        stream.received(packet, now: now)
        if let id = stream.audioLevelID, let level = packet.headerExtension(id: id), level.count >= 1,
           let change = speech.observe(level: level[0], now: now - Publisher.origin) {
            room.speechChanged(self, change)
        }
        if let recorder, track.recorded, !track.muted {
            recorder.record(UnsafeRawBufferPointer(packet.bytes), video: stream.kind == .video, codec: stream.codec(packet.payloadType),
                            clockRate: stream.clockRate)
            room.worker.wakeAtFlush(recorder.wakeFD)
            if stream.kind == .video, recorder.wantsKeyFrame { room.requestKeyFrame(track, now: now) }
        }
        room.forward(packet, track: track, stream: stream, now: now)
    }

    /// Once per SSRC: which published section it belongs to (MID extension, else payload type).
    private func learn(_ packet: RTPPacketView) -> InboundStream? {
        let media = published.values.map(\.media)
        guard let section = media.section(of: packet, where: \.receives) else { return nil }
        guard section.codecs.contains(where: { $0.payloadType == packet.payloadType }) else { return nil }
        let stream = InboundStream(ssrc: packet.ssrc, media: section, keyFrameInterval: keyFrameInterval)
        streams[packet.ssrc] = stream
        published[section.mid]?.stream = stream
        room.events.emit("media_started", room: room.id, participant: id, role: "member", kind: section.kind.rawValue)
        return stream
    }

    /// Sender reports (for the subscribers' own), and feedback on what the bridge sends it:
    /// PLI/FIR to the publisher, NACKs from the publisher's retransmission buffer, receiver reports.
    func transport(_ transport: WebRTCTransport, didReceiveRTCP packet: UnsafeMutableRawBufferPointer) {
        let bytes = UnsafeRawBufferPointer(packet)
        var iterator = RTCPCompoundIterator(bytes)
        let now = ContinuousClock.now
        while let (header, range) = iterator.next() {
            switch header.packetType {
            case 200:
                if let (ssrc, ntp, rtp) = InboundStream.senderReportTimes(bytes, range), let stream = streams[ssrc] {
                    stream.senderReport(ntp: ntp, rtp: rtp, arrival: now)
                    if let recorder, published[stream.mid]?.recorded == true {
                        recorder.senderReport(video: stream.kind == .video, ssrc: ssrc, ntp: ntp, rtp: rtp)
                        room.worker.wakeAtFlush(recorder.wakeFD)
                    }
                }
            case 206 where (header.count == 1 || header.count == 4) && range.count >= 12:
                let mediaSSRC = bytes.loadBigEndianUInt32(at: range.lowerBound + 8)
                let target = header.count == 4 && range.count >= 20 ? bytes.loadBigEndianUInt32(at: range.lowerBound + 12) : mediaSSRC
                if let s = bySSRC[target], s.track.kind == .video {
                    keyFrameRequests &+= 1
                    room.requestKeyFrame(s.source, now: now)
                }
            case 205 where header.count == 1 && range.count >= 12:
                let mediaSSRC = bytes.loadBigEndianUInt32(at: range.lowerBound + 8)
                guard let s = bySSRC[mediaSSRC], let buffer = s.source.stream?.retransmissions else { continue }
                var fci = range.lowerBound + 12
                while fci + 4 <= range.upperBound {
                    let pid = UInt16(bytes[fci]) << 8 | UInt16(bytes[fci + 1])
                    let mask = UInt16(bytes[fci + 2]) << 8 | UInt16(bytes[fci + 3])
                    for bit in -1..<16 where bit < 0 || mask & (1 << bit) != 0 {
                        let seq = pid &+ UInt16(bit + 1)
                        if let stored = buffer.packet(sequence: seq &- s.track.sequenceOffset) {
                            room.retransmit(stored, on: s, sequence: seq)
                        }
                    }
                    fci += 4
                }
            default:
                continue
            }
        }
    }

    // MARK: reports

    /// Once a second: receiver reports on what it publishes, sender reports on what it receives.
    func sendReports(now: ContinuousClock.Instant) {
        var offset = 0
        for stream in streams.values where offset + 32 <= 1024 {
            let block = stream.statistics.report(ssrc: stream.ssrc, now: now)
            offset += ReceiverReport.serialize(ssrc: 1, reportBlock: block,
                                               into: UnsafeMutableRawBufferPointer(start: reports + offset, count: 1024 - offset))
        }
        for s in subscriptions.values where offset + 28 <= 1024 {
            guard let source = s.track.source, let sr = s.source.stream?.lastSenderReport, s.source.stream?.ssrc == source else { continue }
            offset += SenderReport.serialize(
                ssrc: s.track.localSSRC, ntpTimestamp: sr.ntp, rtpTimestamp: sr.rtp &+ s.track.timestampOffset,
                packetCount: UInt32(truncatingIfNeeded: s.track.packets), octetCount: UInt32(truncatingIfNeeded: s.track.bytes),
                reportBlock: nil, into: UnsafeMutableRawBufferPointer(start: reports + offset, count: 1024 - offset))
        }
        if offset > 0 { transport.sendRTCP(UnsafeRawBufferPointer(start: reports, count: offset)) }
        if let change = speech.tick(now: now - Publisher.origin) { room.speechChanged(self, change) }
    }

    /// RFC 4585 PLI, or RFC 5104 FIR where the member negotiated only that.
    func requestKeyFrame(_ stream: InboundStream) {
        keyFrameRequests &+= 1
        let n = stream.writeKeyFrameRequest(into: UnsafeMutableRawBufferPointer(start: rtcp, count: 64))
        transport.sendRTCP(UnsafeRawBufferPointer(start: rtcp, count: n))
    }

    var info: ParticipantInfo {
        var p = ParticipantInfo(transport: transport, id: id, display: display, role: .member, keyFrameRequests: keyFrameRequests)
        p.packetsLost = streams.values.reduce(0) { $0 + max(0, $1.statistics.cumulativeLost) }
        p.tracks = session.sections.filter { !$0.rejected }.map { s in
            switch s.role {
            case .publish:
                let stream = streams.values.first { $0.mid == s.mid }
                return TrackInfo(mid: s.mid, kind: s.kind, direction: s.direction.rawValue,
                                 codec: s.codecs.first.map { "\($0.name)/\($0.clockRate)" },
                                 inboundSSRC: stream?.ssrc, outboundSSRC: nil, packets: stream?.packets ?? 0)
            case .forward(let trackID):
                let sub = subscriptions[trackID]
                return TrackInfo(mid: s.mid, kind: s.kind, direction: s.direction.rawValue,
                                 codec: s.codecs.first.map { "\($0.name)/\($0.clockRate)" },
                                 inboundSSRC: nil, outboundSSRC: s.localSSRC, packets: sub?.track.packets ?? 0,
                                 track: trackID, paused: sub.map { !$0.flowing })
            case .unused:
                return TrackInfo(mid: s.mid, kind: s.kind, direction: "inactive", codec: nil, inboundSSRC: nil, outboundSSRC: nil, packets: 0)
            }
        }
        return p
    }
}
