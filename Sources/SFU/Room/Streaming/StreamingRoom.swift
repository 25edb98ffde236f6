import ICE
import RTP
import Rings

/// One streamer, any number of viewers (the Janus streaming model). Every viewer's copies have
/// their own SSRC, sequence and timestamp spaces, so when the streamer changes the viewers play
/// on with no renegotiation. Confined to its (home) worker's event loop.
///
/// The viewers on the home worker are served directly (`local`). With viewers spread over
/// workers, each other worker that serves some has a `ViewerGroup` of its own: each streamer
/// packet is copied once into the ring towards that worker, which does the rest on its loop.
final class StreamingRoom: Room, PeerDelegate, RingReceiver, @unchecked Sendable {
    let id: String
    let description: String?
    let worker: MediaWorker
    let events: EventBus
    let keyFrameInterval: Duration
    let speech: SpeechDetection
    /// The participant who spoke last (`dominant_speaker`).
    private(set) var dominantSpeaker: String?
    /// The room's token on the workers' rings.
    let token: UInt32
    private(set) var streamer: Peer?
    /// Eligible streamers that arrived while another streamed, first come first: connected,
    /// their packets not forwarded; the first takes over when the streamer leaves.
    private(set) var standby: [Peer] = []
    /// The viewers on the home worker.
    let local: ViewerGroup
    /// The other workers that serve viewers of this room.
    private var links: [Link] = []
    private(set) var streamerChanges: UInt64 = 0
    /// The room's running recording: every streamer packet is also copied into its ring.
    private(set) var recorder: (any RecordingSink)?
    /// Whether the current streamer's packets go to `recorder` (it records everyone, or this one).
    private var recordsStreamer = false
    /// Kinds a moderator muted: not forwarded (nor recorded) until unmuted.
    private var mutedKinds: Set<MediaKind> = []
    /// A room fed by plain RTP: its source takes the streamer's place (no WebRTC streamer joins).
    private(set) var source: RTPSource?
    /// Plain RTP copies of what the room streams (`rtp_forward`).
    private var forwarders: [RTPForwarder] = []

    /// A viewer group on another worker, and the ring to it.
    struct Link {
        var worker: Int
        var ring: WorkerRing
        var group: ViewerGroup
    }

    init(id: String, description: String?, worker: MediaWorker, events: EventBus, keyFrameInterval: Duration = .milliseconds(500),
         token: UInt32 = 0, speech: SpeechDetection = SpeechDetection()) {
        self.speech = speech
        self.events = events
        self.id = id
        self.description = description
        self.worker = worker
        self.keyFrameInterval = keyFrameInterval
        self.token = token
        local = ViewerGroup(id: id, worker: worker, events: events, token: token, uplink: nil, keyFrameInterval: keyFrameInterval)
        local.attachHome(self)
    }

    var kind: RoomKind { .streaming }
    /// A room with an RTP source is never empty: it waits for its encoder and its viewers.
    var isEmpty: Bool { streamer == nil && source == nil && standby.isEmpty && local.isEmpty }
    var viewerCount: Int { local.viewerCount }
    /// Viewers (not streamers) may wait in the lobby.
    func hasLobby(for role: ParticipantRole?) -> Bool { role == .viewer }
    var spreadToken: UInt32? { token }

    /// The viewers here are in `local`.
    func lobby(participantID: String, action: LobbyAction) -> Bool {
        local.lobby(participantID: participantID, action: action)
    }

    // MARK: control

    func join(_ request: JoinRequest) throws(ControlError) -> String {
        switch request.role {
        case .streamer?:
            guard source == nil else { throw .sourceFed(id) }
            if let current = streamer, !request.standby {
                throw .streamerPresent(room: id, streamer: current.display.map { "\(current.id), \"\($0)\"" } ?? current.id)
            }
            let (answer, transport) = try negotiate(request, bridgeSends: { _ in false }, singleCodec: true)
            let peer = Peer(id: request.participantID, display: request.display, role: .streamer, transport: transport,
                            sections: answer.media, delegate: self, keyFrameInterval: keyFrameInterval, speech: speech)
            peer.maxBitrate = request.maxBitrate
            for section in answer.media where section.receives {
                peer.publish(section, source: section.kind == .audio ? .microphone : .camera, trackID: "\(peer.id)/\(section.mid)")
            }
            events.emit(.participantJoined(room: id, participant: peer.id, role: .streamer, display: request.display))
            if streamer == nil {
                takeOver(peer)
            } else {
                standby.append(peer)
                events.emit(.streamerStandby(room: id, participant: peer.id, streamer: streamer?.id))
            }
            return answer.sdp.serialized()
        case .viewer?:
            return try local.join(request)
        case .echo?, .member?, nil:
            throw .invalidRole(.notInRoom(.streaming, role: request.role))
        }
    }

    /// The room is fed by plain RTP from now on (on the room's loop, before anyone joins).
    func attachSource(_ settings: RTPSourceSettings, host: String, ports: ClosedRange<Int>, silence: Duration) throws(ControlError) {
        let source = try RTPSource(room: self, settings: settings, host: host, ports: ports, silence: silence)
        self.source = source
        source.start()
        tellViewers(snapshot)
    }

    /// `peer` becomes the streamer: viewers switch to it (a key frame is asked for at once
    /// when its streams are known already, a waiting streamer's).
    private func takeOver(_ peer: Peer) {
        streamer = peer
        streamerChanges &+= 1
        recordsStreamer = records(peer)
        tellViewers(snapshot)
        events.emit(.streamerChanged(room: id, participant: peer.id, streamer: peer.id))
        requestKeyFrame(ssrc: 0, now: .now)
    }

    func peer(_ id: String) -> Peer? {
        if let streamer, streamer.id == id { return streamer }
        if let s = standby.first(where: { $0.id == id }) { return s }
        return local.peer(id)
    }

    func participantInfo(_ id: String) -> ParticipantInfo? {
        if let streamer, streamer.id == id { return streamer.info }
        if let s = standby.first(where: { $0.id == id }) { return standbyInfo(s) }
        return local.participantInfo(id)
    }

    private func standbyInfo(_ peer: Peer) -> ParticipantInfo {
        var info = peer.info
        info.notice = "standby: takes over when the streamer leaves"
        return info
    }

    func remove(participantID: String, reason: LeaveReason) -> Bool {
        if let s = streamer, s.id == participantID {
            events.emit(.participantLeft(room: id, participant: participantID, role: .streamer, reason: reason))
            streamerLeft(s)
            s.close()
            return true
        }
        if let i = standby.firstIndex(where: { $0.id == participantID }) {
            let s = standby.remove(at: i)
            events.emit(.participantLeft(room: id, participant: participantID, role: .streamer, reason: reason))
            s.close()
            return true
        }
        return local.remove(participantID: participantID, reason: reason)
    }

    /// The streamer and the home worker's viewers leave; the groups on other workers are closed
    /// by the control plane on their own loops.
    func close() {
        for s in standby { _ = remove(participantID: s.id, reason: .roomDestroyed) }
        if let s = streamer { _ = remove(participantID: s.id, reason: .roomDestroyed) }
        local.close()
        source?.close()
        if !links.isEmpty { worker.unregister(receiverToken: token) }
        links.removeAll()
    }

    var info: RoomInfo {
        var participants: [ParticipantInfo] = []
        if let streamer { participants.append(streamer.info) }
        participants += standby.map(standbyInfo)
        participants += local.infos.map(\.info)
        return RoomInfo(id: id, kind: .streaming, description: description, participants: participants, source: source?.info)
    }

    /// The streamers, then every viewer (here and on other workers) in join order.
    func info(withRemoteViewers viewers: [(joined: ContinuousClock.Instant, info: ParticipantInfo)]) -> RoomInfo {
        guard !viewers.isEmpty else { return info }
        var participants: [ParticipantInfo] = []
        if let streamer { participants.append(streamer.info) }
        participants += standby.map(standbyInfo)
        participants += (local.infos + viewers).sorted { $0.joined < $1.joined }.map(\.info)
        return RoomInfo(id: id, kind: .streaming, description: description, participants: participants, source: source?.info)
    }

    /// What viewers need of the current streamer, nil without one.
    var snapshot: StreamerSnapshot? {
        if let source { return StreamerSnapshot(media: source.media, senderReports: source.senderReports) }
        guard let streamer else { return nil }
        var reports: [UInt32: SenderReportTime] = [:]
        for producer in streamer.producers.values {
            for stream in producer.streams { reports[stream.ssrc] = stream.lastSenderReport }
        }
        return StreamerSnapshot(media: streamer.sections, senderReports: reports)
    }

    /// A streamer came or went: the viewers here at once, the other groups on their loops.
    private func tellViewers(_ snapshot: StreamerSnapshot?) {
        for f in forwarders { f.sourceChanged() }
        local.streamerChanged(snapshot)
        for link in links {
            let group = link.group
            group.worker.eventLoop.execute { group.streamerChanged(snapshot) }
        }
    }

    /// A group of this room's viewers on another worker, fed through `ring` (home → there).
    /// Tells it the current streamer on its loop, before anything the caller queues there next.
    func attach(_ group: ViewerGroup, ring: WorkerRing) {
        if links.isEmpty { worker.register(receiver: self, token: token) }
        links.append(Link(worker: group.worker.index, ring: ring, group: group))
        let snapshot = snapshot
        group.worker.eventLoop.execute { group.streamerChanged(snapshot) }
    }

    /// The streamer is gone (left, kicked, or its transport failed): viewers wait for the next
    /// one, keeping their sequence and timestamp spaces; a waiting streamer takes over at once.
    private func streamerLeft(_ peer: Peer) {
        guard streamer === peer else { return }
        streamer = nil
        recordsStreamer = false
        mutedKinds = []
        if peer.speech.speaking {
            events.emit(.speaking(room: id, participant: peer.id, role: .streamer, speaking: false))
        }
        tellViewers(nil)
        events.emit(.streamerChanged(room: id, participant: peer.id, streamer: nil))
        if !standby.isEmpty { takeOver(standby.removeFirst()) }
    }

    /// Once a second: receiver reports to the streamer, sender reports to the viewers here
    /// (each other group has its own tick).
    func tick(now: ContinuousClock.Instant) {
        for f in forwarders { f.sendReports(worker: worker) { self.stream(ssrc: $0)?.lastSenderReport } }
        if let source {
            source.tick(now: now)
            local.tick(now: now)
            worker.flush()
            return
        }
        guard let streamer, streamer.transport.state == .connected else {
            if !forwarders.isEmpty { worker.flush() }
            return
        }
        streamer.tick(now: now)
        local.tick(now: now)
        worker.flush()
    }

    // MARK: moderation

    /// Mutes or unmutes the streamer's audio or video (viewers then wait for a key frame).
    func setMuted(publisher id: String, kind: MediaKind, muted: Bool) -> Bool {
        guard let streamer, streamer.id == id else { return false }
        if muted { mutedKinds.insert(kind) } else { mutedKinds.remove(kind) }
        if !muted, kind == .video { requestKeyFrame(ssrc: 0, now: .now) }
        return true
    }

    // MARK: recording

    var recordingPlan: RecordingPlan? { .room }

    func startRecording(_ sinks: RecordingSinks, now: ContinuousClock.Instant) {
        guard case .room(let recorder) = sinks else { return }
        startRecording(recorder, now: now)
    }

    /// From now on every streamer packet also goes to `recorder`; the streamer is asked for a
    /// key frame so that the video file starts decodable.
    func startRecording(_ recorder: any RecordingSink, now: ContinuousClock.Instant) {
        self.recorder = recorder
        recordsStreamer = streamer.map(records) ?? (source != nil && recorder.participants == nil)
        requestKeyFrame(ssrc: 0, now: now)
        // The sync of each track: the streamer's last sender reports (new ones follow).
        if recordsStreamer {
            let streams = streamer.map { $0.producers.values.flatMap(\.streams) } ?? source?.tracks.compactMap(\.stream) ?? []
            for stream in streams {
                guard let sr = stream.lastSenderReport else { continue }
                recorder.senderReport(video: stream.kind == .video, ssrc: stream.ssrc, ntp: sr.ntp, rtp: sr.rtp)
            }
            worker.wakeAtFlush(recorder.wakeFD)
        }
    }

    /// No more packets go to the recorder (which the caller then stops).
    func stopRecording() {
        recorder = nil
        recordsStreamer = false
    }

    private func records(_ peer: Peer) -> Bool {
        guard let recorder else { return false }
        return recorder.participants?.contains(peer.id) ?? true
    }

    // MARK: the streamer's media (PeerDelegate)

    func peerDidConnect(_ peer: Peer) {
        // A new streamer: viewers need its first key frame (one on standby: when it takes over).
        guard streamer === peer else { return }
        requestKeyFrame(ssrc: 0, now: .now)
    }

    func peerDidChangeRemoteAddress(_ peer: Peer) {
        guard streamer === peer else { return }
        requestKeyFrame(ssrc: 0, now: .now)
    }

    func peer(_ peer: Peer, didChangeState state: TransportState) {
        transportStateChanged(peer, state) { _ = remove(participantID: $0, reason: $1) }
    }

    /// Fan-out of one streamer packet: copied into the ring of every other worker with viewers
    /// of this room, then to the viewers here (rewritten in place and restored). No allocation.
    /// A streamer on standby: its streams are known (a key frame is asked for when it takes
    /// over), nothing is forwarded.
    func peer(_ peer: Peer, didReceive packet: RTPPacketView, from producer: Producer, stream: InboundStream,
              now: ContinuousClock.Instant) {
        guard streamer === peer else { return }
        forward(packet, stream: stream, codec: stream.codec(packet.payloadType), now: now)
    }

    /// A packet of the RTP source's stream: as a streamer's.
    func forwardSource(_ packet: RTPPacketView, stream: InboundStream, codec: CodecKind, now: ContinuousClock.Instant) {
        forward(packet, stream: stream, codec: codec, now: now)
    }

    /// The RTP source's track started a stream (a new SSRC). After the first, the sender
    /// restarted: the viewers' copies start again on its next key frame, numbering continuous.
    func sourceStreamStarted(_ kind: MediaKind, restart: Bool) {
        if restart { tellViewers(snapshot) }
    }

    /// A sender report of the RTP source's stream.
    func sourceSenderReport(_ time: SenderReportTime, on stream: InboundStream) {
        senderReport(time, on: stream)
    }

    /// One packet of what the room streams: to the recorder, the other workers' viewers and the
    /// viewers here.
    @inline(__always)
    private func forward(_ packet: RTPPacketView, stream: InboundStream, codec: CodecKind, now: ContinuousClock.Instant) {
        if !mutedKinds.isEmpty, mutedKinds.contains(stream.kind) { return }
        // Simulcast: recordings and plain RTP forwarders take the best encoding only.
        let best = stream.layer &+ 1 == stream.layers
        if best, recordsStreamer, let recorder {
            recorder.record(UnsafeRawBufferPointer(packet.bytes), video: stream.kind == .video, codec: codec,
                            clockRate: stream.clockRate)
            worker.wakeAtFlush(recorder.wakeFD)
            if stream.kind == .video, recorder.wantsKeyFrame { requestKeyFrame(stream, now: now) }
        }
        if !links.isEmpty { relay(packet, from: stream, codec: codec) }
        local.forward(packet, kind: stream.kind, clockRate: stream.clockRate, codec: codec, now: now, layer: stream.layer,
                      layers: stream.layers, best: stream.best)
        if best, !forwarders.isEmpty {
            let elapsed = MediaClock.elapsed(now)
            for f in forwarders where f.forward(packet, kind: stream.kind, codec: codec, clockRate: stream.clockRate, now: elapsed,
                                                worker: worker) {
                requestKeyFrame(stream, now: now)
            }
        }
    }

    /// The streamer sent a sender report on `stream`: kept for every viewer's own reports.
    func peer(_ peer: Peer, didReceiveSenderReport time: SenderReportTime, on stream: InboundStream, of producer: Producer) {
        guard streamer === peer else { return }
        senderReport(time, on: stream)
    }

    private func senderReport(_ time: SenderReportTime, on stream: InboundStream) {
        local.senderReport(ssrc: stream.ssrc, time)
        if recordsStreamer, let recorder {
            recorder.senderReport(video: stream.kind == .video, ssrc: stream.ssrc, ntp: time.ntp, rtp: time.rtp)
            worker.wakeAtFlush(recorder.wakeFD)
        }
        for link in links {
            guard let m = worker.reserveMessage(on: link.ring) else { continue }
            m.type = .senderReport
            m.token = token
            m.a = stream.ssrc
            m.b = time.rtp
            m.d = time.ntp
            m.length = 0
            worker.commitMessage(on: link.ring)
        }
    }

    /// The streamer started or stopped speaking (its audio levels).
    func peer(_ peer: Peer, speech change: SpeechActivity.Change) {
        guard streamer === peer else { return }
        events.emit(.speaking(room: id, participant: peer.id, role: .streamer, speaking: change == .started))
        if change == .started, dominantSpeaker != peer.id {
            dominantSpeaker = peer.id
            events.emit(.dominantSpeaker(room: id, participant: peer.id))
        }
    }

    // MARK: data plane

    private func relay(_ packet: RTPPacketView, from stream: InboundStream, codec: CodecKind) {
        let bytes = UnsafeRawBufferPointer(packet.bytes)
        guard bytes.count <= WorkerRing.maxPayload else { worker.drops.count(.oversize); return }
        for link in links where link.group.population.load(ordering: .relaxed) > 0 {
            guard let m = worker.reserveMessage(on: link.ring) else { continue }
            m.type = .media
            m.kind = stream.kind == .video ? 1 : 0
            m.codec = codec.rawValue
            m.token = token
            m.a = UInt32(truncatingIfNeeded: stream.clockRate)
            m.b = UInt32(stream.layer) | UInt32(stream.layers) << 8 | UInt32(stream.best) << 16
            _ = m.setPayload(bytes)
            worker.commitMessage(on: link.ring)
        }
    }

    /// Key-frame requests and NACKs from this room's viewers on other workers.
    func receive(_ message: RingMessage, from source: Int, now: ContinuousClock.Instant) {
        switch message.type {
        case .keyFrameRequest?:
            requestKeyFrame(ssrc: message.a, now: now)
        case .nack?:
            guard let stored = storedPacket(ssrc: message.a, sequence: UInt16(truncatingIfNeeded: message.b)),
                  let link = links.first(where: { $0.worker == source }),
                  let m = worker.reserveMessage(on: link.ring) else { return }
            m.type = .retransmission
            m.token = token
            m.a = message.c
            m.b = UInt32(truncatingIfNeeded: message.d)
            guard m.setPayload(stored) else { return }
            worker.commitMessage(on: link.ring)
        case .media?, .retransmission?, .senderReport?, nil:
            break
        }
    }

    /// Asks the streamer for a key frame on this stream, at most once per `keyFrameInterval`.
    func requestKeyFrame(_ stream: InboundStream, now: ContinuousClock.Instant) {
        guard stream.kind == .video, let streamer, stream.limiter.shouldRequest(now: now) else { return }
        streamer.sendKeyFrameRequest(stream)
    }

    /// A key frame on the streamer's stream `ssrc`, or on every video stream (0).
    func requestKeyFrame(ssrc: UInt32, now: ContinuousClock.Instant) {
        guard let streamer else { return }
        for producer in streamer.producers.values where producer.kind == .video {
            producer.requestKeyFrame(ssrc: ssrc == 0 ? nil : ssrc, now: now)
        }
    }

    /// The stream `ssrc` of the streamer or the RTP source.
    private func stream(ssrc: UInt32) -> InboundStream? {
        if let source { return source.tracks.first { $0.stream?.ssrc == ssrc }?.stream }
        return streamer?.stream(ssrc: ssrc)
    }

    // MARK: forwarders

    /// A plain RTP copy of the room's media to `address`es; its codecs are the current
    /// streamer's (or source's), else VP8 and Opus.
    func addForwarder(id: String, host: String, video: TransportAddress?, audio: TransportAddress?, ssrc: UInt32,
                      srtp: SRTPKeying?) throws(ControlError) -> ForwarderInfo {
        let media = snapshot?.media ?? []
        func codec(_ kind: MediaKind) -> NegotiatedMedia.Codec {
            media.first { $0.kind == kind && $0.receives }?.codecs.first
                ?? (kind == .video ? RTPForwarder.defaultVideo : RTPForwarder.defaultAudio)
        }
        func target(_ kind: MediaKind, _ address: TransportAddress?, _ ssrc: UInt32) throws(ControlError) -> RTPForwarder.Target? {
            guard let address else { return nil }
            let rtcp: TransportAddress = switch address {
            case .v4(let ip, let port): .v4(ip, port: port &+ 1)
            case .v6(let hi, let lo, let port): .v6(hi, lo, port: port &+ 1)
            }
            return RTPForwarder.Target(kind: kind, address: address, rtcpAddress: rtcp, ssrc: ssrc, codec: codec(kind),
                                       srtp: try srtp?.context("srtp"))
        }
        let f = RTPForwarder(id: id, host: host, video: try target(.video, video, ssrc), audio: try target(.audio, audio, ssrc &+ 1),
                             keying: srtp)
        forwarders.append(f)
        requestKeyFrame(ssrc: 0, now: .now)
        return f.info
    }

    func removeForwarder(id: String) -> ForwarderInfo? {
        guard let i = forwarders.firstIndex(where: { $0.id == id }) else { return nil }
        return forwarders.remove(at: i).info
    }

    var forwarderInfos: [ForwarderInfo] { forwarders.map(\.info) }

    func forwarderSDP(id: String) -> String? { forwarders.first { $0.id == id }?.sdp }

    /// A packet of the streamer's stream `ssrc` as received, if the retransmission buffer
    /// still holds it.
    func storedPacket(ssrc: UInt32, sequence: UInt16) -> UnsafeRawBufferPointer? {
        if let source {
            return source.tracks.first { $0.stream?.ssrc == ssrc }?.stream?.retransmissions?.packet(sequence: sequence)
        }
        return streamer?.stream(ssrc: ssrc)?.retransmissions?.packet(sequence: sequence)
    }
}

/// What the viewers of a room need to know about its streamer: its negotiated media (to map
/// payload types and header extensions) and its last sender reports.
struct StreamerSnapshot: Sendable {
    var media: [NegotiatedMedia]
    var senderReports: [UInt32: SenderReportTime]
}
