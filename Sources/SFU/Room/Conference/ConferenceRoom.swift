import Foundation
import ICE
import RTP
import Rings

/// Every member publishes (a microphone, a camera, a screen) and receives the others, on one
/// PeerConnection each (BUNDLE). When tracks come or go the bridge renegotiates: it pushes an
/// offer over the member's signaling channel, the member answers (`Member`, `ConferenceSession`).
/// Each published track is a `Producer` whose subscribers' copies are its `consumers`: the room
/// keeps only who receives what. Confined to its worker's event loop (conferences are small:
/// one worker serves a room).
final class ConferenceRoom: Room, PeerDelegate, @unchecked Sendable {
    let id: String
    var kind: RoomKind { .conference }
    let description: String?
    let worker: MediaWorker
    let events: EventBus
    let keyFrameInterval: Duration
    let speech: SpeechDetection
    /// 403 `room_full` beyond this many members.
    let maxMembers: Int
    private var members: [String: Member] = [:]
    /// Join order: the order tracks are offered in.
    private var memberList: [Member] = []
    /// Members by who spoke last (first): what last-N keeps.
    private var speakingOrder: [String] = []
    private(set) var dominantSpeaker: String?
    /// Members' subscription choices that outlive renegotiations: paused track ids.
    private var pausedByMember: [String: Set<String>] = [:]
    private var lobby = Lobby()
    /// Music on hold for a member alone in the room.
    let hold: HoldMusic?
    /// While the room is recorded: makes the recorder of a member (nil: not recorded).
    private var makeRecorder: (@Sendable (String) -> (any RecordingSink)?)?

    init(id: String, description: String?, worker: MediaWorker, events: EventBus, keyFrameInterval: Duration,
         speech: SpeechDetection, maxMembers: Int, hold: OggOpus?) {
        self.id = id
        self.description = description
        self.worker = worker
        self.events = events
        self.keyFrameInterval = keyFrameInterval
        self.speech = speech
        self.maxMembers = maxMembers
        self.hold = hold.map { HoldMusic(ogg: $0) }
        self.hold?.room = self
    }

    var isEmpty: Bool { members.isEmpty }
    /// Members and viewers alike may wait in the lobby.
    func hasLobby(for role: ParticipantRole?) -> Bool { true }

    // MARK: members

    func join(_ request: JoinRequest) throws(ControlError) -> String {
        guard request.role == nil || request.role == .member || request.role == .viewer else {
            throw .invalidRole(.notInRoom(.conference, role: request.role))
        }
        guard members.count < maxMembers else { throw .roomFull(room: id, limit: maxMembers) }
        let remote: RemoteTransportParameters
        do { remote = try remoteTransport(of: request.offer, preferredRole: request.local.preferredRole) } catch { throw .negotiation(error) }
        var session = ConferenceSession(local: request.local, role: remote.dtlsRole, remoteUfrag: remote.ice.ufrag)
        let answer: SessionDescription
        do { answer = try session.answer(request.offer, sources: request.sources) } catch { throw .negotiation(error) }
        let canPublish = request.role != .viewer
        if !canPublish, session.publishes { throw .notAllowed(.viewerPublishes) }
        let transport: WebRTCTransport
        do {
            transport = try worker.makeTransport(
                id: request.participantID, iceCredentials: request.local.ice, remoteCredentials: remote.ice,
                dtlsRole: remote.dtlsRole, remoteFingerprint: remote.fingerprint, consentTimeout: request.consentTimeout)
        } catch {
            throw .transport(error)
        }
        let member = Member(room: self, id: request.participantID, display: request.display, transport: transport,
                            session: session, keyFrameInterval: keyFrameInterval, speech: speech, canPublish: canPublish)
        member.inLobby = request.lobby
        if canPublish { member.peer.maxBitrate = request.maxBitrate }
        members[member.id] = member
        memberList.append(member)
        speakingOrder.append(member.id)
        events.emit(.participantJoined(room: id, participant: member.id, role: canPublish ? .member : .viewer, display: request.display))
        if member.inLobby {
            lobby.enter(member.id)
            Lobby.announce(.sentBack, room: id, participant: member.id, display: request.display, events: events)
        } else if let makeRecorder {
            member.recorder = makeRecorder(member.id)
        }
        let (added, _) = member.syncPublished()
        for t in added { announce(t, published: true) }
        layoutChanged()
        return answer.serialized()
    }

    func peer(_ id: String) -> Peer? { members[id]?.peer }

    func participantInfo(_ id: String) -> ParticipantInfo? {
        members[id]?.info
    }

    func remove(participantID: String, reason: LeaveReason) -> Bool {
        guard let m = members.removeValue(forKey: participantID) else { return false }
        memberList.removeAll { $0 === m }
        speakingOrder.removeAll { $0 == participantID }
        pausedByMember[participantID] = nil
        lobby.leave(participantID)
        for t in m.published.values {
            announce(t, published: false)
            // Nobody receives it any more (the renegotiation below retires the sections).
            t.consumers.removeAll()
        }
        for s in Array(m.subscriptions.values) { m.drop(s) }
        if m.peer.speech.speaking { events.emit(.speaking(room: id, participant: m.id, role: .member, speaking: false)) }
        if dominantSpeaker == m.id { dominantSpeaker = nil }
        events.emit(.participantLeft(room: id, participant: participantID, role: .member, reason: reason))
        m.detachSignal()
        m.peer.close()
        layoutChanged()
        return true
    }

    func close() {
        for m in memberList { _ = remove(participantID: m.id, reason: .roomDestroyed) }
        hold?.stop()
    }

    var info: RoomInfo {
        var r = RoomInfo(id: id, kind: .conference, description: description, participants: memberList.map(\.info))
        r.tracks = memberList.flatMap { m in m.published.values.sorted { $0.mid < $1.mid }.map { trackInfo($0, of: m) } }
        r.maxMembers = maxMembers
        return r
    }

    private func trackInfo(_ t: Producer, of member: Member) -> ConferenceTrackInfo {
        ConferenceTrackInfo(id: t.id, participant: member.id, mid: t.mid, kind: t.kind, source: t.source,
                            codec: t.codec.map { "\($0.name)/\($0.clockRate)" }, packets: t.packets)
    }

    func track(_ id: String) -> Producer? {
        if id == HoldMusic.trackID { return hold?.track }
        guard let slash = id.firstIndex(of: "/") else { return nil }
        return members[String(id[..<slash])]?.published[String(id[id.index(after: slash)...])]
    }

    /// The member that publishes `track`, if a member does.
    private func publisher(of track: Producer) -> Member? {
        guard let peer = track.peer else { return nil }
        return members[peer.id]
    }

    private func announce(_ t: Producer, published: Bool) {
        events.emit(published
            ? .trackPublished(room: id, participant: t.peer?.id, kind: t.kind, source: t.source, track: t.id)
            : .trackUnpublished(room: id, participant: t.peer?.id, kind: t.kind, source: t.source, track: t.id))
    }

    /// Someone joined or left, or published or stopped a track: each member is offered every
    /// other member's tracks (and music on hold when alone).
    func layoutChanged() {
        let admitted = memberList.filter { !$0.inLobby }
        let alone = admitted.count == 1
        for m in memberList {
            var forwards: [ForwardRequest] = []
            for other in admitted where other !== m && !m.inLobby {
                for t in other.published.values.sorted(by: { $0.mid < $1.mid }) {
                    guard let c = t.codec else { continue }
                    forwards.append(ForwardRequest(track: t.id, kind: t.kind, codecName: c.name, clockRate: c.clockRate, stream: other.id))
                }
            }
            if alone, !m.inLobby, let hold {
                forwards.append(ForwardRequest(track: HoldMusic.trackID, kind: .audio, codecName: "opus", clockRate: 48000, stream: "hold"))
                hold.start()
            }
            m.renegotiate(forwards)
        }
        if !alone { hold?.stop() }
        worker.flush()
    }

    /// A member's own offer changed what it publishes.
    func publishedChanged(_ member: Member, added: [Producer], removed: [Producer]) {
        for t in added { announce(t, published: true) }
        for t in removed {
            announce(t, published: false)
            t.consumers.removeAll()
        }
        if !added.isEmpty || !removed.isEmpty { layoutChanged() }
    }

    /// An answer made a subscription live: it flows unless the member paused it or it is over
    /// the member's last-N.
    func subscriptionAdded(_ s: Subscription, of member: Member) {
        s.paused = pausedByMember[member.id]?.contains(s.source.id) ?? false
        applyLastN(member)
        s.update()
        if s.consumer.kind == .video, s.flowing { s.source.requestKeyFrame(now: .now) }
    }

    // MARK: moderation

    /// The lobby: admit a waiting member (it then receives the others and they it), deny it
    /// (it is removed), or send an admitted one back. The member is told on its channel.
    func lobby(participantID id: String, action: LobbyAction) -> Bool {
        guard let m = members[id] else { return false }
        let transition = lobby.apply(action, to: id)
        Lobby.announce(transition, room: self.id, participant: id, display: m.display, events: events)
        switch transition {
        case .admitted:
            m.inLobby = false
            if let makeRecorder, m.recorder == nil { m.recorder = makeRecorder(m.id) }
            m.send(.lobby(.admitted))
            layoutChanged()
        case .denied:
            m.send(.lobby(.denied))
            _ = remove(participantID: id, reason: .lobbyDenied)
        case .sentBack:
            m.inLobby = true
            m.recorder = nil
            m.send(.lobby(.waiting))
            layoutChanged()
        case .none:
            break
        }
        worker.flush()
        return true
    }

    func moderatorChanged(participantID id: String, moderator: Bool) {
        members[id]?.send(.moderator(moderator))
    }

    /// A moderator muted (or unmuted) a member's audio or video: its tracks of that kind are
    /// no longer forwarded (nor recorded), and the member is told on its signaling channel.
    func setMuted(publisher id: String, kind: MediaKind, muted: Bool) -> Bool {
        guard let m = members[id] else { return false }
        for t in m.published.values where t.kind == kind {
            t.muted = muted
            if !muted, kind == .video {
                for c in t.consumers.consumers { c.waitingForKeyFrame = true }
                t.requestKeyFrame(now: .now, force: true)
            }
        }
        m.send(.muted(kind: kind, muted: muted))
        worker.flush()
        return true
    }

    // MARK: recording

    /// From now on each member (the current ones and those who join) is recorded by the
    /// recorder `make` gives it: its microphone and camera, each packet copied into the
    /// recorder's ring (no file I/O here). Camera tracks are asked for a key frame.
    var recordingPlan: RecordingPlan? { .perMember }

    func startRecording(_ sinks: RecordingSinks, now: ContinuousClock.Instant) {
        guard case .perMember(let make) = sinks else { return }
        makeRecorder = make
        for m in memberList {
            m.recorder = make(m.id)
            guard let r = m.recorder else { continue }
            for t in m.published.values where t.isRecordable {
                if t.kind == .video { t.requestKeyFrame(now: now, force: true) }
                for stream in t.streams {
                    guard let sr = stream.lastSenderReport else { continue }
                    r.senderReport(video: t.kind == .video, ssrc: stream.ssrc, ntp: sr.ntp, rtp: sr.rtp)
                }
            }
            worker.wakeAtFlush(r.wakeFD)
        }
        worker.flush()
    }

    /// No more packets go to the recorders (which the caller then stops).
    func stopRecording() {
        makeRecorder = nil
        for m in memberList { m.recorder = nil }
    }

    // MARK: subscriptions

    /// Pauses or resumes tracks a member receives; a resumed video track restarts on a key frame.
    func setPaused(member id: String, tracks: [String], paused: Bool) throws(ControlError) -> [TrackInfo] {
        guard let m = members[id] else { throw .participantNotFound(room: self.id, participant: id) }
        for t in tracks where track(t) == nil || track(t).flatMap(publisher) === m {
            throw .trackNotFound(room: self.id, track: t)
        }
        var set = pausedByMember[id] ?? []
        for t in tracks {
            if paused { set.insert(t) } else { set.remove(t) }
            guard let s = m.subscriptions[t] else { continue }
            let was = s.flowing
            s.paused = paused
            s.update()
            if !was, s.flowing { restart(s) }
        }
        pausedByMember[id] = set
        worker.flush()
        return m.info.tracks.filter { $0.track != nil }
    }

    /// A member's simulcast bounds on every video it receives (kept for those to come); paused
    /// stops or resumes them all, as pausing each track would.
    func setVideo(participantID id: String, _ layers: VideoLayers) -> [TrackInfo]? {
        guard let m = members[id] else { return nil }
        m.videoLayers.applyBounds(of: layers)
        let videos = m.subscriptions.filter { $0.value.consumer.kind == .video }
        for s in videos.values { s.consumer.apply(layers) }
        if let paused = layers.paused {
            _ = try? setPaused(member: id, tracks: Array(videos.keys), paused: paused)
        }
        worker.flush()
        return m.info.tracks.filter { $0.kind == .video && $0.track != nil }
    }

    /// A subscription flows again: its video restarts on a key frame, asked for at once.
    private func restart(_ s: Subscription) {
        guard s.consumer.kind == .video else { return }
        s.consumer.waitingForKeyFrame = true
        s.source.requestKeyFrame(now: .now, force: true)
    }

    /// At most `count` video tracks to this member, by who spoke last (nil: all).
    func setMaxVideo(member id: String, count: Int?) throws(ControlError) -> [TrackInfo] {
        guard let m = members[id] else { throw .participantNotFound(room: self.id, participant: id) }
        m.maxVideo = count
        applyLastN(m)
        worker.flush()
        return m.info.tracks.filter { $0.track != nil }
    }

    /// Last-N: the member's video subscriptions ranked by their publishers' speaking order
    /// (screens first); those past its limit stop flowing, those back within it restart on a
    /// key frame.
    private func applyLastN(_ m: Member) {
        let videos = m.subscriptions.values.filter { $0.consumer.kind == .video }
        let rank = Dictionary(uniqueKeysWithValues: speakingOrder.enumerated().map { ($1, $0) })
        let ordered = videos.sorted { a, b in
            let sa = a.source.source == .screen ? -1 : rank[a.source.peer?.id ?? ""] ?? Int.max
            let sb = b.source.source == .screen ? -1 : rank[b.source.peer?.id ?? ""] ?? Int.max
            return sa != sb ? sa < sb : a.source.id < b.source.id
        }
        for (i, s) in ordered.enumerated() {
            let suppress = m.maxVideo.map { i >= $0 } ?? false
            guard suppress != s.suppressed else { continue }
            let was = s.flowing
            s.suppressed = suppress
            s.update()
            if !was, s.flowing { restart(s) }
        }
    }

    // MARK: signaling

    /// A message from the member's signaling channel: its answer to the bridge's offer, or an
    /// offer of its own. Errors go back on the channel.
    func signal(from id: String, _ message: SignalMessage) {
        guard let m = members[id] else { return }
        do throws(ControlError) {
            switch message {
            case .answer(let sdp, let revision):
                try m.applyAnswer(sdp, revision: revision)
            case .offer(let sdp, let sources):
                _ = try m.applyOffer(sdp, sources: sources)
            }
        } catch {
            m.send(.error(error))
        }
        worker.flush()
    }

    func attachSignal(member id: String, _ send: @escaping @Sendable (SignalOut) -> Void) -> Bool {
        guard let m = members[id] else { return false }
        m.attachSignal(send)
        return true
    }

    func detachSignal(member id: String) {
        members[id]?.detachSignal()
    }

    // MARK: the members' media (PeerDelegate)

    func peerDidConnect(_ peer: Peer) {
        // What it receives starts on key frames.
        for c in peer.consumers.values where c.kind == .video { c.producer?.requestKeyFrame(now: .now) }
    }

    func peer(_ peer: Peer, didChangeState state: TransportState) {
        transportStateChanged(peer, state) { _ = remove(participantID: $0, reason: $1) }
    }

    /// One packet of a published track: into the member's recording, then to everyone
    /// receiving it. No allocation.
    func peer(_ peer: Peer, didReceive packet: RTPPacketView, from producer: Producer, stream: InboundStream,
              now: ContinuousClock.Instant) {
        guard !producer.muted else { return }
        if let recorder = producer.recorder, stream.layer &+ 1 == stream.layers {  // simulcast: the best encoding
            recorder.record(UnsafeRawBufferPointer(packet.bytes), video: stream.kind == .video, codec: stream.codec(packet.payloadType),
                            clockRate: stream.clockRate)
            worker.wakeAtFlush(recorder.wakeFD)
            if stream.kind == .video, recorder.wantsKeyFrame { producer.requestKeyFrame(now: now) }
        }
        guard !producer.held else { return }
        if producer.consumers.forward(packet, codec: stream.codec(packet.payloadType), clockRate: stream.clockRate,
                                      now: MediaClock.elapsed(now), layer: stream.layer, layers: stream.layers, best: stream.best) {
            producer.requestKeyFrame(ssrc: stream.ssrc, now: now)
        }
    }

    func peer(_ peer: Peer, didReceiveSenderReport time: SenderReportTime, on stream: InboundStream, of producer: Producer) {
        guard let recorder = producer.recorder else { return }
        recorder.senderReport(video: stream.kind == .video, ssrc: stream.ssrc, ntp: time.ntp, rtp: time.rtp)
        worker.wakeAtFlush(recorder.wakeFD)
    }

    func peer(_ peer: Peer, speech change: SpeechActivity.Change) {
        events.emit(.speaking(room: id, participant: peer.id, role: .member, speaking: change == .started))
        guard change == .started else { return }
        speakingOrder.removeAll { $0 == peer.id }
        speakingOrder.insert(peer.id, at: 0)
        if dominantSpeaker != peer.id {
            dominantSpeaker = peer.id
            events.emit(.dominantSpeaker(room: id, participant: peer.id))
            for m in memberList where m.maxVideo != nil { applyLastN(m) }
        }
    }

    func tick(now: ContinuousClock.Instant) {
        for m in memberList {
            m.peer.tick(now: now)
            // layer_changed for the simulcast tracks whose encoding changed since the last tick.
            for (trackID, s) in m.subscriptions where s.consumer.kind == .video && (s.source.streams.first?.layers ?? 1) > 1 {
                guard let layer = s.consumer.layer, layer != s.consumer.reportedLayer else { continue }
                s.consumer.reportedLayer = layer
                events.emit(.layerChanged(room: id, participant: m.id, track: trackID, layer: layer))
            }
        }
        worker.flush()
    }
}

/// What a moderator does with a member and the lobby.
public enum LobbyAction: String, Sendable {
    case admit, deny
    /// Back to the lobby.
    case wait
}
