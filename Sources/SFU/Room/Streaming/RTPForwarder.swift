import Glibc
import ICE
import RTP

/// What a forwarder is asked for: where the room's media goes as plain RTP (what Janus calls
/// `rtp_forward`), for ffmpeg, GStreamer or a transcoder to read with the SDP the bridge writes.
public struct ForwarderRequest: Sendable, Equatable {
    /// An IP address (no names: the allow-list is checked on the address).
    public var host: String
    public var videoPort: Int?
    public var audioPort: Int?
    /// The video SSRC (the audio one is this + 1); random when absent.
    public var ssrc: UInt32?
    /// Send SRTP with these keys (the SDP then has `RTP/SAVP` and `a=crypto`).
    public var srtp: SRTPKeying?

    public init(host: String, videoPort: Int? = nil, audioPort: Int? = nil, ssrc: UInt32? = nil, srtp: SRTPKeying? = nil) {
        self.host = host
        self.videoPort = videoPort
        self.audioPort = audioPort
        self.ssrc = ssrc
        self.srtp = srtp
    }
}

/// A forwarder as the API shows it.
public struct ForwarderInfo: Sendable, Codable, Equatable {
    public struct Track: Sendable, Codable, Equatable {
        public var kind: MediaKind
        public var port: Int
        public var ssrc: UInt32
        /// What the forwarder sends (the payload type and codec its SDP names).
        public var payloadType: Int
        public var codec: String
        public var packets: UInt64
        public var bytes: UInt64
    }
    public var id: String
    public var host: String
    public var tracks: [Track]
}

/// One plain RTP copy of a streaming room's media: per kind one continuous outgoing stream with
/// its own SSRC, whatever streamer (or RTP source) feeds the room, so the receiver sees one
/// stream across streamer changes (the numbering continues; video restarts on a key frame).
/// RTCP sender reports go to the next port up (RTP/AVP: port + 1), mapped into the forwarded
/// timestamps, so a receiver keeps audio and video in sync. Confined to the room's loop; a
/// packet is rewritten in place, queued on the worker's socket unprotected, and restored.
final class RTPForwarder {
    final class Target {
        let kind: MediaKind
        let address: TransportAddress
        let rtcpAddress: TransportAddress
        let ssrc: UInt32
        /// The codec the receiver is told (its payload type), fixed at creation.
        let codec: NegotiatedMedia.Codec
        /// SRTP toward the receiver (one context per target: its SSRC's state).
        let srtp: SRTPContext?
        var splice: StreamSplice
        var waitingForKeyFrame: Bool
        var packets: UInt64 = 0
        var bytes: UInt64 = 0

        init(kind: MediaKind, address: TransportAddress, rtcpAddress: TransportAddress, ssrc: UInt32, codec: NegotiatedMedia.Codec,
             srtp: SRTPContext? = nil) {
            self.srtp = srtp
            self.kind = kind
            self.address = address
            self.rtcpAddress = rtcpAddress
            self.ssrc = ssrc
            self.codec = codec
            splice = StreamSplice(firstSequence: .random(in: 0...UInt16.max), firstTimestamp: .random(in: 0...UInt32.max))
            waitingForKeyFrame = kind == .video
        }
    }

    let id: String
    let host: String
    let video: Target?
    let audio: Target?
    /// The keys its SDP names (`a=crypto`), when it sends SRTP.
    let keying: SRTPKeying?
    private let reportBuffer = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)

    init(id: String, host: String, video: Target?, audio: Target?, keying: SRTPKeying? = nil) {
        self.id = id
        self.host = host
        self.video = video
        self.audio = audio
        self.keying = keying
    }

    deinit { reportBuffer.deallocate() }

    /// The codecs the receiver is told, when the room has nothing to say (no streamer yet).
    static let defaultVideo = NegotiatedMedia.Codec(payloadType: 96, name: "VP8", clockRate: 90000, channels: nil)
    static let defaultAudio = NegotiatedMedia.Codec(payloadType: 111, name: "opus", clockRate: 48000, channels: 2)

    @inline(__always)
    private func target(_ kind: MediaKind) -> Target? { kind == .video ? video : audio }

    /// One packet of the room's `kind` stream. Returns whether video waits for a key frame (the
    /// caller asks the streamer for one).
    @inline(__always)
    func forward(_ packet: RTPPacketView, kind: MediaKind, codec: CodecKind, clockRate: Int, now: Duration,
                 worker: MediaWorker) -> Bool {
        guard let t = target(kind) else { return false }
        let ssrc = packet.ssrc
        let sequence = packet.sequenceNumber
        let timestamp = packet.timestamp
        let payloadType = packet.payloadType
        if t.waitingForKeyFrame {
            guard codec.startsKeyFrame(UnsafeRawBufferPointer(packet.payload)) else { return true }
            t.splice.anchor(source: ssrc, sequence: sequence, timestamp: timestamp, clockRate: clockRate, now: now)
            t.waitingForKeyFrame = false
        } else if t.splice.source != ssrc {
            t.splice.anchor(source: ssrc, sequence: sequence, timestamp: timestamp, clockRate: clockRate, now: now)
        }
        let (outSequence, outTimestamp) = t.splice.map(sequence: sequence, timestamp: timestamp)
        packet.ssrc = t.ssrc
        packet.sequenceNumber = outSequence
        packet.timestamp = outTimestamp
        packet.payloadType = t.codec.payloadType
        t.splice.sent(sequence: outSequence, timestamp: outTimestamp, now: now)
        t.packets &+= 1
        t.bytes &+= UInt64(packet.bytes.count)
        if let srtp = t.srtp {
            _ = worker.sendProtected(UnsafeRawBufferPointer(packet.bytes), to: t.address) { (p, n, c) throws(SRTPError) -> Int in
                try srtp.protectRTP(p, length: n, capacity: c)
            }
        } else {
            worker.sendUnprotected(UnsafeRawBufferPointer(packet.bytes), to: t.address)
        }
        packet.ssrc = ssrc
        packet.sequenceNumber = sequence
        packet.timestamp = timestamp
        packet.payloadType = payloadType
        return false
    }

    /// The room's streamer changed (or left): video waits for the next one's key frame; the
    /// numbering goes on from where it was.
    func sourceChanged() {
        for t in [video, audio] {
            guard let t else { continue }
            t.splice.detach()
            t.waitingForKeyFrame = t.kind == .video
        }
    }

    /// A sender report for each target that has sent, from the time pair of the source stream it
    /// is mapped onto (`time(ssrc)`), to the target's RTCP port.
    func sendReports(worker: MediaWorker, time: (UInt32) -> SenderReportTime?) {
        for t in [video, audio] {
            guard let t, let source = t.splice.source, t.packets > 0, let sr = time(source) else { continue }
            let n = SenderReport.serialize(ssrc: t.ssrc, ntpTimestamp: sr.ntp, rtpTimestamp: sr.rtp &+ t.splice.timestampOffset,
                                           packetCount: UInt32(truncatingIfNeeded: t.packets),
                                           octetCount: UInt32(truncatingIfNeeded: t.bytes), reportBlock: nil,
                                           into: UnsafeMutableRawBufferPointer(start: reportBuffer, count: 64))
            let report = UnsafeRawBufferPointer(start: reportBuffer, count: n)
            if let srtp = t.srtp {
                _ = worker.sendProtected(report, to: t.rtcpAddress) { (p, n, c) throws(SRTPError) -> Int in
                    try srtp.protectRTCP(p, length: n, capacity: c)
                }
            } else {
                worker.sendUnprotected(report, to: t.rtcpAddress)
            }
        }
    }

    var info: ForwarderInfo {
        ForwarderInfo(id: id, host: host, tracks: [video, audio].compactMap { $0 }.map { t in
            ForwarderInfo.Track(kind: t.kind, port: Int(t.address.port), ssrc: t.ssrc, payloadType: Int(t.codec.payloadType),
                                codec: t.codec.name, packets: t.packets, bytes: t.bytes)
        })
    }

    /// The SDP a receiver reads (ffmpeg `-protocol_whitelist file,udp,rtp -i forwarder.sdp`):
    /// one RTP/AVP section per kind, RTCP on the port above.
    var sdp: String {
        let family = host.contains(":") ? "IP6" : "IP4"
        var lines = ["v=0", "o=- 0 0 IN \(family) \(host)", "s=bridged forwarder \(id)", "c=IN \(family) \(host)", "t=0 0"]
        for t in [video, audio] {
            guard let t else { continue }
            let pt = t.codec.payloadType
            lines.append("m=\(t.kind.rawValue) \(t.address.port) \(keying == nil ? "RTP/AVP" : "RTP/SAVP") \(pt)")
            if let keying { lines.append("a=crypto:1 \(keying.suiteName) inline:\(keying.key)") }
            lines.append("a=rtpmap:\(pt) \(t.codec.name)/\(t.codec.clockRate)" + (t.codec.channels.map { "/\($0)" } ?? ""))
            if t.codec.name.lowercased() == "h264" { lines.append("a=fmtp:\(pt) packetization-mode=1") }
            lines.append("a=ssrc:\(t.ssrc) cname:bridged-\(id)")
            lines.append("a=recvonly")
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

/// An IP network (`127.0.0.0/8`, `::1/128`): where forwarders may send.
public struct IPNetwork: Sendable, Equatable, CustomStringConvertible {
    let address: TransportAddress
    let prefix: Int

    /// Parses `ADDRESS/PREFIX` (or a bare address: one host).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, let address = IPNetwork.address(first, port: 0) else { return nil }
        let maximum = address.isIPv4 ? 32 : 128
        let prefix = parts.count == 2 ? Int(parts[1]) : maximum
        guard let prefix, (0...maximum).contains(prefix) else { return nil }
        self.address = address
        self.prefix = prefix
    }

    public var description: String {
        let text = "\(address)"
        return String(text[..<text.lastIndex(of: ":")!]) + "/\(prefix)"
    }

    /// Whether `candidate` is inside.
    public func contains(_ candidate: TransportAddress) -> Bool {
        switch (address, candidate) {
        case (.v4(let net, _), .v4(let ip, _)):
            let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix)
            return net & mask == ip & mask
        case (.v6(let nh, let nl, _), .v6(let h, let l, _)):
            let highMask: UInt64 = prefix == 0 ? 0 : (prefix >= 64 ? ~0 : ~UInt64(0) << UInt64(64 - prefix))
            let lowMask: UInt64 = prefix <= 64 ? 0 : (prefix == 128 ? ~0 : ~UInt64(0) << UInt64(128 - prefix))
            return nh & highMask == h & highMask && nl & lowMask == l & lowMask
        default:
            return false
        }
    }

    /// An IPv4 or IPv6 literal with a port; nil for anything else (names included).
    public static func address(_ host: String, port: UInt16) -> TransportAddress? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return .v4(UInt32(bigEndian: v4.s_addr), port: port) }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, host, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        let hi = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let lo = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return .v6(hi, lo, port: port)
    }
}
