import ICE
import RTP

/// One stream a publisher sends (an SSRC), learnt on its first packet.
final class InboundStream {
    let ssrc: UInt32
    let kind: MediaKind
    let mid: String
    let clockRate: Int
    /// Codec per payload type (128 entries).
    private let codecs: [CodecKind]
    var limiter: KeyFrameRequestLimiter
    /// Video only: the last packets, for viewers' NACKs.
    let retransmissions: RetransmissionBuffer?
    var packets: UInt64 = 0
    var bytes: UInt64 = 0
    var statistics: ReceptionStatistics
    /// The publisher's last sender report: an NTP/RTP time pair, mapped into each viewer's
    /// timestamp space for the viewer's sender reports.
    var lastSenderReport: (ntp: UInt64, rtp: UInt32)?
    /// RFC 5104 §4.3.1: FIR when the publisher negotiated it but not PLI.
    let usesFIR: Bool
    var firSequence: UInt8 = 0
    /// Audio: the negotiated ID of the RFC 6464 audio-level extension.
    let audioLevelID: UInt8?

    init(ssrc: UInt32, media: NegotiatedMedia, keyFrameInterval: Duration) {
        self.ssrc = ssrc
        kind = media.kind
        mid = media.mid
        clockRate = media.codecs.first?.clockRate ?? (media.kind == .audio ? 48000 : 90000)
        var table = [CodecKind](repeating: .other, count: 128)
        for c in media.codecs { table[Int(c.payloadType & 0x7F)] = CodecKind(name: c.name) }
        codecs = table
        limiter = KeyFrameRequestLimiter(interval: keyFrameInterval)
        retransmissions = media.kind == .video ? RetransmissionBuffer() : nil
        statistics = ReceptionStatistics(clockRate: clockRate)
        usesFIR = media.fullIntraRequest && !media.pictureLossIndication
        audioLevelID = media.kind == .audio ? media.extensions.first { $0.value == Capabilities.audioLevelURI }?.key : nil
    }

    @inline(__always)
    func codec(_ payloadType: UInt8) -> CodecKind { codecs[Int(payloadType & 0x7F)] }

    /// One packet of this stream arrived: counters, reception statistics, and (video) the
    /// retransmission ring.
    @inline(__always)
    func received(_ packet: RTPPacketView, now: ContinuousClock.Instant) {
        packets &+= 1
        bytes &+= UInt64(packet.bytes.count)
        statistics.record(sequence: packet.sequenceNumber, timestamp: packet.timestamp, arrival: now)
        retransmissions?.store(sequence: packet.sequenceNumber, packet: UnsafeRawBufferPointer(packet.bytes))
    }

    /// The sender's times in an SR (RFC 3550 §6.4.1) at `range` of a compound packet: its SSRC,
    /// NTP and RTP timestamps; nil if it is too short to hold them.
    static func senderReportTimes(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> (ssrc: UInt32, ntp: UInt64, rtp: UInt32)? {
        guard range.count >= 20 else { return nil }
        let ntp = UInt64(bytes.loadBigEndianUInt32(at: range.lowerBound + 8)) << 32
            | UInt64(bytes.loadBigEndianUInt32(at: range.lowerBound + 12))
        return (bytes.loadBigEndianUInt32(at: range.lowerBound + 4), ntp, bytes.loadBigEndianUInt32(at: range.lowerBound + 16))
    }

    /// The publisher's SR on this stream: kept for the outgoing sender reports, and for the
    /// receiver reports' delay since the last SR.
    func senderReport(ntp: UInt64, rtp: UInt32, arrival: ContinuousClock.Instant) {
        lastSenderReport = (ntp, rtp)
        statistics.senderReport(ntpTimestamp: ntp, arrival: arrival)
    }

    /// Writes a key-frame request for this stream into `out` (at least 64 bytes) and returns its
    /// length: a PLI, or a FIR where the publisher negotiated only that (RFC 5104 §4.3.1: media
    /// SSRC 0, the target in the FCI with a sequence number that changes with every request).
    func writeKeyFrameRequest(into out: UnsafeMutableRawBufferPointer) -> Int {
        guard usesFIR else { return PictureLossIndication(senderSSRC: 1, mediaSSRC: ssrc).serialize(into: out) }
        firSequence &+= 1
        return FullIntraRequest(senderSSRC: 1, mediaSSRC: 0,
                                entries: [FullIntraRequestEntry(ssrc: ssrc, sequenceNumber: firSequence)]).serialize(into: out)
    }
}

/// The streamer of a streaming room: receives its media and hands each packet to the room.
final class Publisher: TransportDelegate {
    unowned let room: StreamingRoom
    let id: String
    let display: String?
    let transport: WebRTCTransport
    let media: [NegotiatedMedia]
    let keyFrameInterval: Duration
    private(set) var streams: [UInt32: InboundStream] = [:]
    private let rtcp = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
    private let reports = UnsafeMutableRawPointer.allocate(byteCount: 1024, alignment: 8)
    private(set) var keyFrameRequests: UInt64 = 0
    /// Whether it is speaking (from its audio levels).
    private(set) var speech: SpeechActivity

    init(room: StreamingRoom, id: String, display: String?, transport: WebRTCTransport, media: [NegotiatedMedia],
         keyFrameInterval: Duration, speech: SpeechDetection = SpeechDetection()) {
        self.speech = SpeechActivity(speech)
        self.room = room
        self.id = id
        self.display = display
        self.transport = transport
        self.media = media
        self.keyFrameInterval = keyFrameInterval
    }

    deinit {
        rtcp.deallocate()
        reports.deallocate()
    }

    /// The codecs this publisher sends, per kind (what viewers' payload types map from).
    func codecs(of kind: MediaKind) -> [NegotiatedMedia.Codec] {
        media.receivedCodecs(of: kind)
    }

    func transportDidConnect(_ transport: WebRTCTransport) {
        // A new streamer: viewers need its first key frame (one on standby: when it takes over).
        guard room.streamer === self else { return }
        let now = ContinuousClock.now
        for stream in streams.values { room.requestKeyFrame(stream, now: now) }
    }

    /// A key-frame request for `stream`: PLI, or FIR where the publisher negotiated only that.
    func requestKeyFrame(_ stream: InboundStream) {
        let n = stream.writeKeyFrameRequest(into: UnsafeMutableRawBufferPointer(start: rtcp, count: 64))
        keyFrameRequests &+= 1
        transport.sendRTCP(UnsafeRawBufferPointer(start: rtcp, count: n))
    }

    func transportDidChangeRemoteAddress(_ transport: WebRTCTransport) {
        guard room.streamer === self else { return }
        let now = ContinuousClock.now
        for stream in streams.values { room.requestKeyFrame(stream, now: now) }
    }

    func transport(_ transport: WebRTCTransport, didChangeState state: TransportState) {
        room.transportStateChanged(participantID: id, role: .streamer, state: state)
    }

    func transport(_ transport: WebRTCTransport, didReceiveRTP packet: RTPPacketView) {
        let stream: InboundStream
        if let known = streams[packet.ssrc] {
            stream = known
        } else {
            guard let learnt = learn(packet) else { return }
            stream = learnt
        }
        let now = ContinuousClock.now
        stream.received(packet, now: now)
        // A streamer on standby: its streams are known (a key frame is asked for when it takes
        // over), nothing is forwarded.
        guard room.streamer === self else { return }
        if let id = stream.audioLevelID, let level = packet.headerExtension(id: id), level.count >= 1,
           let change = speech.observe(level: level[0], now: now - Self.origin) {
            room.speechChanged(self, change)
        }
        room.forward(packet, from: stream, now: now)
    }

    /// Slow path, once per SSRC: which section does it belong to (MID extension, else payload type)?
    private func learn(_ packet: RTPPacketView) -> InboundStream? {
        guard let section = media.section(of: packet, where: \.receives) else { return nil }
        // RTX or FEC streams of a section are not forwarded (not negotiated in answers).
        guard section.codecs.contains(where: { $0.payloadType == packet.payloadType }) else { return nil }
        let stream = InboundStream(ssrc: packet.ssrc, media: section, keyFrameInterval: keyFrameInterval)
        if !streams.values.contains(where: { $0.kind == section.kind }) {
            room.events.emit("media_started", room: room.id, participant: id, role: "streamer", kind: section.kind.rawValue)
        }
        streams[packet.ssrc] = stream
        return stream
    }

    /// The origin of the times given to `speech`.
    static let origin = ContinuousClock.now

    /// Once a second: speech ends after its hangover even if packets stopped coming.
    func tickSpeech(now: ContinuousClock.Instant) {
        if let change = speech.tick(now: now - Self.origin) { room.speechChanged(self, change) }
    }

    /// Sender reports feed the receiver reports and the viewers' sender reports; the rest
    /// (feedback on nothing the bridge sends this publisher) is ignored.
    func transport(_ transport: WebRTCTransport, didReceiveRTCP packet: UnsafeMutableRawBufferPointer) {
        let bytes = UnsafeRawBufferPointer(packet)
        var iterator = RTCPCompoundIterator(bytes)
        let now = ContinuousClock.now
        while let (header, range) = iterator.next() {
            guard header.packetType == 200, let (ssrc, ntp, rtp) = InboundStream.senderReportTimes(bytes, range),
                  let stream = streams[ssrc] else { continue }
            stream.senderReport(ntp: ntp, rtp: rtp, arrival: now)
            if room.streamer === self { room.senderReport(stream, ntp: ntp, rtp: rtp) }
        }
    }

    /// One receiver report per stream, in one compound packet (RFC 3550 §6.4.2).
    func sendReceiverReports(now: ContinuousClock.Instant) {
        var offset = 0
        for stream in streams.values where offset + 32 <= 1024 {
            let block = stream.statistics.report(ssrc: stream.ssrc, now: now)
            if block.fractionLost >= StreamingRoom.slowLinkFraction {
                room.slowLink(participant: id, role: .streamer, direction: "uplink", kind: stream.kind,
                              fractionLost: block.fractionLost, now: now)
            }
            offset += ReceiverReport.serialize(ssrc: 1, reportBlock: block,
                                               into: UnsafeMutableRawBufferPointer(start: reports + offset, count: 1024 - offset))
        }
        if offset > 0 { transport.sendRTCP(UnsafeRawBufferPointer(start: reports, count: offset)) }
    }

    var info: ParticipantInfo {
        var p = ParticipantInfo(transport: transport, id: id, display: display, role: .streamer, keyFrameRequests: keyFrameRequests)
        p.packetsLost = streams.values.reduce(0) { $0 + max(0, $1.statistics.cumulativeLost) }
        p.lossPercent = Double(streams.values.map(\.statistics.lastFractionLost).max() ?? 0) * 100 / 256
        p.tracks = media.filter { !$0.rejected }.map { m in
            let s = streams.values.first { $0.mid == m.mid }
            return TrackInfo(mid: m.mid, kind: m.kind, direction: m.direction.rawValue,
                             codec: m.codecs.first.map { "\($0.name)/\($0.clockRate)" },
                             inboundSSRC: s?.ssrc, outboundSSRC: nil, packets: s?.packets ?? 0)
        }
        return p
    }
}

extension [NegotiatedMedia] {
    /// The codecs received in the section of this kind (what a publisher sends).
    func receivedCodecs(of kind: MediaKind) -> [NegotiatedMedia.Codec] {
        first { $0.kind == kind && $0.receives }?.codecs ?? []
    }
}
