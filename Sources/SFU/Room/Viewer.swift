import ICE
import RTP
import Rings

/// What the bridge sends a viewer for one kind of media: its own SSRC, sequence and timestamp
/// spaces, mapped onto whichever streamer is live.
final class OutboundTrack {
    static let unmapped: UInt8 = 0xFF
    let kind: MediaKind
    let mid: String
    let localSSRC: UInt32
    /// The viewer's payload type for each streamer payload type (128 entries, `unmapped` if none).
    var payloadTypes = [UInt8](repeating: OutboundTrack.unmapped, count: 128)
    /// The viewer's header extension ID for each streamer ID (256 entries, 0: not negotiated by
    /// the viewer, sent as padding), and whether the map changes nothing.
    var extensionIDs = [UInt8](repeating: 0, count: 256)
    var extensionsIdentity = true
    /// The streamer stream currently mapped onto this track, and the offsets that make one
    /// continuous stream of the successive streamers'.
    private var splice = StreamSplice(firstSequence: .random(in: 0...UInt16.max), firstTimestamp: .random(in: 0...UInt32.max))
    var source: UInt32? { splice.source }
    var sequenceOffset: UInt16 { splice.sequenceOffset }
    var timestampOffset: UInt32 { splice.timestampOffset }
    /// Video: nothing is sent until a key frame starts (it would not decode anyway).
    var waitingForKeyFrame: Bool
    private(set) var packets: UInt64 = 0
    private(set) var bytes: UInt64 = 0
    var retransmitted: UInt64 = 0
    /// From the viewer's latest receiver report on this track.
    var reportedLost: Int64 = 0
    var reportedFraction: UInt8 = 0

    init(kind: MediaKind, mid: String, localSSRC: UInt32) {
        self.kind = kind
        self.mid = mid
        self.localSSRC = localSSRC
        waitingForKeyFrame = kind == .video
    }

    /// The origin of the times given to `splice`.
    private static let origin = ContinuousClock.now

    /// Maps a (new) streamer stream onto this track (see `StreamSplice.anchor`).
    func anchor(source: UInt32, sequence: UInt16, timestamp: UInt32, clockRate: Int, now: ContinuousClock.Instant) {
        splice.anchor(source: source, sequence: sequence, timestamp: timestamp, clockRate: clockRate, now: now - Self.origin)
        waitingForKeyFrame = false
    }

    @inline(__always)
    func sent(sequence: UInt16, timestamp: UInt32, bytes count: Int, now: ContinuousClock.Instant) {
        splice.sent(sequence: sequence, timestamp: timestamp, now: now - Self.origin)
        packets &+= 1
        bytes &+= UInt64(count)
    }

    /// Sends a stored packet of the mapped stream again (a NACK), as `sequence`, rewritten for
    /// this track in `scratch` (the stored copy is never touched).
    func retransmit(_ stored: UnsafeRawBufferPointer, sequence: UInt16, scratch: UnsafeMutableRawPointer, via transport: WebRTCTransport) {
        guard stored.count <= WorkerRing.slotSize else { return }
        scratch.copyMemory(from: stored.baseAddress!, byteCount: stored.count)
        guard let view = try? RTPPacketView(parsing: UnsafeMutableRawBufferPointer(start: scratch, count: stored.count)) else { return }
        guard view.ssrc == source else { return }  // the track moved on to another stream meanwhile
        let outType = payloadTypes[Int(view.payloadType & 0x7F)]
        guard outType != Self.unmapped else { return }
        view.ssrc = localSSRC
        view.sequenceNumber = sequence
        view.timestamp = view.timestamp &+ timestampOffset
        view.payloadType = outType
        if view.hasExtension && !extensionsIdentity {
            extensionIDs.withUnsafeBufferPointer { view.remapHeaderExtensionIDs($0) }
        }
        retransmitted &+= 1
        transport.sendRTP(UnsafeRawBufferPointer(view.bytes))
    }

    /// The streamer left: wait for the next one's key frame.
    func detach() {
        splice.detach()
        waitingForKeyFrame = kind == .video
        for i in payloadTypes.indices { payloadTypes[i] = Self.unmapped }
        for i in extensionIDs.indices { extensionIDs[i] = 0 }
        extensionsIdentity = true
    }
}

/// A viewer of a streaming room.
final class Viewer: TransportDelegate {
    /// The room's viewers on this viewer's worker.
    unowned let group: ViewerGroup
    /// The viewer's number in its group (what retransmissions coming from the home loop name).
    let token: UInt32
    /// Waits in the room's lobby: connected, sent nothing until a moderator admits it.
    var inLobby = false
    let id: String
    let display: String?
    let transport: WebRTCTransport
    let media: [NegotiatedMedia]
    let audio: OutboundTrack?
    let video: OutboundTrack?
    /// Why this viewer does not get something (e.g. no codec in common with the streamer).
    private(set) var notice: String?
    private(set) var keyFrameRequests: UInt64 = 0
    private(set) var nacks: UInt64 = 0
    private let reports = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 8)

    init(group: ViewerGroup, token: UInt32, id: String, display: String?, transport: WebRTCTransport, media: [NegotiatedMedia]) {
        self.group = group
        self.token = token
        self.id = id
        self.display = display
        self.transport = transport
        self.media = media
        func track(_ kind: MediaKind) -> OutboundTrack? {
            guard let m = media.first(where: { $0.kind == kind && $0.sends }), let ssrc = m.localSSRC else { return nil }
            return OutboundTrack(kind: kind, mid: m.mid, localSSRC: ssrc)
        }
        audio = track(.audio)
        video = track(.video)
    }

    deinit { reports.deallocate() }

    /// Maps the streamer's payload types onto this viewer's, codec by codec (name and clock rate).
    /// `publisherMedia`: what the streamer negotiated.
    func bind(to publisherMedia: [NegotiatedMedia]) {
        var missing: [String] = []
        for (kind, track) in [(MediaKind.audio, audio), (.video, video)] {
            guard let track else { continue }
            track.detach()
            let offered = media.first { $0.kind == kind && $0.sends }?.codecs ?? []
            let published = publisherMedia.receivedCodecs(of: kind)
            var mapped = false
            for p in published {
                if let v = offered.first(where: { $0.name.lowercased() == p.name.lowercased() && $0.clockRate == p.clockRate }) {
                    track.payloadTypes[Int(p.payloadType & 0x7F)] = v.payloadType
                    mapped = true
                }
            }
            // Header extensions by URI (RFC 8285: IDs are per session, so each side has its own).
            let viewerExtensions = media.first { $0.kind == kind && $0.sends }?.extensions ?? [:]
            let publishedExtensions = publisherMedia.first { $0.kind == kind && $0.receives }?.extensions ?? [:]
            track.extensionsIdentity = true
            for (id, uri) in publishedExtensions {
                // The streamer's MID names the streamer's sections, not the viewer's: dropped,
                // the viewer demultiplexes by the SSRCs its answer announced.
                let viewerID = uri == Capabilities.midURI ? 0 : viewerExtensions.first { $0.value == uri }?.key ?? 0
                track.extensionIDs[Int(id)] = viewerID
                if viewerID != id { track.extensionsIdentity = false }
            }
            if !mapped && !published.isEmpty {
                missing.append("no \(kind.rawValue) codec in common with the streamer (it sends \(published.map(\.name).joined(separator: ", ")); this viewer accepts \(offered.map(\.name).joined(separator: ", ")))")
            }
        }
        notice = missing.isEmpty ? nil : missing.joined(separator: "; ")
        if let video, !video.waitingForKeyFrame { return }
        group.requestKeyFrame(source: 0, now: .now)
    }

    func unbind() {
        audio?.detach()
        video?.detach()
    }

    func transportDidConnect(_ transport: WebRTCTransport) {
        // A new viewer needs a key frame before its video can start.
        guard group.streamer != nil else { return }
        group.requestKeyFrame(source: 0, now: .now)
    }

    func transportDidChangeRemoteAddress(_ transport: WebRTCTransport) {
        if let video { group.viewerRequestedKeyFrame(video, now: .now) }
    }

    func transport(_ transport: WebRTCTransport, didChangeState state: TransportState) {
        group.transportStateChanged(participantID: id, role: .viewer, state: state)
    }

    func transport(_ transport: WebRTCTransport, didReceiveRTP packet: RTPPacketView) {
        // A viewer sends nothing the room forwards.
    }

    /// The viewer's feedback on what we send: PLI/FIR go to the key-frame limiter, NACKs are
    /// answered from the retransmission buffer.
    func transport(_ transport: WebRTCTransport, didReceiveRTCP packet: UnsafeMutableRawBufferPointer) {
        guard let video else { return }
        var iterator = RTCPCompoundIterator(UnsafeRawBufferPointer(packet))
        let bytes = UnsafeRawBufferPointer(packet)
        while let (header, range) = iterator.next() {
            // Receiver reports (RR, or SR with report blocks): the viewer's loss on our tracks.
            if header.packetType == 200 || header.packetType == 201 {
                var block = range.lowerBound + (header.packetType == 200 ? 28 : 8)
                for _ in 0..<Int(header.count) where block + 24 <= range.upperBound {
                    let ssrc = bytes.loadBigEndianUInt32(at: block)
                    let fraction = bytes[block + 4]
                    // Cumulative lost: signed 24 bits.
                    let raw = Int32(bitPattern: UInt32(bytes[block + 5]) << 24 | UInt32(bytes[block + 6]) << 16 | UInt32(bytes[block + 7]) << 8) >> 8
                    for track in [audio, video] where track?.localSSRC == ssrc {
                        track?.reportedLost = Int64(raw)
                        track?.reportedFraction = fraction
                    }
                    if fraction >= StreamingRoom.slowLinkFraction, let track = [audio, video].compactMap({ $0 }).first(where: { $0.localSSRC == ssrc }) {
                        group.slowLink(participant: id, role: .viewer, direction: "downlink", kind: track.kind,
                                      fractionLost: fraction, now: .now)
                    }
                    block += 24
                }
                continue
            }
            guard range.count >= 12 else { continue }
            let mediaSSRC = bytes.loadBigEndianUInt32(at: range.lowerBound + 8)
            if header.packetType == 206 && (header.count == 1 || header.count == 4) {
                let target = header.count == 4 && range.count >= 20 ? bytes.loadBigEndianUInt32(at: range.lowerBound + 12) : mediaSSRC
                if target == video.localSSRC {
                    keyFrameRequests &+= 1
                    group.viewerRequestedKeyFrame(video, now: .now)
                }
            } else if header.packetType == 205 && header.count == 1 && mediaSSRC == video.localSSRC {
                // Generic NACK (RFC 4585 §6.2.1): PID + bitmask of the 16 following.
                var fci = range.lowerBound + 12
                while fci + 4 <= range.upperBound {
                    let pid = UInt16(bytes[fci]) << 8 | UInt16(bytes[fci + 1])
                    let mask = UInt16(bytes[fci + 2]) << 8 | UInt16(bytes[fci + 3])
                    nacks &+= 1
                    group.nack(from: self, track: video, sequence: pid)
                    for bit in 0..<16 where mask & (1 << bit) != 0 {
                        group.nack(from: self, track: video, sequence: pid &+ UInt16(bit + 1))
                    }
                    fci += 4
                }
            }
        }
    }

    /// A sender report per track whose streamer has sent one: the streamer's NTP/RTP pair with
    /// the RTP time moved into this viewer's timestamp space, so the viewer can sync audio and
    /// video (RFC 3550 §6.4.1).
    func sendSenderReports(_ times: [UInt32: SenderReportTime]) {
        var offset = 0
        for track in [audio, video] {
            guard let track, let source = track.source, let sr = times[source] else { continue }
            offset += SenderReport.serialize(
                ssrc: track.localSSRC, ntpTimestamp: sr.ntp, rtpTimestamp: sr.rtp &+ track.timestampOffset,
                packetCount: UInt32(truncatingIfNeeded: track.packets), octetCount: UInt32(truncatingIfNeeded: track.bytes),
                reportBlock: nil, into: UnsafeMutableRawBufferPointer(start: reports + offset, count: 128 - offset))
        }
        if offset > 0 { transport.sendRTCP(UnsafeRawBufferPointer(start: reports, count: offset)) }
    }

    var info: ParticipantInfo {
        var p = ParticipantInfo(transport: transport, id: id, display: display, role: .viewer, keyFrameRequests: keyFrameRequests)
        p.notice = inLobby ? "lobby: waits until a moderator admits it" : notice
        p.packetsLost = [audio, video].compactMap { $0?.reportedLost }.reduce(0) { $0 + max(0, $1) }
        p.lossPercent = Double([audio, video].compactMap { $0?.reportedFraction }.max() ?? 0) * 100 / 256
        p.tracks = [audio, video].compactMap { $0 }.map { t in
            TrackInfo(mid: t.mid, kind: t.kind, direction: "sendonly",
                      codec: media.first { $0.mid == t.mid }?.codecs.first.map { "\($0.name)/\($0.clockRate)" },
                      inboundSSRC: t.source, outboundSSRC: t.localSSRC, packets: t.packets)
        }
        return p
    }
}
