import RTP

/// One participant's media over its transport, whatever its room: the tracks it publishes
/// (`Producer`s, found by SSRC once a stream's first packet named its section), the copies it
/// receives (`Consumer`s, by the SSRC the bridge sends them with), and the one place its RTP
/// and RTCP arrive. What happens to its media is the room's decision, told through
/// `PeerDelegate`. Confined to its transport's loop.
final class Peer: TransportDelegate {
    let id: String
    let display: String?
    let role: ParticipantRole
    let transport: WebRTCTransport
    unowned(unsafe) let delegate: any PeerDelegate
    /// The sections negotiated with it, in m-line order.
    var sections: [NegotiatedMedia] {
        didSet { negotiateFeedback() }
    }
    /// The most it may send, in bits per second (the room's or its own `max_bitrate`): told
    /// in a REMB each second while it publishes, which a browser's estimate never exceeds.
    var maxBitrate: UInt64? {
        didSet { if maxBitrate != oldValue { sendBitrateLimit() } }
    }
    /// What it publishes, by mid.
    private(set) var producers: [String: Producer] = [:]
    /// What it receives, by the SSRC the bridge sends each copy with.
    private(set) var consumers: [UInt32: Consumer] = [:]
    private var routes: [UInt32: Route] = [:]
    let keyFrameInterval: Duration
    /// Whether it is speaking (from its audio levels).
    private(set) var speech: SpeechActivity
    /// Key-frame requests sent to it (what it publishes) and from it (what it receives).
    private(set) var keyFrameRequests: UInt64 = 0
    /// RTX packets from it that repaired a loss, and those that repaired nothing (padding, or
    /// packets sent again to probe its uplink).
    private(set) var retransmissionsReceived: UInt64 = 0
    private(set) var retransmissionsDropped: UInt64 = 0
    /// transport-cc feedback packets it sent about what it receives.
    private(set) var transportFeedback: UInt64 = 0
    /// REMB packets the bridge sent it with its bitrate limit or estimate.
    private(set) var bitrateLimitsSent: UInt64 = 0
    /// A publisher with goog-remb but no transport-cc: the bridge estimates its uplink
    /// (delay over abs-send-time, extension `absSendTimeID`; loss) and sends it in REMB.
    private var estimator: ReceiveSideEstimator?
    private var absSendTimeID: UInt8 = 0
    /// Where it negotiated transport-cc on what it receives: the bridge numbers what it sends
    /// it, and estimates its downlink from its feedback (`DownlinkControl`).
    private var downlink: DownlinkControl?
    /// Why it does not get something it asked for, if it does not (e.g. no codec in common).
    var notice: String?
    private var slowLink = SlowLinkLimiter()
    private let rtcp = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
    private let reports = UnsafeMutableRawPointer.allocate(byteCount: Peer.reportsSize, alignment: 8)
    private static let reportsSize = 1200
    /// Loss above this fraction (of 256) is a slow link: 13/256 ≈ 5%.
    static let slowLinkFraction: UInt8 = 13

    private struct Route {
        let producer: Producer
        let stream: InboundStream
        /// An RTX stream (RFC 4588) that repairs `stream`.
        var repairs = false
    }

    init(id: String, display: String?, role: ParticipantRole, transport: WebRTCTransport, sections: [NegotiatedMedia],
         delegate: any PeerDelegate, keyFrameInterval: Duration, speech: SpeechDetection = SpeechDetection()) {
        self.id = id
        self.display = display
        self.role = role
        self.transport = transport
        self.sections = sections
        self.delegate = delegate
        self.keyFrameInterval = keyFrameInterval
        self.speech = SpeechActivity(speech)
        transport.delegate = self
        negotiateFeedback()
    }

    /// Where it negotiated transport-cc on what it sends, its transport reports arrivals back;
    /// where it negotiated only goog-remb, the bridge estimates its uplink.
    private func negotiateFeedback() {
        if let id = sections.filter(\.sends).lazy.compactMap(\.transportSequenceExtensionID).first {
            transport.stampTransportSequence(extensionID: id)
            if downlink == nil { downlink = DownlinkControl() }
        }
        let sending = sections.filter(\.receives)
        if let id = sending.lazy.compactMap(\.transportSequenceExtensionID).first {
            transport.sendTransportFeedback(extensionID: id)
            estimator = nil
        } else if sending.contains(where: \.receiverEstimate) {
            if estimator == nil { estimator = ReceiveSideEstimator() }
            absSendTimeID = sending.lazy.compactMap { $0.extensions.first { $0.value == Capabilities.absSendTimeURI }?.key }.first ?? 0
        }
    }

    /// The limit told to it: its `maxBitrate`, and the bridge's estimate where it makes one.
    private var bitrateLimit: UInt64? {
        guard let e = estimator?.estimate else { return maxBitrate }
        return min(UInt64(e), maxBitrate ?? .max)
    }

    deinit {
        rtcp.deallocate()
        reports.deallocate()
    }

    // MARK: tracks

    /// It publishes the section `media` (a source of `source`, named `trackID`).
    @discardableResult
    func publish(_ media: NegotiatedMedia, source: TrackSource, trackID: String) -> Producer {
        let producer = Producer(id: trackID, media: media, source: source, peer: self)
        producers[media.mid] = producer
        return producer
    }

    /// It stopped publishing the section `mid`: its streams are forgotten.
    func unpublish(mid: String) -> Producer? {
        guard let producer = producers.removeValue(forKey: mid) else { return nil }
        for stream in producer.streams { routes[stream.ssrc] = nil }
        return producer
    }

    /// A copy of what it receives, sent in its section `section` from `table`.
    func consume(_ section: NegotiatedMedia, localSSRC: UInt32, from table: ConsumerTable, active: Bool = true) -> Consumer {
        let consumer = Consumer(kind: section.kind, section: section, localSSRC: localSSRC, transport: transport,
                                table: table, active: active)
        consumers[localSSRC] = consumer
        return consumer
    }

    /// A copy stops: it leaves its table.
    func stopConsuming(_ consumer: Consumer) {
        consumer.close()
        if consumers[consumer.localSSRC] === consumer { consumers[consumer.localSSRC] = nil }
    }

    /// Closes the transport (DTLS close_notify) and every copy it receives.
    func close() {
        for c in consumers.values { c.close() }
        consumers.removeAll()
        transport.close()
    }

    /// The stream it publishes with this SSRC, once learnt.
    func stream(ssrc: UInt32) -> InboundStream? { routes[ssrc]?.stream }

    /// Its copy sent in section `mid`, if any.
    func consumer(mid: String) -> Consumer? { consumers.values.first { $0.mid == mid } }

    // MARK: transport events

    func transportDidConnect(_ transport: WebRTCTransport) { delegate.peerDidConnect(self) }

    func transportDidChangeRemoteAddress(_ transport: WebRTCTransport) { delegate.peerDidChangeRemoteAddress(self) }

    func transport(_ transport: WebRTCTransport, didChangeState state: TransportState) { delegate.peer(self, didChangeState: state) }

    func transport(_ transport: WebRTCTransport, didReceiveRTP packet: RTPPacketView) {
        let route: Route
        if let known = routes[packet.ssrc] {
            route = known
        } else {
            guard let learnt = learn(packet) else { return }
            route = learnt
        }
        if route.repairs {
            // A retransmission of a packet still missing goes on as if it had come on its
            // stream. RTX that repairs nothing (padding, or packets resent to probe the uplink,
            // as Chromium does) ends here.
            guard packet.payloadLength > 2, route.stream.needsRepair(UnsafeRawBufferPointer(packet.payload).getUInt16(at: 0)),
                  let type = route.producer.media.repairedPayloadType(packet.payloadType),
                  let repaired = packet.unwrappedRetransmission(ssrc: route.stream.ssrc, payloadType: type) else {
                retransmissionsDropped &+= 1
                return
            }
            retransmissionsReceived &+= 1
            self.transport(transport, didReceiveRTP: repaired)
            return
        }
        let now = ContinuousClock.now
        route.stream.received(packet, now: now)
        if route.stream.layers > 1, route.stream.codec(packet.payloadType) == .vp8,
           let d = VP8Descriptor(UnsafeRawBufferPointer(packet.payload)), d.startsFrame,
           let size = d.keyFrameSize(in: UnsafeRawBufferPointer(packet.payload)) {
            route.stream.frameSize = size
            route.producer.rankEncodings()
        }
        var givenUp = false
        let lossRequest = route.stream.writeLossRequest(packet.sequenceNumber, now: MediaClock.elapsed(now),
                                                        into: UnsafeMutableRawBufferPointer(start: reports, count: Self.reportsSize),
                                                        givenUp: &givenUp)
        if lossRequest > 0 {
            transport.sendRTCP(UnsafeRawBufferPointer(start: reports, count: lossRequest))
            transport.worker.feedback.lossRequests &+= 1
        }
        if givenUp && !route.producer.media.rtxPayloadTypes.isEmpty {
            // With RTX every gap in a media stream is a lost media packet (padding comes on the
            // RTX stream): one that never came breaks a frame until the next key frame.
            route.producer.requestKeyFrame(ssrc: route.stream.ssrc, now: now)
        }
        if estimator != nil, absSendTimeID != 0, let t = packet.headerExtension(id: absSendTimeID), t.count >= 3 {
            let seconds = MediaClock.elapsed(now).inSeconds
            if estimator!.received(absSendTime: UInt32(t[0]) << 16 | UInt32(t[1]) << 8 | UInt32(t[2]), arrival: seconds) {
                // The queue on its uplink started to grow: a lower estimate at once.
                _ = estimator!.update(incoming: Double(transport.bitrateIn), fractionLost: 0, now: seconds)
                sendBitrateLimit()
            }
        }
        if let id = route.producer.audioLevelID, let level = packet.headerExtension(id: id), level.count >= 1,
           let change = speech.observe(level: level[0], now: MediaClock.elapsed(now)) {
            delegate.peer(self, speech: change)
        }
        delegate.peer(self, didReceive: packet, from: route.producer, stream: route.stream, now: now)
    }

    /// Slow path, once per SSRC: which published section is it (MID extension, else payload
    /// type)? RTX and FEC streams are not forwarded (they are not negotiated in answers).
    /// A simulcast section's stream is one of its encodings: named by its RID (the RTP stream
    /// id extension, sent on a stream's first packets) or its place in the SIM group; one that
    /// names neither yet is not learnt.
    private func learn(_ packet: RTPPacketView) -> Route? {
        guard let section = producers.values.map(\.media).section(of: packet, where: \.receives),
              let producer = producers[section.mid] else { return nil }
        if section.repairedPayloadType(packet.payloadType) != nil { return learnRetransmissions(packet, section: section, producer: producer) }
        guard section.codecs.contains(where: { $0.payloadType == packet.payloadType }) else { return nil }
        var layer: Int?
        var rid: String?
        if let id = section.ridExtensionID {
            guard let value = packet.headerExtension(id: id) else { return nil }
            rid = String(decoding: value, as: UTF8.self)
            layer = section.simulcastRIDs.firstIndex(of: rid!)
            guard layer != nil else { return nil }
        } else if !section.simulcastSSRCs.isEmpty {
            guard let index = section.simulcastSSRCs.firstIndex(of: packet.ssrc) else { return nil }
            layer = index
        }
        let stream = InboundStream(ssrc: packet.ssrc, media: section, keyFrameInterval: keyFrameInterval)
        if let layer {
            stream.layer = UInt8(layer)
            stream.layers = UInt8(section.encodings)
            stream.rid = rid
            stream.best = producer.streams.map(\.best).max().map { max($0, stream.layer) } ?? stream.layer
        }
        let first = producer.streams.isEmpty
        producer.add(stream)
        let route = Route(producer: producer, stream: stream)
        routes[packet.ssrc] = route
        if first { delegate.peer(self, didStart: producer) }
        return route
    }

    /// An RTX stream: which of the section's streams it repairs, by the repaired stream id
    /// (RID simulcast), the offer's FID group, or, with one encoding, the one stream there is.
    /// Not learnt until that stream is.
    private func learnRetransmissions(_ packet: RTPPacketView, section: NegotiatedMedia, producer: Producer) -> Route? {
        let repaired: InboundStream?
        if let id = section.repairedStreamIDExtensionID {
            guard let value = packet.headerExtension(id: id) else { return nil }
            let rid = String(decoding: value, as: UTF8.self)
            repaired = producer.streams.first { $0.rid == rid }
        } else if let ssrc = section.repairedSSRCs[packet.ssrc] {
            repaired = producer.stream(ssrc: ssrc)
        } else if section.encodings == 1 {
            repaired = producer.streams.last
        } else {
            repaired = nil
        }
        guard let repaired else { return nil }
        let route = Route(producer: producer, stream: repaired, repairs: true)
        routes[packet.ssrc] = route
        return route
    }

    /// The peer's RTCP, read in place: sender reports on what it publishes; receiver reports,
    /// NACKs, PLI and FIR, REMB and transport-cc on what it receives.
    func transport(_ transport: WebRTCTransport, didReceiveRTCP packet: UnsafeMutableRawBufferPointer) {
        let bytes = UnsafeRawBufferPointer(packet)
        var iterator = RTCPCompoundIterator(bytes)
        let now = ContinuousClock.now
        while let (_, range) = iterator.next() {
            let view: RTCPView
            do { view = try RTCPView(viewing: UnsafeRawBufferPointer(rebasing: bytes[range])) } catch {
                transport.worker.drops.count(.rtcpMalformed)
                continue
            }
            switch view {
            case .senderReport(let sr):
                if let route = routes[sr.ssrc] {
                    let time = SenderReportTime(ntp: sr.ntpTimestamp, rtp: sr.rtpTimestamp)
                    route.stream.senderReport(time, arrival: now)
                    delegate.peer(self, didReceiveSenderReport: time, on: route.stream, of: route.producer)
                }
                received(sr.reports, now: now)
            case .receiverReport(_, let reports):
                received(reports, now: now)
            case .transportLayerNack(_, let mediaSSRC, let pairs):
                guard let consumer = consumers[mediaSSRC] else { continue }
                let elapsed = MediaClock.elapsed(now)
                for pair in pairs {
                    consumer.nacks &+= 1
                    pair.forEachLost { if consumer.shouldResend($0, now: elapsed) { delegate.peer(self, lost: $0, on: consumer) } }
                }
            case .pictureLossIndication(_, let mediaSSRC):
                keyFrameRequested(on: mediaSSRC, now: now)
            case .fullIntraRequest(_, let entries):
                for entry in entries { keyFrameRequested(on: entry.ssrc, now: now) }
            case .receiverEstimatedMaximumBitrate(_, let bitrate, let ssrcs):
                for ssrc in ssrcs { consumers[ssrc]?.received(estimate: bitrate) }
            case .transportWideCongestionControl(_, _, let feedback):
                transportFeedback &+= 1
                if downlink != nil, downlink!.received(feedback, from: transport) {
                    // The queue toward it started to grow: a lower estimate, and layers, at once.
                    downlink!.update(consumers: consumers.values, now: MediaClock.elapsed(now))
                }
            case .other:
                continue
            }
        }
        if iterator.malformed { transport.worker.drops.count(.rtcpMalformed) }
    }

    /// A downlink probe: `bytes` of padding at once, on the RTX stream of a video copy, a
    /// burst on top of the media whose spread on arrival shows what the path carries.
    private func sendProbe(bytes: Int) {
        for consumer in consumers.values where consumer.kind == .video && consumer.isActive {
            if consumer.sendPadding(bytes, scratch: reports) > 0 { return }
        }
    }

    private func keyFrameRequested(on ssrc: UInt32, now: ContinuousClock.Instant) {
        guard let consumer = consumers[ssrc], consumer.kind == .video else { return }
        consumer.keyFrameRequests &+= 1
        keyFrameRequests &+= 1
        delegate.peer(self, requestsKeyFrameFor: consumer, now: now)
    }

    /// Its reception reports on the copies it receives: their loss, and a slow link.
    private func received(_ reports: ReceptionReportBlocks, now: ContinuousClock.Instant) {
        for report in reports {
            guard let consumer = consumers[report.ssrc] else { continue }
            consumer.received(report, now: MediaClock.elapsed(now))
            if report.fractionLost >= Self.slowLinkFraction, slowLink.shouldReport(.downlink, now: now) {
                delegate.peer(self, slowLink: .downlink, kind: consumer.kind, fractionLost: report.fractionLost)
            }
        }
    }

    // MARK: sending

    /// A key-frame request for `stream`: PLI, or FIR where the peer negotiated only that.
    func sendKeyFrameRequest(_ stream: InboundStream) {
        let n = stream.writeKeyFrameRequest(into: UnsafeMutableRawBufferPointer(start: rtcp, count: 64))
        keyFrameRequests &+= 1
        transport.sendRTCP(UnsafeRawBufferPointer(start: rtcp, count: n))
    }

    /// Its bitrate limit at once, when it has one and publishes (otherwise with the next tick).
    private func sendBitrateLimit() {
        guard bitrateLimit != nil, transport.state == .connected else { return }
        let n = writeBitrateLimit(into: UnsafeMutableRawBufferPointer(start: reports, count: Self.reportsSize))
        if n > 0 { transport.sendRTCP(UnsafeRawBufferPointer(start: reports, count: n)) }
    }

    /// A REMB with its limit for every stream it publishes; 0 bytes without a limit or streams.
    private func writeBitrateLimit(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let limit = bitrateLimit else { return 0 }
        let ssrcs = producers.values.flatMap { $0.streams.map(\.ssrc) }.prefix(255)
        guard !ssrcs.isEmpty else { return 0 }
        let remb = ReceiverEstimatedMaximumBitrate(senderSSRC: 1, bitrate: limit, ssrcs: Array(ssrcs))
        guard remb.serializedSize <= buffer.count else { return 0 }
        bitrateLimitsSent &+= 1
        transport.worker.feedback.bitrateLimits &+= 1
        return remb.serialize(into: buffer)
    }

    /// Once a second: speech ends after its hangover even if packets stopped coming; one
    /// compound packet with a receiver report per stream it publishes (RFC 3550 §6.4.2), its
    /// bitrate limit (REMB) if it has one, and a sender report per copy it receives whose
    /// source has sent one (§6.4.1).
    func tick(now: ContinuousClock.Instant) {
        if let change = speech.tick(now: MediaClock.elapsed(now)) { delegate.peer(self, speech: change) }
        guard transport.state == .connected else { return }
        var offset = 0
        var fractionLost: UInt8 = 0
        for producer in producers.values {
            producer.updateBestEncoding()
            for stream in producer.streams where offset + 32 <= Self.reportsSize {
                let block = stream.statistics.report(ssrc: stream.ssrc, now: now)
                fractionLost = max(fractionLost, block.fractionLost)
                if block.fractionLost >= Self.slowLinkFraction, slowLink.shouldReport(.uplink, now: now) {
                    delegate.peer(self, slowLink: .uplink, kind: stream.kind, fractionLost: block.fractionLost)
                }
                offset += ReceiverReport.serialize(ssrc: 1, reportBlock: block,
                                                   into: UnsafeMutableRawBufferPointer(start: reports + offset, count: Self.reportsSize - offset))
            }
        }
        let elapsed = MediaClock.elapsed(now)
        if offset > 0 {
            if estimator != nil {
                _ = estimator!.update(incoming: Double(transport.bitrateIn), fractionLost: fractionLost, now: elapsed.inSeconds)
            }
            offset += writeBitrateLimit(into: UnsafeMutableRawBufferPointer(start: reports + offset, count: Self.reportsSize - offset))
        }
        for consumer in consumers.values { consumer.tick(now: elapsed) }
        let probe = downlink != nil ? downlink!.update(consumers: consumers.values, now: elapsed, tick: true, mayProbe: true) : 0
        for consumer in consumers.values where offset + 28 <= Self.reportsSize && consumer.isActive {
            guard let time = delegate.senderReportTime(for: consumer) else { continue }
            offset += consumer.writeSenderReport(time, now: elapsed, into: UnsafeMutableRawBufferPointer(start: reports + offset,
                                                                                         count: Self.reportsSize - offset))
        }
        if offset > 0 { transport.sendRTCP(UnsafeRawBufferPointer(start: reports, count: offset)) }
        if probe > 0 { sendProbe(bytes: probe) }
    }

    // MARK: description

    /// Its description for the API: the transport's state and counters, a track per section
    /// (inbound: what it publishes; outbound: what it receives), and its loss (a publisher's
    /// on the way in, from the bridge's statistics; a receiver's on the way out, from its
    /// reports).
    var info: ParticipantInfo {
        var p = ParticipantInfo(transport: transport, id: id, display: display, role: role, keyFrameRequests: keyFrameRequests)
        p.notice = notice
        p.maxBitrate = maxBitrate
        p.estimatedBitrate = estimator?.estimate.map { UInt64($0) }
        p.estimatedDownlink = downlink?.estimator.estimate.map { UInt64($0) }
        p.downlinkProbes = downlink?.probes ?? 0
        p.bitrateLimitsSent = bitrateLimitsSent
        let streams = producers.values.flatMap(\.streams)
        for stream in streams {
            p.packetsRequested += stream.lossRequests.requested
            p.packetsRecovered += stream.lossRequests.recovered
            p.packetsGivenUp += stream.lossRequests.givenUp
        }
        p.retransmissionsReceived = retransmissionsReceived
        if producers.isEmpty {
            p.packetsLost = consumers.values.reduce(0) { $0 + max(0, $1.reportedLost) }
            p.lossPercent = Double(consumers.values.map(\.reportedFraction).max() ?? 0) * 100 / 256
        } else {
            p.packetsLost = streams.reduce(0) { $0 + max(0, $1.statistics.cumulativeLost) }
            p.lossPercent = Double(streams.map(\.statistics.lastFractionLost).max() ?? 0) * 100 / 256
        }
        p.tracks = sections.filter { !$0.rejected }.map(trackInfo)
        return p
    }

    func trackInfo(_ m: NegotiatedMedia) -> TrackInfo {
        let producer = producers[m.mid]
        let consumer = consumer(mid: m.mid)
        return TrackInfo(mid: m.mid, kind: m.kind, direction: m.direction.rawValue,
                         codec: (consumer?.sentCodec ?? m.codecs.first).map { "\($0.name)/\($0.clockRate)" },
                         inboundSSRC: producer?.streams.first?.ssrc ?? consumer?.source,
                         outboundSSRC: consumer?.localSSRC,
                         packets: producer?.packets ?? consumer?.packets ?? 0,
                         encodings: producer.flatMap { p in
                             p.streams.contains { $0.layers > 1 }
                                 ? p.streams.sorted { $0.layer < $1.layer }.map {
                                     EncodingInfo(layer: Int($0.layer), rid: $0.rid, ssrc: $0.ssrc, width: $0.frameSize?.width,
                                                  height: $0.frameSize?.height, packets: $0.packets)
                                 } : nil
                         },
                         layer: consumer.flatMap { $0.kind == .video ? $0.layer : nil },
                         maxSpatial: consumer?.maxSpatial, maxTemporal: consumer?.maxTemporal,
                         temporal: consumer.flatMap { $0.kind == .video ? $0.temporal : nil })
    }
}

/// Which way a link loses packets.
public enum LinkDirection: String, Sendable {
    /// From the participant to the bridge.
    case uplink
    /// From the bridge to the participant.
    case downlink
}

/// A slow link is reported at most every 5 s per participant and direction (as Janus's
/// slowlink): loss comes in bursts, and each receiver report would repeat it.
struct SlowLinkLimiter {
    private var last: [ContinuousClock.Instant?] = [nil, nil]
    static let interval: Duration = .seconds(5)

    mutating func shouldReport(_ direction: LinkDirection, now: ContinuousClock.Instant) -> Bool {
        let i = direction == .uplink ? 0 : 1
        if let last = last[i], now - last < Self.interval { return false }
        last[i] = now
        return true
    }
}
