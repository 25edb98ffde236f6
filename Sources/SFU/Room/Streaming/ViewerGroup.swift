import ICE
import RTP
import Rings
import Synchronization

/// The viewers of a streaming room that one worker serves, confined to that worker's loop.
///
/// Every streaming room has one on its home worker (where the streamer is), which the room calls
/// directly. When viewers are spread over workers (`MediaConfiguration.spreadViewers`), the
/// room also has one on each other worker that serves some of its viewers: the home loop hands
/// it each streamer packet through a `WorkerRing`, and it rewrites, encrypts and sends on its
/// own loop and socket. What needs the streamer or its retransmission buffer (key-frame
/// requests, NACKs) goes back home through the ring the other way.
///
/// Each viewer is a `Peer` with a consumer per kind; the group keeps the consumers of each kind
/// in one `ConsumerTable`, those of admitted viewers active.
final class ViewerGroup: RoomPart, PeerDelegate, RingReceiver, @unchecked Sendable {  // confined to `worker.eventLoop`
    let id: String
    let worker: MediaWorker
    let events: EventBus
    /// The room's token on the workers' rings.
    let token: UInt32
    /// The room itself when this group is on the home worker; nil elsewhere.
    private(set) weak var home: StreamingRoom?
    /// Elsewhere: this worker → home worker.
    let uplink: WorkerRing?
    private var viewers: [String: Peer] = [:]
    private let audio = ConsumerTable()
    private let video = ConsumerTable()
    /// Consumers by their token (what retransmissions coming from the home loop name).
    private var byToken: [UInt32: Consumer] = [:]
    private var nextToken: UInt32 = 1
    private var lobby = Lobby()
    /// Admitted viewers in the group, read by the home loop to skip groups with nobody to send to.
    let population = Atomic<Int>(0)
    private(set) var streamer: StreamerSnapshot?
    /// The streamer's latest key frame and what followed, as this group forwarded them: what a
    /// joining viewer is sent at once (instant join). Simulcast: one per encoding (0 the
    /// lowest), so a viewer bounded to a lower one starts at once too; otherwise the first.
    private let caches = [KeyFrameCache(), KeyFrameCache(), KeyFrameCache()]
    var keyFrames: KeyFrameCache { caches[0] }
    /// How many encodings the streamer's video has, and the best one flowing (last packet).
    private var cachedLayers: UInt8 = 1
    private var cachedBest: UInt8 = 0
    let keyFrameInterval: Duration
    /// Elsewhere: key-frame requests for waiting viewers sent home at most this often.
    private var keyFrameLimiter: KeyFrameRequestLimiter
    private var closed = false

    /// A group on the home worker: `home` must be set (`attachHome`) before use.
    /// A group elsewhere: `uplink` leads home.
    init(id: String, worker: MediaWorker, events: EventBus, token: UInt32, uplink: WorkerRing?, keyFrameInterval: Duration) {
        self.id = id
        self.worker = worker
        self.events = events
        self.token = token
        self.uplink = uplink
        self.keyFrameInterval = keyFrameInterval
        // Half the streamer's own interval, which the home applies again.
        keyFrameLimiter = KeyFrameRequestLimiter(interval: keyFrameInterval / 2)
    }

    func attachHome(_ room: StreamingRoom) { home = room }

    var isEmpty: Bool { viewers.isEmpty }
    var viewerCount: Int { viewers.count }
    var isRemote: Bool { uplink != nil }

    private func table(_ kind: MediaKind) -> ConsumerTable { kind == .video ? video : audio }

    // MARK: control

    func join(_ request: JoinRequest) throws(ControlError) -> String {
        guard !closed else { throw .roomNotFound(id) }
        let (answer, transport) = try negotiate(request, bridgeSends: { _ in true })
        let viewer = Peer(id: request.participantID, display: request.display, role: .viewer, transport: transport,
                          sections: answer.media, delegate: self, keyFrameInterval: keyFrameInterval)
        for kind in [MediaKind.audio, .video] {
            guard let section = answer.media.first(where: { $0.kind == kind && $0.sends }), let ssrc = section.localSSRC else { continue }
            let consumer = viewer.consume(section, localSSRC: ssrc, from: table(kind), active: !request.lobby)
            consumer.token = nextToken
            byToken[nextToken] = consumer
            nextToken &+= 1
        }
        viewers[viewer.id] = viewer
        if request.lobby { lobby.enter(viewer.id) }
        updatePopulation()
        if let streamer { bind(viewer, to: streamer.media) }
        events.emit(.participantJoined(room: id, participant: viewer.id, role: .viewer, display: request.display))
        if request.lobby { Lobby.announce(.sentBack, room: id, participant: viewer.id, display: request.display, events: events) }
        return answer.sdp.serialized()
    }

    private func updatePopulation() {
        population.store(viewers.count - lobby.waiting.count, ordering: .relaxed)
    }

    /// Maps the streamer's payload types and extensions onto the viewer's copies; a viewer with
    /// no codec in common is told why in its `notice`. Its video starts on the next key frame.
    private func bind(_ viewer: Peer, to publisherMedia: [NegotiatedMedia]) {
        var missing: [String] = []
        for consumer in viewer.consumers.values.sorted(by: { $0.kind.rawValue < $1.kind.rawValue }) {
            consumer.unbind()
            guard let published = publisherMedia.first(where: { $0.kind == consumer.kind && $0.receives }),
                  !published.codecs.isEmpty else { continue }
            if !consumer.bind(to: published) {
                missing.append("no \(consumer.kind.rawValue) codec in common with the streamer (it sends \(published.codecs.map(\.name).joined(separator: ", ")); this viewer accepts \(consumer.section.codecs.map(\.name).joined(separator: ", ")))")
            }
        }
        viewer.notice = missing.isEmpty ? nil : missing.joined(separator: "; ")
        // With the latest key frame at hand the viewer gets it once connected; else ask for one.
        if !keyFrames.isFresh, viewer.consumers.values.contains(where: { $0.kind == .video && $0.waitingForKeyFrame }) {
            requestKeyFrame(source: 0, now: .now)
        }
    }

    /// The lobby of a streaming room's viewers: admit a waiting viewer (it then gets the stream,
    /// starting at a key frame), deny it (removed), or send an admitted one back. False if it is
    /// not in this group.
    func lobby(participantID id: String, action: LobbyAction) -> Bool {
        guard let v = viewers[id] else { return false }
        let transition = lobby.apply(action, to: id)
        switch transition {
        case .admitted:
            for c in v.consumers.values { c.isActive = !c.paused }
            if let streamer {
                bind(v, to: streamer.media)  // its copies continue where they were, from a key frame
                startVideo(v)
            }
        case .denied:
            Lobby.announce(transition, room: self.id, participant: id, display: v.display, events: events)
            _ = remove(participantID: id, reason: .lobbyDenied)
            return true
        case .sentBack:
            for c in v.consumers.values { c.isActive = false }
        case .none:
            break
        }
        updatePopulation()
        Lobby.announce(transition, room: self.id, participant: id, display: v.display, events: events)
        return true
    }

    func peer(_ id: String) -> Peer? { viewers[id] }

    /// A viewer's video bounds; paused or not, one waiting in the lobby gets nothing until
    /// admitted, and resumed video starts at a key frame (the cached one if fresh).
    func setVideo(participantID id: String, _ layers: VideoLayers) -> [TrackInfo]? {
        guard let v = viewers[id] else { return nil }
        for c in v.consumers.values where c.kind == .video {
            c.apply(layers)
            if let paused = layers.paused { c.setPaused(paused, admitted: !lobby.contains(id)) }
        }
        if v.transport.state == .connected { startVideo(v) }
        worker.flush()
        return v.info.tracks.filter { $0.kind == .video }
    }

    func participantInfo(_ id: String) -> ParticipantInfo? { viewers[id].map(info) }

    private func info(_ viewer: Peer) -> ParticipantInfo {
        var p = viewer.info
        if lobby.contains(viewer.id) { p.notice = "lobby: waits until a moderator admits it" }
        return p
    }

    func remove(participantID: String, reason: LeaveReason) -> Bool {
        guard let v = viewers.removeValue(forKey: participantID) else { return false }
        lobby.leave(participantID)
        for c in v.consumers.values { byToken[c.token] = nil }
        updatePopulation()
        events.emit(.participantLeft(room: id, participant: participantID, role: .viewer, reason: reason))
        v.close()
        return true
    }

    /// Every viewer leaves; nothing more is taken from the rings.
    func close() {
        for v in Array(viewers.values) { _ = remove(participantID: v.id, reason: .roomDestroyed) }
        if isRemote {
            closed = true
            worker.unregister(receiverToken: token)
        }
    }

    /// The viewers' descriptions with the time each joined (for one list across workers).
    var infos: [(joined: ContinuousClock.Instant, info: ParticipantInfo)] {
        viewers.values.sorted { $0.transport.createdAt < $1.transport.createdAt }.map { ($0.transport.createdAt, info($0)) }
    }

    /// A streamer arrived (or left: nil). Viewers keep their sequence and timestamp spaces and
    /// wait for its first key frame.
    func streamerChanged(_ snapshot: StreamerSnapshot?) {
        streamer = snapshot
        for c in caches { c.clear() }
        if let video = snapshot?.media.first(where: { $0.kind == .video && $0.receives }) {
            for c in caches.prefix(min(video.encodings, caches.count)) { c.prepare() }
        }
        for v in viewers.values {
            if let snapshot {
                bind(v, to: snapshot.media)
            } else {
                for c in v.consumers.values { c.unbind() }
            }
        }
    }

    /// Once a second: sender reports to the admitted viewers.
    func tick(now: ContinuousClock.Instant) {
        guard streamer != nil else { return }
        for v in viewers.values where !lobby.contains(v.id) {
            v.tick(now: now)
            if cachedLayers > 1 { reportLayer(v) }
        }
        worker.flush()
    }

    /// `layer_changed` when a viewer's video moved to another encoding since the last tick.
    private func reportLayer(_ v: Peer) {
        guard let c = v.consumers.values.first(where: { $0.kind == .video }), let layer = c.layer, layer != c.reportedLayer else { return }
        c.reportedLayer = layer
        events.emit(.layerChanged(room: id, participant: v.id, track: nil, layer: layer))
    }

    func senderReport(ssrc: UInt32, _ time: SenderReportTime) {
        streamer?.senderReports[ssrc] = time
    }

    // MARK: data plane

    /// Fan-out of one streamer packet to this group's viewers: rewrite in place, protect into the
    /// socket's send slot, restore. No allocation.
    @inline(__always)
    func forward(_ packet: RTPPacketView, kind: MediaKind, clockRate: Int, codec: CodecKind, now: ContinuousClock.Instant,
                 layer: UInt8 = 0, layers: UInt8 = 1, best: UInt8 = 0) {
        // Simulcast: the cache holds the best encoding, which a viewer starts on.
        if kind == .video, Int(layer) < caches.count {
            cachedLayers = layers
            cachedBest = best
            caches[Int(layer)].store(UnsafeRawBufferPointer(packet.bytes), ssrc: packet.ssrc,
                            startsKeyFrame: codec.startsKeyFrame(UnsafeRawBufferPointer(packet.payload)), codec: codec,
                            clockRate: clockRate, now: now)
        }
        if table(kind).forward(packet, codec: codec, clockRate: clockRate, now: MediaClock.elapsed(now), layer: layer, layers: layers,
                                   best: best),
           kind == .video {
            keyFrameNeeded(source: packet.ssrc, now: now)
        }
    }

    /// A waiting viewer saw a packet that does not start a key frame: ask for one (on the home
    /// worker through the streamer's own limiter; elsewhere also through this group's).
    private func keyFrameNeeded(source: UInt32, now: ContinuousClock.Instant) {
        if let home {
            home.requestKeyFrame(ssrc: source, now: now)
        } else if keyFrameLimiter.shouldRequest(now: now) {
            sendHome(.keyFrameRequest, a: source)
        }
    }

    /// A key frame on this streamer SSRC (0: on every video stream), for a viewer that joined,
    /// moved or asked (PLI/FIR).
    func requestKeyFrame(source: UInt32, now: ContinuousClock.Instant) {
        if let home {
            home.requestKeyFrame(ssrc: source, now: now)
        } else {
            sendHome(.keyFrameRequest, a: source)
        }
    }

    private func sendHome(_ type: RingMessageType, a: UInt32, b: UInt32 = 0, c: UInt32 = 0, d: UInt64 = 0) {
        guard let uplink, let m = worker.reserveMessage(on: uplink) else { return }
        m.type = type
        m.token = token
        m.a = a
        m.b = b
        m.c = c
        m.d = d
        m.length = 0
        worker.commitMessage(on: uplink)
    }

    /// What the home loop sent (media, retransmissions, sender reports), on this loop.
    func receive(_ message: RingMessage, from worker: Int, now: ContinuousClock.Instant) {
        switch message.type {
        case .media?:
            guard let packet = try? RTPPacketView(parsing: UnsafeMutableRawBufferPointer(start: message.payload, count: message.length)) else { return }
            forward(packet, kind: message.kind == 1 ? .video : .audio, clockRate: Int(message.a),
                    codec: CodecKind(rawValue: message.codec) ?? .other, now: now,
                    layer: UInt8(truncatingIfNeeded: message.b), layers: max(1, UInt8(truncatingIfNeeded: message.b >> 8)),
                    best: UInt8(truncatingIfNeeded: message.b >> 16))
        case .retransmission?:
            guard let consumer = byToken[message.a] else { return }
            consumer.retransmit(UnsafeRawBufferPointer(start: message.payload, count: message.length),
                                sequence: UInt16(truncatingIfNeeded: message.b), scratch: self.worker.scratch)
        case .senderReport?:
            senderReport(ssrc: message.a, SenderReportTime(ntp: message.d, rtp: message.b))
        case .keyFrameRequest?, .nack?, nil:
            break
        }
    }

    // MARK: the viewers' feedback (PeerDelegate)

    func peerDidConnect(_ peer: Peer) {
        // A new viewer needs a key frame before its video can start.
        guard streamer != nil else { return }
        startVideo(peer)
    }

    /// A connected viewer whose video waits for a key frame: sent the cached key frame and what
    /// followed at once when there is one, else the streamer is asked for a key frame.
    private func startVideo(_ viewer: Peer) {
        let now = ContinuousClock.now
        guard let consumer = viewer.consumers.values.first(where: { $0.kind == .video }), consumer.waitingForKeyFrame,
              consumer.isActive else { return }
        // Simulcast: the cache of the encoding it is to get.
        let layer = cachedLayers > 1 ? min(UInt8(clamping: consumer.maxSpatial ?? 255), cachedBest) : 0
        let cache = caches[Int(min(layer, UInt8(caches.count - 1)))]
        if cache.isFresh {
            let elapsed = MediaClock.elapsed(now)
            let (codec, clockRate, scratch) = (cache.codec, cache.clockRate, worker.scratch)
            cache.forEach { cached in
                guard cached.count <= ConsumerTable.maxPacket else { return }
                scratch.copyMemory(from: cached.baseAddress!, byteCount: cached.count)
                guard let view = try? RTPPacketView(parsing: UnsafeMutableRawBufferPointer(start: scratch, count: cached.count)) else { return }
                video.replay(view, to: consumer, codec: codec, clockRate: clockRate, now: elapsed, layer: layer,
                             layers: cachedLayers, best: cachedBest)
            }
            worker.flush()
            if !consumer.waitingForKeyFrame { return }
        }
        requestKeyFrame(source: 0, now: now)
    }

    func peer(_ peer: Peer, didChangeState state: TransportState) {
        transportStateChanged(peer, state) { _ = remove(participantID: $0, reason: $1) }
    }

    func peer(_ peer: Peer, didReceive packet: RTPPacketView, from producer: Producer, stream: InboundStream,
              now: ContinuousClock.Instant) {
        // A viewer publishes nothing.
    }

    /// A viewer asked for a key frame (PLI/FIR) on its video.
    func peer(_ peer: Peer, requestsKeyFrameFor consumer: Consumer, now: ContinuousClock.Instant) {
        guard let source = consumer.source, streamer != nil else { return }
        requestKeyFrame(source: source, now: now)
    }

    /// A viewer's NACK: answered from the streamer's retransmission buffer, at once at home,
    /// through the home loop elsewhere.
    func peer(_ peer: Peer, lost sequence: UInt16, on consumer: Consumer) {
        guard consumer.kind == .video, let source = consumer.source, let original = consumer.sourceSequence(of: sequence) else { return }
        if let home {
            guard let stored = home.storedPacket(ssrc: source, sequence: original) else { return }
            consumer.retransmit(stored, sequence: sequence, scratch: worker.scratch)
        } else {
            sendHome(.nack, a: source, b: UInt32(original), c: consumer.token, d: UInt64(sequence))
        }
    }

    func senderReportTime(for consumer: Consumer) -> SenderReportTime? {
        guard let source = consumer.source else { return nil }
        return streamer?.senderReports[source]
    }
}
