import ICE
import RTP

/// A streaming room's plain RTP feed: one UDP socket per track (video, audio) on the room's
/// worker, read on its loop like the worker's own socket (`recvmmsg` into fixed slots, nothing
/// allocated per packet). Each packet goes to the room's viewers as a WebRTC streamer's would.
///
/// The first address a port hears from is its sender; datagrams from any other address are
/// dropped and counted (a stray or hostile sender cannot take the stream over) until the sender
/// has been silent for `silence`, when the port takes the next one (`source_stopped`, then
/// `source_started`). A sender that restarts (a new SSRC, new sequence numbers) is a new stream
/// for the viewers' copies, which continue their own numbering from a key frame: no
/// renegotiation. RTCP sender reports muxed on the same port keep the viewers' lip sync.
final class RTPSource {
    final class Track {
        let kind: MediaKind
        /// What the viewers are bound to: the codec and payload type the encoder sends.
        let media: NegotiatedMedia
        let socket: UDPSocket
        let payloadType: UInt8
        let codec: CodecKind
        /// SRTP from the encoder: its packets are decrypted in place first.
        let srtp: SRTPContext?
        var port: Int { socket.localPort }
        /// Whose packets are taken (nil: the next datagram's address).
        var sender: TransportAddress?
        var lastPacketAt: ContinuousClock.Instant?
        /// The RTP stream being received (a new SSRC replaces it).
        var stream: InboundStream?
        var packets: UInt64 = 0
        var bytes: UInt64 = 0
        /// Datagrams from an address other than the sender's.
        var refused: UInt64 = 0
        /// Datagrams that are not RTP (or RTCP) of the expected payload type.
        var malformed: UInt64 = 0
        var restarts: UInt64 = 0

        init(media: NegotiatedMedia, socket: UDPSocket, srtp: SRTPContext?) {
            self.srtp = srtp
            kind = media.kind
            self.media = media
            self.socket = socket
            payloadType = media.codecs[0].payloadType
            codec = CodecKind(name: media.codecs[0].name)
        }

        var isLive: Bool { sender != nil }
    }

    unowned(unsafe) let room: StreamingRoom
    let tracks: [Track]
    let silence: Duration
    private var registered = false

    /// Binds each track's port on `host` (the one given, else the first free one in `ports`).
    init(room: StreamingRoom, settings: RTPSourceSettings, host: String, ports: ClosedRange<Int>, silence: Duration) throws(ControlError) {
        self.room = room
        self.silence = silence
        var tracks: [Track] = []
        for (track, media) in try settings.sections(ports: ports) {
            let socket: UDPSocket
            if let port = track.port {
                do { socket = try UDPSocket(host: host, port: port, segmentationOffload: false, reuseAddress: false) } catch {
                    throw .portInUse(port)
                }
            } else {
                guard let free = Self.bindFree(host: host, in: ports, avoiding: tracks.map(\.port)) else {
                    throw .invalidSource(.noFreePort(ports))
                }
                socket = free
            }
            tracks.append(Track(media: media, socket: socket, srtp: try settings.srtp?.context("source.rtp.srtp")))
        }
        self.tracks = tracks
    }

    /// A socket on the first free port of `ports`, from a random start.
    private static func bindFree(host: String, in ports: ClosedRange<Int>, avoiding taken: [Int]) -> UDPSocket? {
        let count = ports.count
        let start = Int.random(in: 0..<count)
        for i in 0..<min(count, 2000) {
            let port = ports.lowerBound + (start + i) % count
            if taken.contains(port) { continue }
            if let s = try? UDPSocket(host: host, port: port, segmentationOffload: false, reuseAddress: false) { return s }
        }
        return nil
    }

    /// The sections the viewers are bound to.
    var media: [NegotiatedMedia] { tracks.map(\.media) }

    /// The senders' last sender reports, by SSRC.
    var senderReports: [UInt32: SenderReportTime] {
        var out: [UInt32: SenderReportTime] = [:]
        for t in tracks { if let s = t.stream, let sr = s.lastSenderReport { out[s.ssrc] = sr } }
        return out
    }

    /// Starts reading (on the room's loop).
    func start() {
        let loop = room.worker.eventLoop
        loop.preconditionInEventLoop()
        for track in tracks {
            loop.registerReadable(fd: track.socket.fd) { [unowned(unsafe) self, unowned track] in readable(track) }
        }
        registered = true
    }

    /// Stops reading and closes the ports (on the room's loop).
    func close() {
        guard registered else {
            for track in tracks { track.socket.closeNow() }
            return
        }
        registered = false
        for track in tracks {
            room.worker.eventLoop.unregister(fd: track.socket.fd)
            track.socket.closeNow()
        }
    }

    // MARK: data plane

    private func readable(_ track: Track) {
        let worker = room.worker
        let now = ContinuousClock.now
        while true {
            let n = track.socket.receiveBatch()
            if n == 0 { break }
            for i in 0..<n {
                let d = track.socket.datagram(i)
                guard !d.truncated else { worker.drops.count(.oversize); continue }
                guard let from = d.from else { continue }
                receive(d.bytes, length: d.length, from: from, on: track, now: now)
            }
            if n < UDPSocket.readBatch { break }
        }
        worker.flush()
    }

    func receive(_ bytes: UnsafeMutableRawPointer, length: Int, from: TransportAddress, on track: Track, now: ContinuousClock.Instant) {
        if let sender = track.sender, sender != from {
            track.refused &+= 1
            room.worker.drops.count(.rtpSourceForeignSender)
            return
        }
        guard length >= 12, PacketKind(firstByte: bytes.load(as: UInt8.self)) == .srtp else {
            malformed(track)
            return
        }
        let rtcp = isRTCPPacket(UnsafeRawBufferPointer(start: bytes, count: length))
        var length = length
        if let srtp = track.srtp {
            do { length = rtcp ? try srtp.unprotectRTCP(bytes, length: length) : try srtp.unprotectRTP(bytes, length: length) } catch {
                track.malformed &+= 1
                room.worker.drops.count(error == .replayed ? .srtpReplayed : .srtpAuthenticationFailed)
                return
            }
        }
        let raw = UnsafeRawBufferPointer(start: bytes, count: length)
        if rtcp {
            senderReports(raw, on: track, now: now)
            return
        }
        guard let packet = try? RTPPacketView(parsing: UnsafeMutableRawBufferPointer(start: bytes, count: length)),
              packet.payloadType == track.payloadType else {
            malformed(track)
            return
        }
        if track.sender == nil {
            track.sender = from
            room.events.emit(.sourceStarted(room: room.id, kind: track.kind, address: "\(from)"))
        }
        track.lastPacketAt = now
        track.packets &+= 1
        track.bytes &+= UInt64(length)
        let stream: InboundStream
        if let s = track.stream, s.ssrc == packet.ssrc {
            stream = s
        } else {
            // The first stream, or the sender restarted: the viewers' copies continue on it.
            if track.stream != nil { track.restarts &+= 1 }
            stream = InboundStream(ssrc: packet.ssrc, media: track.media, keyFrameInterval: room.keyFrameInterval)
            track.stream = stream
            room.sourceStreamStarted(track.kind, restart: track.restarts > 0)
        }
        stream.received(packet, now: now)
        room.forwardSource(packet, stream: stream, codec: track.codec, now: now)
    }

    private func malformed(_ track: Track) {
        track.malformed &+= 1
        room.worker.drops.count(.rtpMalformed)
    }

    /// RTCP muxed on the RTP port: the sender reports of the stream being received.
    private func senderReports(_ bytes: UnsafeRawBufferPointer, on track: Track, now: ContinuousClock.Instant) {
        var iterator = RTCPCompoundIterator(bytes)
        while let (_, range) = iterator.next() {
            guard let view = try? RTCPView(viewing: UnsafeRawBufferPointer(rebasing: bytes[range])) else {
                room.worker.drops.count(.rtcpMalformed)
                return
            }
            if case .senderReport(let sr) = view, let stream = track.stream, stream.ssrc == sr.ssrc {
                let time = SenderReportTime(ntp: sr.ntpTimestamp, rtp: sr.rtpTimestamp)
                stream.senderReport(time, arrival: now)
                room.sourceSenderReport(time, on: stream)
            }
        }
    }

    /// Once a second: a sender silent for `silence` is let go (the port takes the next one).
    func tick(now: ContinuousClock.Instant) {
        for track in tracks where track.isLive {
            guard let last = track.lastPacketAt, now - last >= silence else { continue }
            track.sender = nil
            room.events.emit(.sourceStopped(room: room.id, kind: track.kind))
        }
    }

    /// What the API shows of it.
    var info: SourceInfo {
        SourceInfo(tracks: tracks.map { t in
            SourceInfo.Track(kind: t.kind, codec: t.media.codecs[0].name, payloadType: Int(t.payloadType), port: t.port,
                             state: t.isLive ? "live" : (t.packets == 0 ? "waiting" : "stopped"),
                             sender: t.sender.map { "\($0)" }, ssrc: t.stream?.ssrc, packets: t.packets, bytes: t.bytes,
                             refused: t.refused, malformed: t.malformed, restarts: t.restarts)
        })
    }
}

/// A room's plain RTP source as the control API shows it.
public struct SourceInfo: Sendable, Codable, Equatable {
    public struct Track: Sendable, Codable, Equatable {
        public var kind: MediaKind
        public var codec: String
        public var payloadType: Int
        /// Where the encoder sends.
        public var port: Int
        /// `waiting` (nothing yet), `live`, or `stopped` (silent; the port takes the next sender).
        public var state: String
        public var sender: String?
        public var ssrc: UInt32?
        public var packets: UInt64
        public var bytes: UInt64
        /// Datagrams from another address than the sender's, dropped.
        public var refused: UInt64
        /// Datagrams that were not RTP of the expected payload type, dropped.
        public var malformed: UInt64
        /// Times the sender started a new stream (a new SSRC).
        public var restarts: UInt64
    }
    public var tracks: [Track]
}
