import RTP

/// One subscriber's copy of one track (a streaming room's viewer's audio or video, a
/// conference member's subscription to another's track, an echo peer's own stream coming
/// back): its own SSRC, sequence and timestamp spaces, continuous whatever source it is mapped
/// onto, the payload types and header extension IDs the subscriber negotiated, and what the
/// subscriber reported about it. The per-packet part lives in a `ConsumerTable` slot; this is
/// the handle the room and the RTCP feedback use. Confined to its loop.
final class Consumer {
    let kind: MediaKind
    let mid: String
    let localSSRC: UInt32
    /// The subscriber's section: the codecs and header extensions it accepts.
    let section: NegotiatedMedia
    /// The subscriber's transport (its slot holds it unmanaged; this keeps it alive).
    let transport: WebRTCTransport
    /// The track it receives where it has one (conference, echo); nil where the room maps a
    /// succession of sources onto it (a streaming room's viewers).
    weak var producer: Producer?
    /// Where its slot is (held strongly: a consumer that outlives its source reads defaults).
    let table: ConsumerTable
    /// Its slot's index (kept current by the table; -1 once out of it).
    var index = -1
    /// Its number where messages between workers name it (streaming rooms' viewer groups).
    var token: UInt32 = 0
    private(set) var retransmitted: UInt64 = 0
    /// RTX: the next sequence number of the retransmission stream.
    private var rtxSequence = UInt16.random(in: 0...UInt16.max)
    var nacks: UInt64 = 0
    var keyFrameRequests: UInt64 = 0
    /// From the subscriber's latest receiver report on this copy (RFC 3550 §6.4.1).
    private(set) var reportedLost: Int64 = 0
    private(set) var reportedFraction: UInt8 = 0
    /// From the subscriber's latest REMB naming this copy's SSRC: its estimate, bits per second.
    private(set) var estimatedBitrate: UInt64?
    /// The subscriber's codec its source is sent in (nil: none bound, or none in common).
    private(set) var sentCodec: NegotiatedMedia.Codec?
    /// The round trip to the subscriber, from its reports on this copy's sender reports.
    private(set) var roundTrip: Duration?
    /// Its last sender reports (LSR, sent at) and last retransmissions (sequence, at): rings.
    private var sentReports = InlineArray<4, (lsr: UInt32, at: Duration)>(repeating: (0, .zero))
    private var reportIndex = 0
    private var resent = InlineArray<32, (sequence: UInt16, at: Duration)>(repeating: (0, .seconds(-3600)))
    private var resentIndex = 0
    /// NACKed packets not sent again because they were, within the last round trip.
    private(set) var resendsSuppressed: UInt64 = 0
    /// What it may still resend until the next refill (bytes), and the NACKed packets not
    /// sent again for want of it: on a congested link NACKs come in floods, and resending
    /// all of them would bury the link deeper.
    private var resendAllowance = Consumer.resendFloor
    private(set) var resendsOverBudget: UInt64 = 0
    static let resendFloor = 32_000

    /// A consumer in `table`, getting packets if `active`.
    init(kind: MediaKind, section: NegotiatedMedia, localSSRC: UInt32, transport: WebRTCTransport, table: ConsumerTable,
         active: Bool = true) {
        self.kind = kind
        mid = section.mid
        self.localSSRC = localSSRC
        self.section = section
        self.transport = transport
        self.table = table
        table.add(self, ConsumerSlot(transport: transport, localSSRC: localSSRC, kind: kind), active: active)
    }

    /// Leaves its table: no packet reaches it any more.
    func close() {
        guard let slot else { return }
        finalCounts = (slot.pointee.packets, slot.pointee.bytes)
        table.remove(self)
    }

    /// Its slot; nil once it left its table.
    private var slot: UnsafeMutablePointer<ConsumerSlot>? { table.contains(self) ? table.slot(index) : nil }

    /// Whether packets reach it (not paused, suppressed or waiting in a lobby).
    var isActive: Bool {
        get { table.isActive(self) }
        set { table.setActive(self, newValue) }
    }

    /// The source SSRC currently mapped, nil before the first packet and after `unbind`.
    var source: UInt32? { slot?.pointee.splice.source }
    var sequenceOffset: UInt16 { slot?.pointee.splice.sequenceOffset ?? 0 }
    var timestampOffset: UInt32 { slot?.pointee.splice.timestampOffset ?? 0 }
    /// Packets and bytes sent (kept when it leaves its table).
    var packets: UInt64 { slot?.pointee.packets ?? finalCounts.packets }
    var bytes: UInt64 { slot?.pointee.bytes ?? finalCounts.bytes }
    private var finalCounts: (packets: UInt64, bytes: UInt64) = (0, 0)
    /// Video: the simulcast encoding it is sent (nil while it waits for a key frame).
    var layer: Int? {
        guard let slot, !slot.pointee.waitingForKeyFrame, slot.pointee.splice.source != nil else { return nil }
        return Int(slot.pointee.layer)
    }
    /// The highest encoding and VP8 temporal layer it may be sent (nil: no bound).
    var maxSpatial: Int? {
        get { slot.flatMap { $0.pointee.maxLayer == ConsumerSlot.all ? nil : Int($0.pointee.maxLayer) } }
        set { slot?.pointee.maxLayer = newValue.map { UInt8(clamping: $0) } ?? ConsumerSlot.all }
    }
    var maxTemporal: Int? {
        get { slot.flatMap { $0.pointee.maxTemporal == ConsumerSlot.all ? nil : Int($0.pointee.maxTemporal) } }
        set { slot?.pointee.maxTemporal = newValue.map { UInt8(clamping: $0) } ?? ConsumerSlot.all }
    }
    /// The highest encoding its downlink estimate lets it have (nil: no bound).
    var estimateLayer: Int? {
        get { slot.flatMap { $0.pointee.estimateLayer == ConsumerSlot.all ? nil : Int($0.pointee.estimateLayer) } }
        set { slot?.pointee.estimateLayer = newValue.map { UInt8(clamping: $0) } ?? ConsumerSlot.all }
    }
    /// VP8 simulcast on the lowest encoding: the highest temporal layer its downlink estimate
    /// lets it have (nil: no bound), and the one in force (nil: every one).
    var estimateTemporal: Int? {
        get { slot.flatMap { $0.pointee.estimateTemporal == ConsumerSlot.all ? nil : Int($0.pointee.estimateTemporal) } }
        set { slot?.pointee.estimateTemporal = newValue.map { UInt8(clamping: $0) } ?? ConsumerSlot.all }
    }
    var temporal: Int? {
        slot.flatMap { $0.pointee.temporal == ConsumerSlot.all ? nil : Int($0.pointee.temporal) }
    }
    /// When its estimate last moved it down and up, and how long an upgrade waits after a
    /// downgrade (longer each time a move up did not last).
    var lastDowngrade: Duration = .seconds(-3600)
    var lastUpgrade: Duration = .seconds(-3600)
    var upgradeHold = DownlinkControl.holdAfterDowngrade
    /// Its bits per second over the last period (`tick`).
    private(set) var bitrate = 0.0
    private var lastTick: (at: Duration, bytes: UInt64)?

    /// Once a second: `bitrate` over the time since the last tick, and the resend allowance
    /// refilled to half of what it was sent meanwhile (at least `resendFloor` bytes).
    func tick(now: Duration) {
        let sent = bytes &- (lastTick?.bytes ?? 0)
        if let last = lastTick, now > last.at { bitrate = Double(sent) * 8 / (now - last.at).inSeconds }
        lastTick = (now, bytes)
        resendAllowance = max(Int(clamping: sent / 2), Self.resendFloor)
    }

    /// Padding that probes the downlink (RFC 4588 §4: on the RTX stream, which receivers drop
    /// once counted): packets of `paddingSize` bytes, about `bytes` in all, built in `scratch`
    /// (at least 256 bytes). Returns the bytes sent (0 without RTX).
    func sendPadding(_ bytes: Int, scratch: UnsafeMutableRawPointer) -> Int {
        guard let ssrc = section.localRTXSSRC, let type = section.rtxPayloadTypes.values.min(), bytes > 0 else { return 0 }
        let size = 12 + Self.paddingSize
        let packet = UnsafeMutableRawBufferPointer(start: scratch, count: size)
        packet.initializeMemory(as: UInt8.self, repeating: 0)
        packet[0] = 0xA0  // V=2, P=1
        packet[1] = type
        packet.setUInt32(timestampOffset, at: 4)
        packet.setUInt32(ssrc, at: 8)
        packet[size - 1] = UInt8(Self.paddingSize)
        var sent = 0
        while sent < bytes {
            packet.setUInt16(rtxSequence, at: 2)
            rtxSequence &+= 1
            transport.sendRTP(UnsafeRawBufferPointer(packet))
            sent += size
        }
        return sent
    }
    /// libwebrtc's largest padding.
    static let paddingSize = 224

    /// Its subscriber paused it (`POST …/video`): no packet, whatever the lobby says.
    var paused = false
    /// Applies a subscriber's bounds (`POST …/video`); a paused state is the room's to apply.
    func apply(_ layers: VideoLayers) {
        var bounds = VideoLayers(maxSpatial: maxSpatial, maxTemporal: maxTemporal)
        bounds.applyBounds(of: layers)
        (maxSpatial, maxTemporal) = (bounds.maxSpatial, bounds.maxTemporal)
    }

    /// Its subscriber pauses or resumes it: packets reach it when resumed and `admitted` (not
    /// waiting in a lobby), video restarting at a key frame.
    func setPaused(_ paused: Bool, admitted: Bool = true) {
        guard paused != self.paused else { return }
        self.paused = paused
        isActive = !paused && admitted
        if isActive { waitingForKeyFrame = true }
    }
    /// The layer last told in a `layer_changed` event.
    var reportedLayer: Int?
    var waitingForKeyFrame: Bool {
        get { slot?.pointee.waitingForKeyFrame ?? false }
        set { slot?.pointee.waitingForKeyFrame = newValue && kind == .video }
    }

    /// Maps the publisher's section onto the subscriber's: payload types codec by codec (name
    /// and clock rate), header extensions by URI (RFC 8285: IDs are per session, so each side
    /// has its own). The publisher's MID names the publisher's sections, not the subscriber's:
    /// dropped (the subscriber demultiplexes by the SSRC its answer announced), unless the
    /// copy goes back in the publisher's own section (`sameSection`: echo). Its transport-wide
    /// sequence numbers never reach the subscriber: the bridge's own replace them where the
    /// subscriber negotiated them, else they are dropped. Returns whether a codec is in common.
    @discardableResult
    func bind(to publisher: NegotiatedMedia, sameSection: Bool = false) -> Bool {
        guard let slot else { return false }
        var mapped = false
        for c in publisher.codecs {
            if let mine = section.codecs.first(where: { $0.name.lowercased() == c.name.lowercased() && $0.clockRate == c.clockRate }) {
                slot.pointee.payloadTypes[Int(c.payloadType & 0x7F)] = mine.payloadType
                if !mapped { sentCodec = mine }
                mapped = true
            }
        }
        slot.pointee.extensionsIdentity = true
        let numbered = section.transportSequenceExtensionID
        for (id, uri) in publisher.extensions {
            // The publisher's transport-wide sequence numbers are about its link to the bridge:
            // never passed on. Where the subscriber negotiated them, the element is kept under
            // the subscriber's ID and its transport writes its own number over it (no block to add).
            let dropped = (uri == Capabilities.midURI && !sameSection)
                || (uri == Capabilities.transportSequenceURI && numbered == nil)
                || uri == Capabilities.streamIDURI || uri == Capabilities.repairedStreamIDURI
            let mine = dropped ? 0 : section.extensions.first { $0.value == uri }?.key ?? 0
            slot.pointee.extensionIDs[Int(id)] = mine
            if mine != id { slot.pointee.extensionsIdentity = false }
        }
        return mapped
    }

    /// The source is gone: nothing is mapped until the next one is bound, and video waits for
    /// its first key frame; sequence numbers and timestamps continue from where they were.
    func unbind() {
        sentCodec = nil
        guard let slot else { return }
        slot.pointee.splice.detach()
        slot.pointee.waitingForKeyFrame = kind == .video
        for i in slot.pointee.payloadTypes.indices { slot.pointee.payloadTypes[i] = ConsumerSlot.unmapped }
        for i in slot.pointee.extensionIDs.indices { slot.pointee.extensionIDs[i] = 0 }
        slot.pointee.extensionsIdentity = true
    }

    /// The source's sequence number of the packet this copy sent as `sequence`.
    func sourceSequence(of sequence: UInt16) -> UInt16? { slot?.pointee.splice.sourceSequence(of: sequence) }

    /// Sends a stored packet of the mapped source again (a NACK), as `sequence`, rewritten for
    /// this copy in `scratch` (at least `ConsumerTable.maxPacket` bytes; the stored copy is
    /// never touched).
    func retransmit(_ stored: UnsafeRawBufferPointer, sequence: UInt16, scratch: UnsafeMutableRawPointer) {
        guard stored.count <= ConsumerTable.maxPacket else { return }
        guard resendAllowance >= stored.count else {
            resendsOverBudget &+= 1
            return
        }
        resendAllowance -= stored.count
        scratch.copyMemory(from: stored.baseAddress!, byteCount: stored.count)
        guard let view = try? RTPPacketView(parsing: UnsafeMutableRawBufferPointer(start: scratch, count: stored.count)) else { return }
        guard let slot, view.ssrc == slot.pointee.splice.source else { return }  // the copy moved on to another stream meanwhile
        if slot.pointee.vp8.isActive && slot.pointee.temporal != ConsumerSlot.all {
            // While temporal layers are left out, the picture IDs close up behind them: a resend
            // could carry another picture ID than its frame's. A key frame makes the loss good
            // instead (the fan-out asks the publisher for one while a copy waits).
            slot.pointee.waitingForKeyFrame = true
            return
        }
        let outType = slot.pointee.payloadTypes[Int(view.payloadType & 0x7F)]
        guard outType != ConsumerSlot.unmapped else { return }
        view.ssrc = localSSRC
        view.sequenceNumber = sequence
        view.timestamp = view.timestamp &+ slot.pointee.splice.timestampOffset
        view.payloadType = outType
        if slot.pointee.vp8.isActive { slot.pointee.vp8.rewrite(view.payload, switched: false) }
        if view.hasExtension && !slot.pointee.extensionsIdentity {
            slot.pointee.extensionIDs.span.withUnsafeBufferPointer { view.remapHeaderExtensionIDs($0) }
        }
        retransmitted &+= 1
        // RTX (RFC 4588 §4): the original sequence number, then the payload, on the RTX SSRC
        // with a sequence number of its own.
        if let rtxSSRC = section.localRTXSSRC, let rtxType = section.rtxPayloadTypes[outType],
           let wrapped = view.wrappedAsRetransmission(ssrc: rtxSSRC, sequenceNumber: rtxSequence, payloadType: rtxType,
                                                      capacity: ConsumerTable.maxPacket) {
            rtxSequence &+= 1
            transport.sendRTP(UnsafeRawBufferPointer(wrapped.bytes))
            return
        }
        transport.sendRTP(UnsafeRawBufferPointer(view.bytes))
    }

    /// The subscriber's reception report on this copy: its loss, and the round trip (RFC 3550
    /// §6.4.1: arrival - LSR - DLSR, timed against when that sender report left).
    func received(_ report: ReceptionReport, now: Duration) {
        reportedLost = Int64(report.cumulativeLost)
        reportedFraction = report.fractionLost
        guard report.lastSenderReport != 0 else { return }
        for i in 0..<4 where sentReports[i].lsr == report.lastSenderReport {
            let delay = Duration.microseconds(Int64(report.delaySinceLastSenderReport) * 1_000_000 / 65536)
            let rtt = now - sentReports[i].at - delay
            if rtt >= .zero { roundTrip = rtt }
            break
        }
    }

    /// Whether a packet the subscriber asked for (NACK) should be sent again: not if it was
    /// within the last round trip (its retransmission may still be on the way), so a burst of
    /// NACKs never becomes a storm of resends.
    func shouldResend(_ sequence: UInt16, now: Duration) -> Bool {
        let window = max(roundTrip ?? .milliseconds(100), .milliseconds(20))
        for i in 0..<32 where resent[i].sequence == sequence && now - resent[i].at < window {
            resendsSuppressed &+= 1
            return false
        }
        resent[resentIndex] = (sequence, now)
        resentIndex = (resentIndex + 1) % 32
        return true
    }

    func received(estimate bitrate: UInt64) { estimatedBitrate = bitrate }

    /// Writes this copy's sender report into `out`: the source's NTP/RTP pair with the RTP
    /// time moved into this copy's timestamp space, so the subscriber can sync audio and video
    /// (RFC 3550 §6.4.1). Returns the bytes written (28).
    func writeSenderReport(_ time: SenderReportTime, now: Duration, into out: UnsafeMutableRawBufferPointer) -> Int {
        sentReports[reportIndex] = (UInt32(truncatingIfNeeded: time.ntp >> 16), now)
        reportIndex = (reportIndex + 1) % 4
        return SenderReport.serialize(ssrc: localSSRC, ntpTimestamp: time.ntp, rtpTimestamp: time.rtp &+ timestampOffset,
                               packetCount: UInt32(truncatingIfNeeded: packets), octetCount: UInt32(truncatingIfNeeded: bytes),
                               reportBlock: nil, into: out)
    }
}
