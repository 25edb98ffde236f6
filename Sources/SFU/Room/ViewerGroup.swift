import ICE
import RTP
import Rings
import Synchronization

/// A streamer's sender report: the NTP/RTP time pair viewers' sender reports are built from.
struct SenderReportTime: Sendable, Equatable {
    var ntp: UInt64
    var rtp: UInt32
}

/// What the viewers of a room need to know about its streamer: its negotiated media (to map
/// payload types and header extensions) and its last sender reports.
struct StreamerSnapshot: Sendable {
    var media: [NegotiatedMedia]
    var senderReports: [UInt32: SenderReportTime]
}

/// The viewers of a streaming room that one worker serves, confined to that worker's loop.
///
/// Every streaming room has one on its home worker (where the streamer is), which the room calls
/// directly. When viewers are spread over workers (`MediaConfiguration.spreadViewers`), the
/// room also has one on each other worker that serves some of its viewers: the home loop hands
/// it each streamer packet through a `WorkerRing`, and it rewrites, encrypts and sends on its
/// own loop and socket. What needs the streamer or its retransmission buffer (key-frame
/// requests, NACKs) goes back home through the ring the other way.
final class ViewerGroup: RoomPart, RingReceiver, @unchecked Sendable {  // confined to `worker.eventLoop`
    let id: String
    let worker: MediaWorker
    let events: EventBus
    /// The room's token on the workers' rings.
    let token: UInt32
    /// The room itself when this group is on the home worker; nil elsewhere.
    private(set) weak var home: StreamingRoom?
    /// Elsewhere: this worker → home worker.
    let uplink: WorkerRing?
    private var viewers: [String: Viewer] = [:]
    /// The admitted viewers in join order: what the forwarding loop walks (viewers waiting in
    /// the lobby are in `viewers` only).
    private(set) var viewerList: [Viewer] = []
    private var byToken: [UInt32: Viewer] = [:]
    private var nextViewerToken: UInt32 = 1
    /// Viewers in the group, read by the home loop to skip groups with nobody to send to.
    let population = Atomic<Int>(0)
    private(set) var streamer: StreamerSnapshot?
    private var lastSlowLink: [String: ContinuousClock.Instant] = [:]
    /// Elsewhere: key-frame requests for waiting viewers sent home at most this often.
    private var keyFrameLimiter: KeyFrameRequestLimiter
    private var closed = false
    /// Retransmissions are rewritten here, never in the buffer they are kept in.
    private let scratch = UnsafeMutableRawPointer.allocate(byteCount: WorkerRing.slotSize, alignment: 16)
    /// The streamer's extension block, restored after each viewer whose IDs differ.
    private let extensionBlock = UnsafeMutableRawPointer.allocate(byteCount: WorkerRing.slotSize, alignment: 16)

    /// A group on the home worker: `home` must be set (`attachHome`) before use.
    /// A group elsewhere: `uplink` leads home.
    init(id: String, worker: MediaWorker, events: EventBus, token: UInt32, uplink: WorkerRing?, keyFrameInterval: Duration) {
        self.id = id
        self.worker = worker
        self.events = events
        self.token = token
        self.uplink = uplink
        // Half the streamer's own interval, which the home applies again.
        keyFrameLimiter = KeyFrameRequestLimiter(interval: keyFrameInterval / 2)
    }

    deinit {
        scratch.deallocate()
        extensionBlock.deallocate()
    }

    func attachHome(_ room: StreamingRoom) { home = room }

    var isEmpty: Bool { viewers.isEmpty }
    var isRemote: Bool { uplink != nil }

    // MARK: control

    func join(_ request: JoinRequest) throws(ControlError) -> String {
        guard !closed else { throw .roomNotFound(id) }
        let (answer, transport) = try negotiate(request, bridgeSends: { _ in true })
        let viewer = Viewer(group: self, token: nextViewerToken, id: request.participantID, display: request.display,
                            transport: transport, media: answer.media)
        nextViewerToken &+= 1
        transport.delegate = viewer
        viewers[viewer.id] = viewer
        viewer.inLobby = request.lobby
        if !viewer.inLobby { viewerList.append(viewer) }
        byToken[viewer.token] = viewer
        population.store(viewerList.count, ordering: .relaxed)
        if let streamer { viewer.bind(to: streamer.media) }
        events.emit("participant_joined", room: id, participant: viewer.id, role: "viewer", display: request.display)
        if viewer.inLobby { events.emit("lobby_waiting", room: id, participant: viewer.id, display: request.display) }
        return answer.sdp.serialized()
    }

    /// The lobby of a streaming room's viewers: admit a waiting viewer (it then gets the stream,
    /// starting at a key frame), deny it (removed), or send an admitted one back. False if it is
    /// not in this group.
    func lobby(viewer id: String, action: LobbyAction) -> Bool {
        guard let v = viewers[id] else { return false }
        switch action {
        case .admit:
            guard v.inLobby else { return true }
            v.inLobby = false
            viewerList.append(v)
            population.store(viewerList.count, ordering: .relaxed)
            if let streamer {
                v.bind(to: streamer.media)  // its tracks continue where they were, on the next key frame
                requestKeyFrame(source: 0, now: .now)
            }
            events.emit("lobby_admitted", room: self.id, participant: id)
        case .deny:
            events.emit("lobby_denied", room: self.id, participant: id)
            _ = remove(participantID: id, reason: "lobby_denied")
        case .wait:
            guard !v.inLobby else { return true }
            v.inLobby = true
            viewerList.removeAll { $0 === v }
            population.store(viewerList.count, ordering: .relaxed)
            events.emit("lobby_waiting", room: self.id, participant: id, display: v.display)
        }
        return true
    }

    func endpoint(_ id: String) -> (transport: WebRTCTransport, media: [NegotiatedMedia])? {
        viewers[id].map { ($0.transport, $0.media) }
    }

    func participantInfo(_ id: String) -> ParticipantInfo? { viewers[id]?.info }

    func remove(participantID: String, reason: String) -> Bool {
        guard let v = viewers.removeValue(forKey: participantID) else { return false }
        viewerList.removeAll { $0 === v }
        byToken[v.token] = nil
        population.store(viewerList.count, ordering: .relaxed)
        events.emit("participant_left", room: id, participant: participantID, role: "viewer", reason: reason)
        v.transport.close()
        return true
    }

    /// Every viewer leaves; nothing more is taken from the rings.
    func close() {
        for v in Array(viewers.values) { _ = remove(participantID: v.id, reason: "room_destroyed") }
        if isRemote {
            closed = true
            worker.unregister(receiverToken: token)
        }
    }

    /// The viewers' descriptions with the time each joined (for one list across workers).
    var infos: [(joined: ContinuousClock.Instant, info: ParticipantInfo)] {
        viewers.values.sorted { $0.transport.createdAt < $1.transport.createdAt }.map { ($0.transport.createdAt, $0.info) }
    }

    /// A streamer arrived (or left: nil). Viewers keep their sequence and timestamp spaces and
    /// wait for its first key frame.
    func streamerChanged(_ snapshot: StreamerSnapshot?) {
        streamer = snapshot
        if let snapshot {
            for v in viewers.values { v.bind(to: snapshot.media) }
        } else {
            for v in viewers.values { v.unbind() }
        }
    }

    /// Once a second: sender reports to the viewers.
    func tick(now: ContinuousClock.Instant) {
        guard let streamer else { return }
        for v in viewerList where v.transport.state == .connected { v.sendSenderReports(streamer.senderReports) }
        worker.flush()
    }

    func senderReport(ssrc: UInt32, _ time: SenderReportTime) {
        streamer?.senderReports[ssrc] = time
    }

    // MARK: data plane

    /// Fan-out of one streamer packet to this group's viewers: rewrite in place, protect into the
    /// socket's send slot, restore. No allocation.
    func forward(_ packet: RTPPacketView, kind: MediaKind, clockRate: Int, codec: CodecKind, now: ContinuousClock.Instant) {
        let source = packet.ssrc  // the packet's header is rewritten for each viewer
        var fan = FanOut(packet, codec: codec, clockRate: clockRate, extensionBlock: extensionBlock)
        for viewer in viewerList {
            guard viewer.transport.state == .connected,
                  let track = kind == .video ? viewer.video : viewer.audio else { continue }
            if fan.send(on: track, via: viewer.transport, now: now) == .waitingForKeyFrame, kind == .video {
                keyFrameNeeded(source: source, now: now)
            }
        }
        fan.restore()
    }

    /// A waiting viewer saw a packet that does not start a key frame: ask for one (on the home
    /// worker through the streamer's own limiter; elsewhere also through this group's).
    @inline(__always)
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

    /// A viewer asked for a key frame (PLI/FIR) on its video track.
    func viewerRequestedKeyFrame(_ track: OutboundTrack, now: ContinuousClock.Instant) {
        guard let source = track.source, streamer != nil else { return }
        requestKeyFrame(source: source, now: now)
    }

    /// A viewer's NACK for `outSequence` on its video track: answered from the streamer's
    /// retransmission buffer, at once at home, through the home loop elsewhere.
    func nack(from viewer: Viewer, track: OutboundTrack, sequence outSequence: UInt16) {
        guard let source = track.source else { return }
        let original = outSequence &- track.sequenceOffset
        if let home {
            guard let stored = home.storedPacket(ssrc: source, sequence: original) else { return }
            retransmit(stored, to: viewer, track: track, sequence: outSequence)
        } else {
            sendHome(.nack, a: source, b: UInt32(original), c: viewer.token, d: UInt64(outSequence))
        }
    }

    /// Resends a stored streamer packet to one viewer, rewritten for it in `scratch`.
    func retransmit(_ stored: UnsafeRawBufferPointer, to viewer: Viewer, track: OutboundTrack, sequence outSequence: UInt16) {
        track.retransmit(stored, sequence: outSequence, scratch: scratch, via: viewer.transport)
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
                    codec: CodecKind(rawValue: message.codec) ?? .other, now: now)
        case .retransmission?:
            guard let viewer = byToken[message.a], let track = viewer.video else { return }
            retransmit(UnsafeRawBufferPointer(start: message.payload, count: message.length), to: viewer, track: track,
                       sequence: UInt16(truncatingIfNeeded: message.b))
        case .senderReport?:
            senderReport(ssrc: message.a, SenderReportTime(ntp: message.d, rtp: message.b))
        case .keyFrameRequest?, .nack?, nil:
            break
        }
    }

    /// A link is losing packets: tell the signaling server (at most every 5 s per participant
    /// and direction), the way Janus's slowlink does. `fractionLost` is out of 256 (RFC 3550).
    func slowLink(participant: String, role: ParticipantRole, direction: String, kind: MediaKind, fractionLost: UInt8,
                  now: ContinuousClock.Instant) {
        let key = participant + direction
        if let last = lastSlowLink[key], now - last < .seconds(5) { return }
        lastSlowLink[key] = now
        events.emit("slow_link", room: id, participant: participant, role: role.rawValue, kind: kind.rawValue,
                    reason: "\(direction) loss \(Int(fractionLost) * 100 / 256)%")
    }
}
