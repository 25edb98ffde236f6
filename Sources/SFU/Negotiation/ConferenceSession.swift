import ICE
import RTP

/// What a conference member's media track is.
public enum TrackSource: String, Sendable, Codable {
    case microphone, camera, screen
    /// Music on hold, sent by the bridge itself.
    case hold
}

/// One m-section of a conference member's PeerConnection, as the bridge keeps it.
struct SessionSection: Sendable, Equatable {
    enum Role: Sendable, Equatable {
        /// The member sends this track; the bridge receives it.
        case publish(TrackSource)
        /// The bridge sends another member's track (`track`: its id) or its own (music on hold).
        case forward(track: String)
        /// A section the bridge sent in whose track went away: inactive, kept (m-lines are never
        /// removed), reused for the next track of its kind.
        case unused
    }

    struct Codec: Sendable, Equatable {
        var payloadType: UInt8
        var name: String
        var clockRate: Int
        var channels: Int?
        var fmtp: String?
        var feedback: [RTCPFeedbackAttribute]
    }

    var mid: String
    var kind: MediaKind
    var role: Role
    var codecs: [Codec]
    var extensions: [UInt8: String]
    /// Forward: the SSRC and msid the bridge sends with.
    var localSSRC: UInt32?
    /// Video: RTX (RFC 4588) where the member offered it: its RTX payload type for the
    /// section's codec; forward: the SSRC the bridge's retransmissions (and probes) go with.
    var rtx: RTX?
    struct RTX: Sendable, Equatable {
        var payloadType: UInt8
        var ssrc: UInt32?
    }
    /// Publish: the member's RTX SSRCs (`a=ssrc-group:FID`) → the SSRC each repairs.
    var repairedSSRCs: [UInt32: UInt32] = [:]
    var msid: (stream: String, track: String)?
    /// The member said it does not send (publish) or receive (forward) here any more.
    var stopped = false
    /// Port 0: rejected for good.
    var rejected = false
    var rtcpRsize = false
    /// Publish: the simulcast encodings the member sends (RIDs, or a SIM group's SSRCs).
    var simulcastRIDs: [String] = []
    var simulcastSSRCs: [UInt32] = []

    static func == (a: SessionSection, b: SessionSection) -> Bool {
        a.mid == b.mid && a.kind == b.kind && a.role == b.role && a.codecs == b.codecs && a.extensions == b.extensions
            && a.localSSRC == b.localSSRC && a.rtx == b.rtx && a.msid?.stream == b.msid?.stream && a.msid?.track == b.msid?.track
            && a.stopped == b.stopped && a.rejected == b.rejected && a.rtcpRsize == b.rtcpRsize
            && a.simulcastRIDs == b.simulcastRIDs && a.simulcastSSRCs == b.simulcastSSRCs
    }

    /// The bridge's direction in this section.
    var direction: MediaDirection {
        if rejected || stopped { return .inactive }
        switch role {
        case .publish: return .recvonly
        case .forward: return .sendonly
        case .unused: return .inactive
        }
    }

    /// As the room's forwarding code sees a section.
    var negotiated: NegotiatedMedia {
        var m = NegotiatedMedia(mid: mid, kind: kind, direction: direction,
                                codecs: codecs.map { .init(payloadType: $0.payloadType, name: $0.name, clockRate: $0.clockRate, channels: $0.channels) },
                                extensions: extensions, remoteSSRCs: [], localSSRC: localSSRC, rejected: rejected)
        m.setFeedback(codecs.flatMap(\.feedback))
        if let rtx, let codec = codecs.first {
            m.rtxPayloadTypes = [codec.payloadType: rtx.payloadType]
            m.localRTXSSRC = rtx.ssrc
        }
        m.repairedSSRCs = repairedSSRCs
        m.simulcastRIDs = simulcastRIDs
        m.simulcastSSRCs = simulcastSSRCs
        return m
    }
}

/// What the bridge wants to send a member in one section: another member's track.
struct ForwardRequest: Sendable, Equatable {
    var track: String
    var kind: MediaKind
    /// The codec the publisher sends (name and clock rate; fmtp for H.264's profile).
    var codecName: String
    var clockRate: Int
    var stream: String
}

/// One conference member's negotiated session with the bridge (one PeerConnection, BUNDLE):
/// the ordered m-sections and what each carries, the member's receive capabilities, and the
/// offers and answers that change them (JSEP, RFC 8829). A value type: the member keeps the
/// current one and, while an offer of the bridge's is out, the one that offer would make.
struct ConferenceSession: Sendable {
    private(set) var sections: [SessionSection] = []
    /// The o= line's version, increased by each description the bridge writes.
    private(set) var version: UInt64 = 1
    let sessionID = UInt64.random(in: 1..<(1 << 62))
    let local: LocalTransportParameters
    /// The bridge's DTLS role (fixed by the first offer).
    let role: DTLSConnection.Role
    /// The member's ICE ufrag: a later offer with another one would be an ICE restart.
    let remoteUfrag: String
    /// What the member can receive, per kind (from its offers): codecs and header extensions.
    private(set) var receiveCodecs: [MediaKind: [SessionSection.Codec]] = [:]
    private(set) var receiveExtensions: [MediaKind: [UInt8: String]] = [:]
    /// The member's RTX payload type for each video codec's (apt), from its offers.
    private(set) var receiveRTX: [UInt8: UInt8] = [:]

    init(local: LocalTransportParameters, role: DTLSConnection.Role, remoteUfrag: String) {
        self.local = local
        self.role = role
        self.remoteUfrag = remoteUfrag
    }

    // MARK: the member offers

    /// Answers the member's offer (its first, or a later one: a screen share added or stopped).
    /// New sections the member sends in become published tracks (`sources` by mid, else:
    /// audio a microphone, the first video a camera, the next ones screens).
    mutating func answer(_ offer: SessionDescription, sources: [String: TrackSource] = [:]) throws(NegotiationError) -> SessionDescription {
        let firstMedia = offer.media.first
        if let ufrag = offer.iceUfrag ?? firstMedia?.iceUfrag, ufrag != remoteUfrag {
            throw .invalidSDP("a renegotiation cannot change the ICE credentials (use ice-restart)")
        }
        guard offer.media.count >= sections.count else {
            throw .invalidSDP("the offer has \(offer.media.count) media sections, fewer than the \(sections.count) negotiated")
        }
        var next = sections
        for (index, m) in offer.media.enumerated() {
            let kind = MediaKind(rawValue: m.kind)
            let mid = m.mid ?? String(index)
            if let kind { learnCapabilities(m, kind: kind) }
            let memberSends = !m.isRejected && (m.direction == .sendrecv || m.direction == .sendonly)
            let memberReceives = !m.isRejected && (m.direction == .sendrecv || m.direction == .recvonly)
            if index < next.count {
                guard next[index].mid == mid else {
                    throw .invalidSDP("media section \(index) has mid \(mid), negotiated as \(next[index].mid)")
                }
                if m.isRejected { next[index].rejected = true; continue }
                switch next[index].role {
                case .publish: next[index].stopped = !memberSends
                case .forward: next[index].stopped = !memberReceives
                case .unused: break
                }
                continue
            }
            // A new section.
            var section = SessionSection(mid: mid, kind: kind ?? .audio, role: .unused, codecs: [], extensions: [:])
            section.rtcpRsize = m.rtcpRsize
            guard let kind, !m.isRejected, memberSends else {
                section.rejected = kind == nil || m.isRejected
                section.codecs = kind.map { receiveCodecs[$0] ?? [] } ?? []
                if section.codecs.isEmpty { section.rejected = true }
                section.extensions = kind.flatMap { receiveExtensions[$0] } ?? [:]
                next.append(section)
                continue
            }
            // What the member publishes: one codec (its first the bridge forwards), so every
            // subscriber knows exactly what comes.
            guard let codec = Self.codecs(of: m, kind: kind, publishing: true).first else {
                section.rejected = true
                next.append(section)
                continue
            }
            let source = sources[mid] ?? Self.defaultSource(kind: kind, existing: next)
            section.role = .publish(source)
            section.codecs = [codec]
            section.extensions = Self.extensions(of: m, publishing: true)
            if kind == .video {
                // RTX from the member: its retransmissions and padding apart from its media.
                if let type = m.retransmissionPayloadTypes(for: [codec.payloadType])[codec.payloadType] {
                    section.rtx = .init(payloadType: type, ssrc: nil)
                    for group in m.ssrcGroups where group.semantics == "FID" && group.ssrcs.count == 2 {
                        section.repairedSSRCs[group.ssrcs[1]] = group.ssrcs[0]
                    }
                }
                section.simulcastRIDs = Array(m.sendRIDs.prefix(3))
                if section.simulcastRIDs.isEmpty {
                    section.simulcastSSRCs = Array((m.ssrcGroups.first { $0.semantics == "SIM" }?.ssrcs ?? []).prefix(3))
                }
            }
            next.append(section)
        }
        guard next.contains(where: { !$0.rejected }) else {
            var offered: [String] = []
            for m in offer.media { for map in m.rtpMaps where !offered.contains(map.encodingName) { offered.append(map.encodingName) } }
            throw .noUsableCodec(offered: offered)
        }
        sections = next
        return describe(answering: offer)
    }

    private static func defaultSource(kind: MediaKind, existing: [SessionSection]) -> TrackSource {
        if kind == .audio { return .microphone }
        let hasCamera = existing.contains { $0.role == .publish(.camera) && !$0.stopped && !$0.rejected }
        return hasCamera ? .screen : .camera
    }

    /// The codecs of an offered section the bridge forwards, in the offer's order.
    /// `publishing`: the member sends in this section (congestion feedback is kept there only).
    private static func codecs(of m: MediaDescription, kind: MediaKind, publishing: Bool = false) -> [SessionSection.Codec] {
        let supported = kind == .audio ? Capabilities.audioCodecs : Capabilities.videoCodecs
        return m.rtpMaps.filter { supported.contains($0.encodingName.lowercased()) }.map { map in
            SessionSection.Codec(
                payloadType: map.payloadType, name: map.encodingName, clockRate: map.clockRate, channels: map.channels,
                fmtp: m.formatParameters.first { $0.payloadType == map.payloadType }?.parameters,
                feedback: m.feedback.filter { ($0.payloadType == String(map.payloadType) || $0.payloadType == "*") && Capabilities.keepsFeedback($0, bridgeReceives: publishing) })
        }
    }

    private static func extensions(of m: MediaDescription, publishing: Bool = false) -> [UInt8: String] {
        var out: [UInt8: String] = [:]
        for ext in m.extensionMaps where Capabilities.keepsExtension(ext.uri, bridgeReceives: publishing) { out[ext.id] = ext.uri }
        return out
    }

    /// Whatever the member offers in a section of a kind, it can receive (JSEP: the same codec
    /// set in every section of a kind); the first section of each kind is kept.
    private mutating func learnCapabilities(_ m: MediaDescription, kind: MediaKind) {
        guard receiveCodecs[kind] == nil, !m.isRejected else { return }
        let codecs = Self.codecs(of: m, kind: kind)
        guard !codecs.isEmpty else { return }
        receiveCodecs[kind] = codecs
        receiveExtensions[kind] = Self.extensions(of: m)
        if kind == .video { receiveRTX = m.retransmissionPayloadTypes(for: codecs.map(\.payloadType)) }
    }

    /// Whether the member sends anything in this session.
    var publishes: Bool {
        sections.contains { s in
            if case .publish = s.role { return !s.stopped && !s.rejected }
            return false
        }
    }

    // MARK: the bridge offers

    /// The session that sends the member exactly `forwards` (in sections reused or added),
    /// and the offer that proposes it; nil when nothing would change.
    func offering(_ forwards: [ForwardRequest]) -> (session: ConferenceSession, offer: SessionDescription)? {
        var next = self
        let wanted = Dictionary(forwards.map { ($0.track, $0) }, uniquingKeysWith: { a, _ in a })
        // Sections whose track is no longer wanted become unused.
        for i in next.sections.indices {
            if case .forward(let track) = next.sections[i].role, wanted[track] == nil {
                next.sections[i].role = .unused
                next.sections[i].localSSRC = nil
                next.sections[i].rtx = nil
                next.sections[i].msid = nil
            }
        }
        var placed = Set(next.sections.compactMap { s -> String? in
            if case .forward(let t) = s.role { return t }
            return nil
        })
        for request in forwards where !placed.contains(request.track) {
            placed.insert(request.track)
            let codec = next.receiveCodecs[request.kind]?.first {
                $0.name.lowercased() == request.codecName.lowercased() && $0.clockRate == request.clockRate
            }
            var section: SessionSection
            if let free = next.sections.firstIndex(where: { $0.role == .unused && $0.kind == request.kind && !$0.rejected && !$0.stopped }) {
                section = next.sections[free]
                section.role = .forward(track: request.track)
                next.sections[free] = section
            } else {
                let mid = next.freeMid()
                section = SessionSection(mid: mid, kind: request.kind, role: .forward(track: request.track), codecs: [],
                                         extensions: next.receiveExtensions[request.kind] ?? [:])
                section.rtcpRsize = true
                next.sections.append(section)
            }
            let index = next.sections.firstIndex { $0.mid == section.mid }!
            // Exactly the publisher's codec, with the member's payload type for it; a member that
            // cannot receive it gets the section inactive (no codec in common).
            if let codec {
                next.sections[index].codecs = [codec]
            } else {
                next.sections[index].codecs = Array((next.receiveCodecs[request.kind] ?? []).prefix(1))
                next.sections[index].stopped = true
            }
            if next.sections[index].codecs.isEmpty { next.sections[index].rejected = true }
            next.sections[index].extensions = next.receiveExtensions[request.kind] ?? [:]
            next.sections[index].localSSRC = UInt32.random(in: 1...UInt32.max)
            next.sections[index].rtx = nil
            if request.kind == .video, !next.sections[index].stopped, let codec = next.sections[index].codecs.first,
               let type = next.receiveRTX[codec.payloadType] {
                next.sections[index].rtx = .init(payloadType: type, ssrc: UInt32.random(in: 1...UInt32.max))
            }
            next.sections[index].msid = (request.stream, request.track)
        }
        guard next.sections != sections else { return nil }
        next.version += 1
        return (next, next.describe(answering: nil))
    }

    /// The member's answer to the bridge's offer (this session is what the offer proposed).
    func accepting(_ answer: SessionDescription) throws(NegotiationError) -> ConferenceSession {
        guard answer.media.count == sections.count else {
            throw .invalidSDP("the answer has \(answer.media.count) media sections, the offer had \(sections.count)")
        }
        var next = self
        for (index, m) in answer.media.enumerated() {
            guard m.mid == nil || m.mid == sections[index].mid else {
                throw .invalidSDP("media section \(index) of the answer has mid \(m.mid ?? "-"), offered \(sections[index].mid)")
            }
            if m.isRejected { next.sections[index].rejected = true; continue }
            switch sections[index].role {
            case .forward:
                let receives = m.direction == .recvonly || m.direction == .sendrecv
                next.sections[index].stopped = sections[index].stopped || !receives
                // The answer may keep fewer extensions: send only those; and RTX only if kept.
                let kept = Self.extensions(of: m)
                next.sections[index].extensions = sections[index].extensions.filter { kept[$0.key] == $0.value }
                if let rtx = sections[index].rtx, !m.formats.contains(String(rtx.payloadType)) { next.sections[index].rtx = nil }
            case .publish:
                let sends = m.direction == .sendonly || m.direction == .sendrecv
                next.sections[index].stopped = !sends
            case .unused:
                break
            }
        }
        return next
    }

    /// A mid not used by any section ("b1", "b2", … : the member's own are numbers).
    private func freeMid() -> String {
        var n = sections.count
        while sections.contains(where: { $0.mid == "b\(n)" }) { n += 1 }
        return "b\(n)"
    }

    // MARK: writing

    /// The bridge's description of the session: an answer to `offer`, or an offer (nil).
    func describe(answering offer: SessionDescription?) -> SessionDescription {
        var sdp = SessionDescription(origin: Origin(username: "-", sessionID: String(sessionID), sessionVersion: version,
                                                    networkType: "IN", addressType: "IP4", unicastAddress: "127.0.0.1"))
        sdp.attributes.append(SDPAttribute(name: "ice-lite", value: nil))
        let bundled = sections.filter { !$0.rejected }.map(\.mid)
        sdp.attributes.append(SDPAttribute(name: "group", value: "BUNDLE " + bundled.joined(separator: " ")))
        sdp.attributes.append(SDPAttribute(name: "msid-semantic", value: " WMS *"))
        let port = local.candidates.first?.port ?? 9
        let address = local.candidates.first?.address ?? "0.0.0.0"
        for (index, s) in sections.enumerated() {
            let offered = offer.flatMap { index < $0.media.count ? $0.media[index] : nil }
            var m = MediaDescription(kind: offered?.kind ?? s.kind.rawValue, port: s.rejected ? 0 : port,
                                     proto: offered?.proto ?? "UDP/TLS/RTP/SAVPF",
                                     formats: s.codecs.isEmpty ? (offered?.formats ?? ["0"])
                                         : s.codecs.map { String($0.payloadType) } + (s.rtx.map { [String($0.payloadType)] } ?? []))
            m.connection = Connection(networkType: "IN", addressType: "IP4", address: s.rejected ? "0.0.0.0" : address)
            m.append("mid", s.mid)
            if s.rejected {
                sdp.media.append(m)
                continue
            }
            m.append("ice-ufrag", local.ice.ufrag)
            m.append("ice-pwd", local.ice.password)
            m.append("fingerprint", "sha-256 \(local.fingerprint)")
            // An answer states the role; an offer of the bridge's keeps the one in use.
            m.append("setup", role == .server ? "passive" : "active")
            for (id, uri) in s.extensions.sorted(by: { $0.key < $1.key }) { m.append("extmap", "\(id) \(uri)") }
            m.append(s.direction.rawValue)
            if case .publish = s.role, !s.simulcastRIDs.isEmpty {
                for rid in s.simulcastRIDs { m.append("rid", "\(rid) recv") }
                m.append("simulcast", "recv " + s.simulcastRIDs.joined(separator: ";"))
            }
            m.append("rtcp-mux")
            if s.rtcpRsize { m.append("rtcp-rsize") }
            for c in s.codecs {
                var rtpmap = "\(c.payloadType) \(c.name)/\(c.clockRate)"
                if let ch = c.channels { rtpmap += "/\(ch)" }
                m.append("rtpmap", rtpmap)
                for fb in c.feedback { m.append("rtcp-fb", "\(c.payloadType) \(fb.type)" + (fb.parameter.map { " \($0)" } ?? "")) }
                if let fmtp = c.fmtp { m.append("fmtp", "\(c.payloadType) \(fmtp)") }
            }
            if let rtx = s.rtx, let c = s.codecs.first {
                m.append("rtpmap", "\(rtx.payloadType) rtx/\(c.clockRate)")
                m.append("fmtp", "\(rtx.payloadType) apt=\(c.payloadType)")
            }
            if case .forward = s.role, let ssrc = s.localSSRC, let msid = s.msid, s.direction == .sendonly {
                m.append("msid", "\(msid.stream) \(msid.track)")
                if let rtx = s.rtx?.ssrc { m.append("ssrc-group", "FID \(ssrc) \(rtx)") }
                m.append("ssrc", "\(ssrc) cname:bridged")
                m.append("ssrc", "\(ssrc) msid:\(msid.stream) \(msid.track)")
                if let rtx = s.rtx?.ssrc {
                    m.append("ssrc", "\(rtx) cname:bridged")
                    m.append("ssrc", "\(rtx) msid:\(msid.stream) \(msid.track)")
                }
            }
            for (i, c) in local.candidates.enumerated() {
                m.append("candidate", "\(i + 1) 1 udp \(UInt32(2_130_706_431 - i)) \(c.address) \(c.port) typ host generation 0")
            }
            m.append("end-of-candidates")
            sdp.media.append(m)
        }
        return sdp
    }
}
