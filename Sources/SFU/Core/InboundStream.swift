import RTP

/// One RTP stream a publisher sends (an SSRC), learnt on its first packet: its counters,
/// reception statistics, last sender report, key-frame request state and (video) the ring of
/// its last packets that NACKs are answered from.
final class InboundStream {
    let ssrc: UInt32
    let kind: MediaKind
    let mid: String
    let clockRate: Int
    /// Codec per payload type (128 entries).
    private let codecs: [CodecKind]
    var limiter: KeyFrameRequestLimiter
    /// Video only: the last packets, for subscribers' NACKs.
    let retransmissions: RetransmissionBuffer?
    private(set) var packets: UInt64 = 0
    private(set) var bytes: UInt64 = 0
    var statistics: ReceptionStatistics
    /// The publisher's last sender report: an NTP/RTP time pair, mapped into each consumer's
    /// timestamp space for the consumer's own sender reports.
    private(set) var lastSenderReport: SenderReportTime?
    /// Video whose publisher negotiated NACK: its losses, asked for again.
    private var nacks: NackRequester?
    /// RFC 5104 §4.3.1: FIR when the publisher negotiated it but not PLI.
    let usesFIR: Bool
    private var firSequence: UInt8 = 0
    /// Simulcast: which encoding it is (0 the lowest) of how many, and its RID if it has one.
    var layer: UInt8 = 0
    var layers: UInt8 = 1
    /// The highest encoding of its section that is being sent (a browser turns its best ones
    /// off when its uplink is short): what a subscriber without a bound gets.
    var best: UInt8 = 0
    /// Packets at the last tick, to tell which encodings flow.
    var packetsAtTick: UInt64 = 0
    var rid: String?
    /// VP8: the size its last key frame stated.
    var frameSize: (width: Int, height: Int)?

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
        nacks = media.kind == .video && media.nack ? NackRequester() : nil
    }

    /// Packets lost on the way in that were asked for again (each request counts), and those
    /// that then came.
    var lossRequests: (requested: UInt64, recovered: UInt64, givenUp: UInt64) {
        (nacks?.requested ?? 0, nacks?.recovered ?? 0, nacks?.givenUp ?? 0)
    }

    /// After `received`: writes a NACK for what is missing and due into `out`, returning its
    /// length (0: nothing to ask, or no NACK negotiated). `givenUp` tells whether a packet was
    /// given up on meanwhile.
    @inline(__always)
    func writeLossRequest(_ sequence: UInt16, now: Duration, into out: UnsafeMutableRawBufferPointer, givenUp: inout Bool) -> Int {
        guard nacks != nil, nacks!.received(sequence, now: now) else { return 0 }
        let before = nacks!.givenUp
        let length = nacks!.writeRequest(mediaSSRC: ssrc, now: now, into: out)
        givenUp = nacks!.givenUp != before
        return length
    }

    /// Whether a retransmission of `sequence` repairs anything: it is missing and asked for.
    func needsRepair(_ sequence: UInt16) -> Bool { nacks?.isMissing(sequence) ?? false }

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

    /// The publisher's SR on this stream: kept for the outgoing sender reports, and for the
    /// receiver reports' delay since the last SR.
    func senderReport(_ time: SenderReportTime, arrival: ContinuousClock.Instant) {
        lastSenderReport = time
        statistics.senderReport(ntpTimestamp: time.ntp, arrival: arrival)
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

/// A sender report's time pair (RFC 3550 §6.4.1): the NTP wallclock and the RTP timestamp of
/// the same instant.
struct SenderReportTime: Sendable, Equatable {
    var ntp: UInt64
    var rtp: UInt32
}
