import ICE
import RTP

/// The bridge's side of a transport, as written into an answer.
public struct LocalTransportParameters: Sendable {
    public var ice: ICECredentials
    public var fingerprint: String
    public var candidates: [(address: String, port: Int)]
    /// Which DTLS role the bridge prefers when the offer says actpass.
    public var preferredRole: DTLSConnection.Role

    public init(ice: ICECredentials, fingerprint: String, candidates: [(address: String, port: Int)], preferredRole: DTLSConnection.Role = .server) {
        self.ice = ice
        self.fingerprint = fingerprint
        self.candidates = candidates
        self.preferredRole = preferredRole
    }
}

/// The offerer's side of the transport.
public struct RemoteTransportParameters: Sendable, Equatable {
    public var ice: ICECredentials
    public var fingerprint: [UInt8]
    /// Our DTLS role, from the offer's a=setup (RFC 8842).
    public var dtlsRole: DTLSConnection.Role
}

/// One negotiated media section.
public struct NegotiatedMedia: Sendable, Equatable {
    public struct Codec: Sendable, Equatable {
        public var payloadType: UInt8
        public var name: String
        public var clockRate: Int
        public var channels: Int?
    }
    public var mid: String
    public var kind: MediaKind
    /// Our direction in the answer.
    public var direction: MediaDirection
    public var codecs: [Codec]
    /// Negotiated header extensions: id → URI.
    public var extensions: [UInt8: String]
    /// SSRCs the offerer announced for this section (a=ssrc), if any.
    public var remoteSSRCs: [UInt32]
    /// Key-frame requests the section negotiated (rtcp-fb "nack pli", "ccm fir").
    public var pictureLossIndication = false
    public var fullIntraRequest = false
    /// Generic NACK (rtcp-fb "nack"): the bridge asks for what the peer's streams lose.
    public var nack = false
    /// Congestion feedback the section negotiated on what the bridge receives: transport-cc
    /// (with the transport-wide sequence number extension) and goog-remb.
    public var transportCC = false
    public var receiverEstimate = false
    /// The SSRC the bridge sends with in this section, if it sends.
    public var localSSRC: UInt32?
    /// RTX (RFC 4588) the section negotiated: the RTX payload type for each codec's (apt).
    public var rtxPayloadTypes: [UInt8: UInt8] = [:]
    /// Where the bridge sends RTX: the SSRC its retransmissions go with.
    public var localRTXSSRC: UInt32?
    /// Where the peer sends RTX: its RTX SSRCs (`a=ssrc-group:FID`) → the SSRC each repairs.
    public var repairedSSRCs: [UInt32: UInt32] = [:]
    /// Simulcast the peer sends here: its encodings' RIDs (RFC 8851/8853, told in the RTP
    /// stream id extension), or its SSRCs (`a=ssrc-group:SIM`, lowest first). Empty: one stream.
    public var simulcastRIDs: [String] = []
    public var simulcastSSRCs: [UInt32] = []
    public var rejected: Bool

    public var midExtensionID: UInt8? { extensions.first { $0.value == Capabilities.midURI }?.key }
    /// The transport-wide sequence number's extension ID, where transport-cc was negotiated.
    public var transportSequenceExtensionID: UInt8? {
        guard transportCC else { return nil }
        return extensions.first { $0.value == Capabilities.transportSequenceURI }?.key
    }
    /// The codec payload type an RTX payload type repairs (nil: not an RTX type here).
    public func repairedPayloadType(_ rtx: UInt8) -> UInt8? {
        for (apt, type) in rtxPayloadTypes where type == rtx { return apt }
        return nil
    }
    /// The repaired RTP stream id extension's ID: which encoding an RTX stream repairs.
    public var repairedStreamIDExtensionID: UInt8? {
        guard !simulcastRIDs.isEmpty else { return nil }
        return extensions.first { $0.value == Capabilities.repairedStreamIDURI }?.key
    }
    /// The RTP stream id extension's ID, where the peer sends RID-based simulcast.
    public var ridExtensionID: UInt8? {
        guard !simulcastRIDs.isEmpty else { return nil }
        return extensions.first { $0.value == Capabilities.streamIDURI }?.key
    }
    /// Encodings the peer sends in this section (1 without simulcast).
    public var encodings: Int { max(1, simulcastRIDs.count, simulcastSSRCs.count) }
    public var sends: Bool { !rejected && (direction == .sendrecv || direction == .sendonly) }
    public var receives: Bool { !rejected && (direction == .sendrecv || direction == .recvonly) }
}

extension NegotiatedMedia {
    /// Records which key-frame requests and congestion feedback the kept rtcp-fb lines allow.
    mutating func setFeedback(_ kept: [RTCPFeedbackAttribute]) {
        pictureLossIndication = kept.contains { $0.type == "nack" && $0.parameter == "pli" }
        fullIntraRequest = kept.contains { $0.type == "ccm" && $0.parameter == "fir" }
        nack = kept.contains { $0.type == "nack" && $0.parameter == nil }
        transportCC = kept.contains { $0.type == "transport-cc" }
        receiverEstimate = kept.contains { $0.type == "goog-remb" }
    }
}

public struct Answer: Sendable {
    public var sdp: SessionDescription
    public var media: [NegotiatedMedia]
    public var remote: RemoteTransportParameters
}

/// Builds an ICE-lite answer (JSEP, RFC 8829 §5.3) to a browser's offer: one bundled transport,
/// the codecs and extensions the bridge forwards, our candidates inline.
///
/// - Parameters:
///   - sendDirection: for each offered section, whether the bridge will send media in it.
///   - localSSRC: the SSRC the bridge sends with in a section it sends in.
///   - streamID: the msid stream id of what the bridge sends.
public func makeAnswer(to offer: SessionDescription, local: LocalTransportParameters,
                       bridgeSends: (MediaKind) -> Bool, localSSRC: (MediaKind, String) -> UInt32,
                       localRTXSSRC: (String) -> UInt32 = { _ in UInt32.random(in: 1...UInt32.max) },
                       streamID: String, cname: String, singleCodec: Bool = false) throws(NegotiationError) -> Answer {
    let remote = try remoteTransport(of: offer, preferredRole: local.preferredRole)
    let role = remote.dtlsRole
    let mediaSections = offer.media.filter { $0.kind == "audio" || $0.kind == "video" }
    guard !mediaSections.isEmpty else { throw .noMedia }
    let bundled = Set(offer.bundleGroups.first ?? [])
    if offer.media.count > 1 {
        for m in offer.media where !m.isRejected {
            guard let mid = m.mid, bundled.contains(mid) else { throw .bundleRequired }
        }
    }

    var answer = SessionDescription(origin: Origin(username: "-", sessionID: UInt64.random(in: 1..<(1 << 62)).description,
                                                   sessionVersion: 2, networkType: "IN", addressType: "IP4", unicastAddress: "127.0.0.1"))
    answer.attributes.append(SDPAttribute(name: "ice-lite", value: nil))
    answer.attributes.append(SDPAttribute(name: "msid-semantic", value: " WMS \(streamID)"))
    var negotiated: [NegotiatedMedia] = []
    var acceptedMids: [String] = []
    let port = local.candidates.first?.port ?? 9
    let address = local.candidates.first?.address ?? "0.0.0.0"

    for (index, m) in offer.media.enumerated() {
        let mid = m.mid ?? String(index)
        let kind = MediaKind(rawValue: m.kind)
        var section = MediaDescription(kind: m.kind, port: port, proto: m.proto, formats: [])
        // Codecs: keep the offer's order, drop what the bridge cannot forward (RTX, RED, FEC, …).
        var codecs: [NegotiatedMedia.Codec] = []
        if let kind {
            let supported = kind == .audio ? Capabilities.audioCodecs : Capabilities.videoCodecs
            for map in m.rtpMaps where supported.contains(map.encodingName.lowercased()) {
                codecs.append(.init(payloadType: map.payloadType, name: map.encodingName, clockRate: map.clockRate, channels: map.channels))
            }
            // A publisher answered with one codec per section sends exactly that one, so the
            // room knows what viewers must accept.
            if singleCodec, codecs.count > 1 { codecs = [codecs[0]] }
        }
        if kind == nil || codecs.isEmpty || m.isRejected {
            // Rejected section (RFC 8829 §5.3.1): port 0, keep the mid, no bundle membership.
            section.port = 0
            section.formats = m.formats
            section.connection = Connection(networkType: "IN", addressType: "IP4", address: "0.0.0.0")
            if let mid = m.mid { section.append("mid", mid) }
            answer.media.append(section)
            if let kind {
                negotiated.append(.init(mid: mid, kind: kind, direction: .inactive, codecs: [], extensions: [:], remoteSSRCs: [], localSSRC: nil, rejected: true))
            }
            continue
        }
        let kindValue = kind!
        section.formats = codecs.map { String($0.payloadType) }
        section.connection = Connection(networkType: "IN", addressType: "IP4", address: address)
        section.append("mid", mid)
        section.append("ice-ufrag", local.ice.ufrag)
        section.append("ice-pwd", local.ice.password)
        section.append("fingerprint", "sha-256 \(local.fingerprint)")
        section.append("setup", role == .server ? "passive" : "active")
        // Direction: the bridge receives what the peer sends, and sends if the room has something for it.
        let peerSends = m.direction == .sendrecv || m.direction == .sendonly
        var extensions: [UInt8: String] = [:]
        for ext in m.extensionMaps where Capabilities.keepsExtension(ext.uri, bridgeReceives: peerSends) {
            extensions[ext.id] = ext.uri
            section.append("extmap", "\(ext.id) \(ext.uri)")
        }
        // Simulcast (RFC 8853): the bridge receives every encoding offered, by RID or SIM group.
        let rids = peerSends && kindValue == .video ? Array(m.sendRIDs.prefix(3)) : []
        let simulcastSSRCs = peerSends && kindValue == .video && rids.isEmpty
            ? Array((m.ssrcGroups.first { $0.semantics == "SIM" }?.ssrcs ?? []).prefix(3)) : []
        let peerReceives = m.direction == .sendrecv || m.direction == .recvonly
        let weSend = peerReceives && bridgeSends(kindValue)
        let direction: MediaDirection = switch (weSend, peerSends) {
        case (true, true): .sendrecv
        case (true, false): .sendonly
        case (false, true): .recvonly
        case (false, false): .inactive
        }
        // RTX (RFC 4588) on video. From a publisher: its retransmissions and its padding come on
        // an SSRC of their own, so a gap in a media stream is a lost media packet. Toward a peer
        // that only receives here (a viewer): retransmissions on an SSRC of the bridge's own,
        // which its SRTP never mistakes for replays and its jitter buffer tells apart.
        let sendsRTX = weSend && !peerSends
        var rtx: [UInt8: UInt8] = [:]
        if kindValue == .video && (sendsRTX || peerSends) {
            rtx = m.retransmissionPayloadTypes(for: codecs.map(\.payloadType))
            section.formats += codecs.compactMap { rtx[$0.payloadType] }.map { String($0) }
        }
        section.append(direction.rawValue)
        if !rids.isEmpty {
            for rid in rids { section.append("rid", "\(rid) recv") }
            section.append("simulcast", "recv " + rids.joined(separator: ";"))
        }
        section.append("rtcp-mux")
        if m.rtcpRsize { section.append("rtcp-rsize") }
        for c in codecs {
            var rtpmap = "\(c.payloadType) \(c.name)/\(c.clockRate)"
            if let ch = c.channels { rtpmap += "/\(ch)" }
            section.append("rtpmap", rtpmap)
            for fb in m.feedback where (fb.payloadType == String(c.payloadType) || fb.payloadType == "*") && Capabilities.keepsFeedback(fb, bridgeReceives: peerSends) {
                section.append("rtcp-fb", "\(c.payloadType) \(fb.type)" + (fb.parameter.map { " \($0)" } ?? ""))
            }
            for f in m.formatParameters where f.payloadType == c.payloadType {
                section.append("fmtp", "\(c.payloadType) \(f.parameters)")
            }
            if let r = rtx[c.payloadType] {
                section.append("rtpmap", "\(r) rtx/\(c.clockRate)")
                section.append("fmtp", "\(r) apt=\(c.payloadType)")
            }
        }
        var ssrc: UInt32?
        var rtxSSRC: UInt32?
        if weSend {
            let s = localSSRC(kindValue, mid)
            ssrc = s
            let track = "\(streamID)-\(mid)"
            section.append("msid", "\(streamID) \(track)")
            if sendsRTX && !rtx.isEmpty {
                let r = localRTXSSRC(mid)
                rtxSSRC = r
                section.append("ssrc-group", "FID \(s) \(r)")
            }
            section.append("ssrc", "\(s) cname:\(cname)")
            section.append("ssrc", "\(s) msid:\(streamID) \(track)")
            if let r = rtxSSRC {
                section.append("ssrc", "\(r) cname:\(cname)")
                section.append("ssrc", "\(r) msid:\(streamID) \(track)")
            }
        }
        for (i, c) in local.candidates.enumerated() {
            let priority = UInt32(2_130_706_431 - i)
            section.append("candidate", "\(i + 1) 1 udp \(priority) \(c.address) \(c.port) typ host generation 0")
        }
        section.append("end-of-candidates")
        answer.media.append(section)
        acceptedMids.append(mid)
        var negotiatedSection = NegotiatedMedia(mid: mid, kind: kindValue, direction: direction, codecs: codecs, extensions: extensions,
                                      remoteSSRCs: Array(Set(m.ssrcs.map(\.ssrc))).sorted(), localSSRC: ssrc, rejected: false)
        let kept = m.feedback.filter { fb in
            Capabilities.keepsFeedback(fb, bridgeReceives: peerSends) && (fb.payloadType == "*" || codecs.contains { String($0.payloadType) == fb.payloadType })
        }
        negotiatedSection.setFeedback(kept)
        negotiatedSection.simulcastRIDs = rids
        negotiatedSection.simulcastSSRCs = simulcastSSRCs
        negotiatedSection.rtxPayloadTypes = rtx
        negotiatedSection.localRTXSSRC = rtxSSRC
        if peerSends && !rtx.isEmpty {
            for group in m.ssrcGroups where group.semantics == "FID" && group.ssrcs.count == 2 {
                negotiatedSection.repairedSSRCs[group.ssrcs[1]] = group.ssrcs[0]
            }
        }
        negotiated.append(negotiatedSection)
    }
    guard !acceptedMids.isEmpty else {
        var offered: [String] = []
        for m in mediaSections { for map in m.rtpMaps where !offered.contains(map.encodingName) { offered.append(map.encodingName) } }
        throw .noUsableCodec(offered: offered)
    }
    answer.attributes.insert(SDPAttribute(name: "group", value: "BUNDLE " + acceptedMids.joined(separator: " ")), at: 0)
    return Answer(sdp: answer, media: negotiated, remote: remote)
}

/// The offerer's ICE credentials and DTLS fingerprint (session level, or the first media
/// section), and the DTLS role the bridge takes (RFC 8842: `actpass` lets it choose).
func remoteTransport(of offer: SessionDescription, preferredRole: DTLSConnection.Role) throws(NegotiationError) -> RemoteTransportParameters {
    // Transport parameters: session level, or the first media section.
    let firstMedia = offer.media.first
    guard let ufrag = offer.iceUfrag ?? firstMedia?.iceUfrag, let pwd = offer.icePwd ?? firstMedia?.icePwd else {
        throw .missingICECredentials
    }
    // aiortc sends sha-256, sha-384 and sha-512; the bridge checks sha-256.
    let fingerprints = (offer.attributeValues("fingerprint") + (firstMedia?.attributeValues("fingerprint") ?? []))
        .compactMap { Fingerprint(value: $0) }
    guard let anyFingerprint = fingerprints.first else { throw .missingFingerprint }
    guard let fp = fingerprints.first(where: { $0.hashFunction.lowercased() == "sha-256" }) else {
        throw .unsupportedFingerprintAlgorithm(anyFingerprint.hashFunction)
    }
    guard let fingerprint = DTLSCertificate.parse(fp.value) else { throw .missingFingerprint }
    let role: DTLSConnection.Role
    switch offer.setup ?? firstMedia?.setup ?? .actpass {
    case .actpass: role = preferredRole
    case .active: role = .server
    case .passive: role = .client
    case .holdconn: throw .invalidSetup("holdconn")
    }
    return RemoteTransportParameters(ice: ICECredentials(ufrag: ufrag, password: pwd), fingerprint: fingerprint, dtlsRole: role)
}
