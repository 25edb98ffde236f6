import ICE
import RTP

/// One streamer, any number of viewers (the Janus streaming model). Every viewer's outgoing
/// streams have their own SSRC, sequence and timestamp spaces, so when the streamer changes the
/// viewers play on with no renegotiation. Confined to its worker's event loop.
final class StreamingRoom: Room, @unchecked Sendable {
    let id: String
    let description: String?
    let worker: MediaWorker
    let events: EventBus
    let keyFrameInterval: Duration
    private(set) var streamer: Publisher?
    private var viewers: [String: Viewer] = [:]
    /// The viewers in join order: what the forwarding loop walks.
    private var viewerList: [Viewer] = []
    private(set) var streamerChanges: UInt64 = 0
    private var lastSlowLink: [String: ContinuousClock.Instant] = [:]
    /// Loss above this fraction (of 256) is a slow link: 13/256 ≈ 5%.
    static let slowLinkFraction: UInt8 = 13
    /// Retransmissions are rewritten here, never in the buffer they are kept in.
    private let scratch = UnsafeMutableRawPointer.allocate(byteCount: RetransmissionBuffer.slotSize, alignment: 16)
    /// The streamer's extension block, restored after each viewer whose IDs differ.
    private let extensionBlock = UnsafeMutableRawPointer.allocate(byteCount: RetransmissionBuffer.slotSize, alignment: 16)

    init(id: String, description: String?, worker: MediaWorker, events: EventBus, keyFrameInterval: Duration = .milliseconds(500)) {
        self.events = events
        self.id = id
        self.description = description
        self.worker = worker
        self.keyFrameInterval = keyFrameInterval
    }

    deinit {
        scratch.deallocate()
        extensionBlock.deallocate()
    }

    var isEmpty: Bool { streamer == nil && viewers.isEmpty }

    // MARK: control

    func join(_ request: JoinRequest) throws(ControlError) -> String {
        switch request.role {
        case .streamer?:
            if let current = streamer {
                throw .streamerPresent(room: id, streamer: current.display.map { "\(current.id), \"\($0)\"" } ?? current.id)
            }
            let (answer, transport) = try negotiate(request, bridgeSends: { _ in false }, singleCodec: true)
            let publisher = Publisher(room: self, id: request.participantID, display: request.display,
                                      transport: transport, media: answer.media, keyFrameInterval: keyFrameInterval)
            transport.delegate = publisher
            streamer = publisher
            streamerChanges &+= 1
            for v in viewerList { v.bind(to: publisher) }
            events.emit("participant_joined", room: id, participant: publisher.id, role: "streamer", display: request.display)
            events.emit("streamer_changed", room: id, participant: publisher.id, streamer: publisher.id)
            return answer.sdp.serialized()
        case .viewer?:
            let (answer, transport) = try negotiate(request, bridgeSends: { _ in true })
            let viewer = Viewer(room: self, id: request.participantID, display: request.display, transport: transport, media: answer.media)
            transport.delegate = viewer
            viewers[viewer.id] = viewer
            viewerList.append(viewer)
            if let streamer { viewer.bind(to: streamer) }
            events.emit("participant_joined", room: id, participant: viewer.id, role: "viewer", display: request.display)
            return answer.sdp.serialized()
        case .echo?, nil:
            throw .invalidRole("a streaming room needs \"role\": \"streamer\" or \"viewer\"")
        }
    }

    func endpoint(_ id: String) -> (transport: WebRTCTransport, media: [NegotiatedMedia])? {
        if let streamer, streamer.id == id { return (streamer.transport, streamer.media) }
        return viewers[id].map { ($0.transport, $0.media) }
    }

    func participantInfo(_ id: String) -> ParticipantInfo? {
        if let streamer, streamer.id == id { return streamer.info }
        return viewers[id]?.info
    }

    func remove(participantID: String, reason: String) -> Bool {
        if let s = streamer, s.id == participantID {
            streamerLeft(s)
            events.emit("participant_left", room: id, participant: participantID, role: "streamer", reason: reason)
            s.transport.close()
            return true
        }
        guard let v = viewers.removeValue(forKey: participantID) else { return false }
        viewerList.removeAll { $0 === v }
        events.emit("participant_left", room: id, participant: participantID, role: "viewer", reason: reason)
        v.transport.close()
        return true
    }

    func close() {
        if let s = streamer { _ = remove(participantID: s.id, reason: "room_destroyed") }
        for v in viewerList { _ = remove(participantID: v.id, reason: "room_destroyed") }
    }

    var info: RoomInfo {
        var participants: [ParticipantInfo] = []
        if let streamer { participants.append(streamer.info) }
        participants += viewerList.map(\.info)
        return RoomInfo(id: id, kind: .streaming, description: description, participants: participants)
    }

    /// The streamer is gone (left, kicked, or its transport failed): viewers wait for the next
    /// one, keeping their sequence and timestamp spaces.
    func streamerLeft(_ publisher: Publisher) {
        guard streamer === publisher else { return }
        streamer = nil
        for v in viewerList { v.unbind() }
        events.emit("streamer_changed", room: id, participant: publisher.id, streamer: nil)
    }

    /// Once a second: receiver reports to the streamer, sender reports to the viewers.
    func tick(now: ContinuousClock.Instant) {
        guard let streamer, streamer.transport.state == .connected else { return }
        streamer.sendReceiverReports(now: now)
        for v in viewerList where v.transport.state == .connected { v.sendSenderReports(streamer: streamer) }
        worker.flush()
    }

    // MARK: data plane

    /// Fan-out of one streamer packet to every viewer: rewrite in place, protect into the
    /// socket's send slot, restore. No allocation.
    func forward(_ packet: RTPPacketView, from stream: InboundStream, now: ContinuousClock.Instant) {
        let ssrc = packet.ssrc, sequence = packet.sequenceNumber, timestamp = packet.timestamp
        let payloadType = packet.payloadType
        let codec = stream.codec(payloadType)
        var keyFrame: Bool?
        let bytes = UnsafeRawBufferPointer(packet.bytes)
        let hasExtension = packet.hasExtension
        let headerLength = packet.headerLength
        var extensionSaved = false
        for viewer in viewerList {
            guard viewer.transport.state == .connected,
                  let track = stream.kind == .video ? viewer.video : viewer.audio else { continue }
            let outType = track.payloadTypes[Int(payloadType & 0x7F)]
            guard outType != OutboundTrack.unmapped else { continue }
            if track.waitingForKeyFrame {
                if keyFrame == nil { keyFrame = codec.startsKeyFrame(UnsafeRawBufferPointer(packet.payload)) }
                guard keyFrame! else {
                    requestKeyFrame(stream, now: now)
                    continue
                }
                track.anchor(source: ssrc, sequence: sequence, timestamp: timestamp, clockRate: stream.clockRate, now: now)
            } else if track.source != ssrc {
                track.anchor(source: ssrc, sequence: sequence, timestamp: timestamp, clockRate: stream.clockRate, now: now)
            }
            let outSequence = sequence &+ track.sequenceOffset
            let outTimestamp = timestamp &+ track.timestampOffset
            packet.ssrc = track.localSSRC
            packet.sequenceNumber = outSequence
            packet.timestamp = outTimestamp
            packet.payloadType = outType
            track.sent(sequence: outSequence, timestamp: outTimestamp, bytes: bytes.count, now: now)
            if hasExtension && !track.extensionsIdentity {
                if !extensionSaved {
                    extensionBlock.copyMemory(from: bytes.baseAddress! + 12, byteCount: headerLength - 12)
                    extensionSaved = true
                }
                track.extensionIDs.withUnsafeBufferPointer { packet.remapHeaderExtensionIDs($0) }
                viewer.transport.sendRTP(bytes)
                packet.bytes.baseAddress!.advanced(by: 12).copyMemory(from: extensionBlock, byteCount: headerLength - 12)
            } else {
                viewer.transport.sendRTP(bytes)
            }
        }
        packet.ssrc = ssrc
        packet.sequenceNumber = sequence
        packet.timestamp = timestamp
        packet.payloadType = payloadType
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

    /// Asks the streamer for a key frame on this stream, at most once per `keyFrameInterval`.
    func requestKeyFrame(_ stream: InboundStream, now: ContinuousClock.Instant) {
        guard stream.kind == .video, let streamer, stream.limiter.shouldRequest(now: now) else { return }
        streamer.requestKeyFrame(stream)
    }

    /// A viewer asked for a key frame (PLI/FIR) on its video track.
    func viewerRequestedKeyFrame(_ track: OutboundTrack, now: ContinuousClock.Instant) {
        guard let source = track.source, let stream = streamer?.streams[source] else { return }
        requestKeyFrame(stream, now: now)
    }

    /// A viewer's NACK: resend what the buffer still holds, rewritten for that viewer.
    func retransmit(to viewer: Viewer, track: OutboundTrack, sequence outSequence: UInt16) {
        guard let source = track.source, let stream = streamer?.streams[source], let buffer = stream.retransmissions else { return }
        guard let stored = buffer.packet(sequence: outSequence &- track.sequenceOffset) else { return }
        scratch.copyMemory(from: stored.baseAddress!, byteCount: stored.count)
        guard let view = try? RTPPacketView(parsing: UnsafeMutableRawBufferPointer(start: scratch, count: stored.count)) else { return }
        let outType = track.payloadTypes[Int(view.payloadType & 0x7F)]
        guard outType != OutboundTrack.unmapped else { return }
        view.ssrc = track.localSSRC
        view.sequenceNumber = outSequence
        view.timestamp = view.timestamp &+ track.timestampOffset
        view.payloadType = outType
        if view.hasExtension && !track.extensionsIdentity {
            track.extensionIDs.withUnsafeBufferPointer { view.remapHeaderExtensionIDs($0) }
        }
        track.retransmitted &+= 1
        viewer.transport.sendRTP(UnsafeRawBufferPointer(view.bytes))
    }
}
