import CLoadGen
import Glibc
import ICE
import RTP
import SFU

/// What the peer learnt from the other side's SDP.
struct RemoteDescription: Sendable {
    var ufrag: String
    var pwd: String
    var fingerprint: [UInt8]
    var address: UInt32   // host order
    var port: UInt16
    /// The other side's `a=setup`: `passive`/`actpass` makes us the DTLS client.
    var setup: String
    /// payload type → is video
    var videoPayloadTypes: Set<UInt8>
}

/// Per-SSRC reception counters of one viewer (RFC 3550 A.3 style).
struct StreamCounters {
    var ssrc: UInt32 = 0
    var used = false
    var isVideo = false
    var maxExtended: Int64 = -1
    var received: Int64 = 0
    var outOfOrder: Int64 = 0
    // Window
    var windowBase: Int64 = -1
    var windowReceived: Int64 = 0
    var windowOutOfOrder: Int64 = 0
}

/// A WebRTC peer on the engine's loop: its own UDP socket, full ICE (controlling when it offered),
/// the DTLS client role, and SRTP with the authentication tag checked on every packet.
final class Peer: @unchecked Sendable {
    enum State { case new, checking, dtls, connected, failed(String) }

    let isViewer: Bool
    let fd: Int32
    let localPort: UInt16
    let ufrag: String
    let pwd: String
    let controlling: Bool
    let tieBreaker = UInt64.random(in: 0...UInt64.max)
    var remote: RemoteDescription?
    var state: State = .new
    var dtls: DTLSConnection?
    var srtpIn: SRTPContext?
    var srtpOut: SRTPContext?
    var profile: SRTPProfile?
    var nextCheck: Int64 = 0
    var checkTransaction: STUNTransactionID?
    var checksSent = 0

    // Join timing (CLOCK_REALTIME ns)
    var requestSent: Int64 = 0
    var firstPacket: Int64 = 0
    var firstVideo: Int64 = 0

    // Reception
    var streams = (StreamCounters(), StreamCounters())
    var rtcpReceived: Int64 = 0
    var authFailures: Int64 = 0
    var bytesReceived: Int64 = 0
    var windowBytesBase: Int64 = 0

    init(viewer: Bool, controlling: Bool) throws {
        var port: UInt16 = 0
        let fd = lg_udp_socket(&port)
        guard fd >= 0 else { throw LoadGenError.setup("socket: errno \(errno)") }
        self.isViewer = viewer
        self.fd = fd
        self.localPort = port
        let creds = ICECredentials.random()
        self.ufrag = creds.ufrag
        self.pwd = creds.password
        self.controlling = controlling
    }

    deinit { close(fd) }

    var isConnected: Bool { if case .connected = state { return true }; return false }

    // MARK: SDP

    /// Our offer: one BUNDLEd audio and video section, receive-only (viewer) or send-only
    /// (publisher, with its SSRCs), candidates included.
    func offer(fingerprint: String, send: (audioSSRC: UInt32, videoSSRC: UInt32)?, simulcast: Bool = false,
               transportCC: Bool = false) -> String {
        let tcc = transportCC ? "a=extmap:3 \(Self.transportCCURI)\r\n" : ""
        let dir = send == nil ? "recvonly" : "sendonly"
        var s = "v=0\r\no=- \(UInt32.random(in: 1...UInt32.max)) 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
        s += "a=group:BUNDLE 0 1\r\na=msid-semantic: WMS loadgen\r\n"
        func common(_ mid: String) -> String {
            "c=IN IP4 127.0.0.1\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:\(ufrag)\r\na=ice-pwd:\(pwd)\r\n"
                + "a=fingerprint:sha-256 \(fingerprint)\r\na=setup:actpass\r\na=mid:\(mid)\r\na=\(dir)\r\na=rtcp-mux\r\n"
        }
        let cand = "a=candidate:1 1 udp 2130706431 127.0.0.1 \(localPort) typ host\r\na=end-of-candidates\r\n"
        s += "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" + common("0")
        s += tcc + "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n"
        if let send { s += "a=msid:loadgen audio\r\na=ssrc:\(send.audioSSRC) cname:loadgen\r\n" }
        s += cand
        s += "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n" + common("1")
        s += tcc + "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 ccm fir\r\n"
        if transportCC { s += "a=rtcp-fb:96 transport-cc\r\n" }
        if let send {
            s += "a=msid:loadgen video\r\n"
            let ssrcs = simulcast ? [send.videoSSRC, send.videoSSRC &+ 1, send.videoSSRC &+ 2] : [send.videoSSRC]
            if simulcast { s += "a=ssrc-group:SIM " + ssrcs.map(String.init).joined(separator: " ") + "\r\n" }
            for v in ssrcs { s += "a=ssrc:\(v) cname:loadgen\r\n" }
        }
        s += cand
        return s
    }

    /// Our answer to a server's offer (Janus): the same sections and payload types, receive-only,
    /// DTLS client.
    static let transportCCURI = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"

    func answer(to offer: String, fingerprint: String, transportCC: Bool = false) -> String {
        var s = "v=0\r\no=- \(UInt32.random(in: 1...UInt32.max)) 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
        let lines = offer.split(whereSeparator: \.isNewline)
        if let group = lines.first(where: { $0.hasPrefix("a=group:BUNDLE") }) { s += group + "\r\n" }
        s += "a=msid-semantic: WMS\r\n"
        var sections: [[Substring]] = []
        for line in lines {
            if line.hasPrefix("m=") { sections.append([line]) } else if !sections.isEmpty { sections[sections.count - 1].append(line) }
        }
        for section in sections {
            s += section[0] + "\r\n"
            s += "c=IN IP4 127.0.0.1\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:\(ufrag)\r\na=ice-pwd:\(pwd)\r\n"
            s += "a=fingerprint:sha-256 \(fingerprint)\r\na=setup:active\r\na=recvonly\r\na=rtcp-mux\r\n"
            for line in section where line.hasPrefix("a=mid:") || line.hasPrefix("a=rtpmap:") || line.hasPrefix("a=fmtp:")
                || (line.hasPrefix("a=rtcp-fb:") && (transportCC || !line.hasSuffix("transport-cc")))
                || (transportCC && line.hasPrefix("a=extmap:") && line.hasSuffix(Self.transportCCURI)) {
                s += line + "\r\n"
            }
            s += "a=candidate:1 1 udp 2130706431 127.0.0.1 \(localPort) typ host\r\na=end-of-candidates\r\n"
        }
        return s
    }

    static func parse(_ sdp: String) throws -> RemoteDescription {
        var ufrag: String?, pwd: String?, fp: [UInt8]?, setup = "actpass"
        var address: UInt32?, port: UInt16?
        var video = Set<UInt8>()
        var inVideo = false
        for raw in sdp.split(whereSeparator: \.isNewline) {
            let line = String(raw)
            if line.hasPrefix("m=") {
                inVideo = line.hasPrefix("m=video")
                if inVideo { for f in line.split(separator: " ").dropFirst(3) { if let pt = UInt8(f) { video.insert(pt) } } }
            } else if line.hasPrefix("a=ice-ufrag:"), ufrag == nil { ufrag = String(line.dropFirst(12)) }
            else if line.hasPrefix("a=ice-pwd:"), pwd == nil { pwd = String(line.dropFirst(10)) }
            else if line.hasPrefix("a=fingerprint:sha-256 "), fp == nil { fp = DTLSCertificate.parse(String(line.dropFirst(22))) }
            else if line.hasPrefix("a=setup:") { setup = String(line.dropFirst(8)) }
            else if line.hasPrefix("a=candidate:"), address == nil {
                let f = line.split(separator: " ")
                if f.count >= 8, f[2].lowercased() == "udp", let p = UInt16(f[5]) {
                    let octets = f[4].split(separator: ".").compactMap { UInt32($0) }
                    if octets.count == 4 {
                        address = octets[0] << 24 | octets[1] << 16 | octets[2] << 8 | octets[3]
                        port = p
                    }
                }
            }
        }
        guard let ufrag, let pwd else { throw LoadGenError.control("answer has no ICE credentials") }
        guard let fp else { throw LoadGenError.control("answer has no sha-256 fingerprint") }
        guard let address, let port else { throw LoadGenError.control("answer has no IPv4 UDP candidate") }
        return RemoteDescription(ufrag: ufrag, pwd: pwd, fingerprint: fp, address: address, port: port,
                                 setup: setup, videoPayloadTypes: video)
    }

    // MARK: Data plane (engine loop only)

    func send(_ bytes: UnsafeRawBufferPointer) {
        guard let remote else { return }
        _ = lg_send(fd, bytes.baseAddress, Int32(bytes.count), remote.address, remote.port)
    }

    /// We are the DTLS client unless the other side answered `a=setup:active` (Janus answering
    /// our offer), in which case its ClientHello may arrive before our own check succeeds.
    var dtlsRole: DTLSConnection.Role { remote?.setup == "active" ? .server : .client }

    func start(now: Int64, context: DTLSContext) {
        state = .checking
        nextCheck = now
        if dtlsRole == .server, let remote {
            do {
                let connection = try DTLSConnection(context: context, role: .server, remoteFingerprint: remote.fingerprint)
                dtls = connection
                _ = connection.start(output: { send($0) })
            } catch {
                state = .failed("DTLS: \(error)")
            }
        }
    }

    /// Timers: connectivity checks every 50 ms until one succeeds (and every 2 s after, as
    /// consent), DTLS retransmissions.
    func tick(now: Int64, context: DTLSContext) {
        guard let remote else { return }
        switch state {
        case .checking, .dtls, .connected:
            if now >= nextCheck {
                var attributes: [STUNAttribute] = [.username("\(remote.ufrag):\(ufrag)"), .priority(0x6E7F_1EFF)]
                attributes.append(controlling ? .iceControlling(tieBreaker) : .iceControlled(tieBreaker))
                if controlling { attributes.append(.useCandidate) }
                let message = STUNMessage(messageClass: .request, attributes: attributes)
                checkTransaction = message.transactionID
                let bytes = message.serialized(integrityKey: Array(remote.pwd.utf8))
                bytes.withUnsafeBytes { send($0) }
                checksSent += 1
                if case .checking = state { nextCheck = now + 50_000_000 } else { nextCheck = now + 2_000_000_000 }
            }
            if case .dtls = state, let dtls, let timeout = dtls.timeout {
                let (s, a) = timeout.components
                let ns = s * 1_000_000_000 + a / 1_000_000_000
                if ns <= 0 { handle(dtls.handleTimeout(output: { send($0) })) }
            }
            if case .checking = state, checksSent > 200 { state = .failed("ICE: no answer to 200 checks") }
        default: break
        }
    }

    private func startDTLS(context: DTLSContext) {
        guard case .checking = state, let remote else { return }
        if dtlsRole == .server { state = .dtls; return }
        do {
            let connection = try DTLSConnection(context: context, role: .client, remoteFingerprint: remote.fingerprint)
            dtls = connection
            state = .dtls
            handle(connection.start(output: { send($0) }))
        } catch {
            state = .failed("DTLS: \(error)")
        }
    }

    private func handle(_ event: DTLSConnection.Event?) {
        guard let event else { return }
        switch event {
        case .connected(let p):
            do {
                srtpIn = try SRTPContext(profile: p.profile, masterKey: p.remoteKey, masterSalt: p.remoteSalt)
                srtpOut = try SRTPContext(profile: p.profile, masterKey: p.localKey, masterSalt: p.localSalt)
                profile = p.profile
                state = .connected
            } catch {
                state = .failed("SRTP: \(error)")
            }
        case .failed(let e): state = .failed("DTLS: \(e)")
        case .closed: state = .failed("DTLS closed by the server")
        }
    }

    /// One received datagram. Returns the RTP payload (inside `buffer`) when it is media.
    func receive(_ buffer: UnsafeMutableRawBufferPointer, length: Int, from address: UInt32, port: UInt16,
                 context: DTLSContext, stats: EngineStats, rxTime: Int64, source: SourceIndex) {
        guard length > 0 else { return }
        let first = buffer[0]
        if first < 4 {
            handleSTUN(UnsafeRawBufferPointer(rebasing: buffer[0..<length]), address: address, port: port, context: context)
        } else if first >= 20 && first < 64 {
            guard let dtls else { return }
            handle(dtls.receive(UnsafeRawBufferPointer(rebasing: buffer[0..<length]), output: { send($0) }))
        } else if first >= 128 && first < 192 {
            guard let srtpIn else { return }
            bytesReceived += Int64(length)
            let pt = buffer[1] & 0x7F
            if pt >= 64 && pt < 96 {   // RTCP (RFC 5761: 192-223 with the marker bit)
                if (try? srtpIn.unprotectRTCP(buffer.baseAddress!, length: length)) != nil { rtcpReceived += 1 } else { authFailures += 1 }
                return
            }
            guard let plain = try? srtpIn.unprotectRTP(buffer.baseAddress!, length: length) else {
                authFailures += 1
                stats.authFailures += 1
                return
            }
            rtp(UnsafeRawBufferPointer(rebasing: buffer[0..<plain]), stats: stats, rxTime: rxTime, source: source)
        }
    }

    private func rtp(_ p: UnsafeRawBufferPointer, stats: EngineStats, rxTime: Int64, source: SourceIndex) {
        guard p.count >= 12 else { return }
        let seq = UInt16(p[2]) << 8 | UInt16(p[3])
        let ssrc = UInt32(p[8]) << 24 | UInt32(p[9]) << 16 | UInt32(p[10]) << 8 | UInt32(p[11])
        var offset = 12 + Int(p[0] & 0x0F) * 4
        if p[0] & 0x10 != 0, offset + 4 <= p.count {
            offset += 4 + (Int(p[offset + 2]) << 8 | Int(p[offset + 3])) * 4
        }
        var end = p.count
        if p[0] & 0x20 != 0, end > offset { end -= Int(p[end - 1]) }
        guard offset <= end else { return }
        let isVideo = remote?.videoPayloadTypes.contains(p[1] & 0x7F) ?? false
        if firstPacket == 0 { firstPacket = rxTime }
        if isVideo && firstVideo == 0 { firstVideo = rxTime }
        if !streams.0.used || streams.0.ssrc == ssrc {
            count(&streams.0, ssrc: ssrc, seq: seq, isVideo: isVideo, stats: stats)
        } else {
            count(&streams.1, ssrc: ssrc, seq: seq, isVideo: isVideo, stats: stats)
        }
        let payload = UnsafeRawBufferPointer(rebasing: p[offset..<end])
        if stats.measuring, let sent = source.sendTime(of: payloadFingerprint(payload)) {
            stats.recordDelay(rxTime - sent)
        }
    }

    private func count(_ s: inout StreamCounters, ssrc: UInt32, seq: UInt16, isVideo: Bool, stats: EngineStats) {
        if !s.used {
            s.used = true; s.ssrc = ssrc; s.isVideo = isVideo
            s.maxExtended = Int64(seq)
            s.received = 1
            if stats.measuring { s.windowBase = s.maxExtended - 1 }
            return
        }
        // Extend against the highest so far.
        let maxSeq = UInt16(truncatingIfNeeded: s.maxExtended)
        let delta = Int64(Int16(bitPattern: seq &- maxSeq))
        let extended = s.maxExtended + delta
        s.received += 1
        if stats.measuring { s.windowReceived += 1 }
        if delta > 0 {
            s.maxExtended = extended
        } else {
            s.outOfOrder += 1
            if stats.measuring { s.windowOutOfOrder += 1 }
        }
    }

    func beginWindow() {
        streams.0.windowBase = streams.0.maxExtended; streams.0.windowReceived = 0; streams.0.windowOutOfOrder = 0
        streams.1.windowBase = streams.1.maxExtended; streams.1.windowReceived = 0; streams.1.windowOutOfOrder = 0
    }

    private func handleSTUN(_ bytes: UnsafeRawBufferPointer, address: UInt32, port: UInt16, context: DTLSContext) {
        guard let message = try? STUNMessage(parsing: bytes) else { return }
        switch message.messageClass {
        case .request:
            guard STUN.verifyIntegrity(bytes, key: Array(pwd.utf8)) else { return }
            let response = STUNMessage(messageClass: .successResponse, transactionID: message.transactionID,
                                       attributes: [.xorMappedAddress(.v4(address, port: port))])
            let out = response.serialized(integrityKey: Array(pwd.utf8))
            out.withUnsafeBytes { _ = lg_send(fd, $0.baseAddress, Int32($0.count), address, port) }
            if case .checking = state, !controlling { startDTLS(context: context) }
        case .successResponse:
            guard message.transactionID == checkTransaction, let remote,
                  STUN.verifyIntegrity(bytes, key: Array(remote.pwd.utf8)) else { return }
            if case .checking = state { startDTLS(context: context) }
        case .errorResponse:
            if case .checking = state { state = .failed("ICE: error response \(message.attributes)") }
        default: break
        }
    }
}
