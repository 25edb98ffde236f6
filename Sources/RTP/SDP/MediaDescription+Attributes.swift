/// Typed views of a media section's attributes (JSEP, RFC 8829 § 5.2.1 lists what
/// browsers write). Values that their parser rejects are skipped, never thrown.
extension MediaDescription {
    /// `a=mid` (RFC 9143 § 3); setting replaces the existing line in place or appends one.
    public var mid: String? {
        get { attribute("mid") }
        set { replaceAttribute("mid", with: newValue.map { SDPAttribute(name: "mid", value: $0) }) }
    }

    /// The first direction attribute; `sendrecv` when none is present (RFC 8866 § 6.7).
    /// Setting replaces the existing direction line in place or appends one.
    public var direction: MediaDirection {
        get {
            for attribute in attributes where attribute.value == nil {
                if let direction = MediaDirection(rawValue: attribute.name) { return direction }
            }
            return .sendrecv
        }
        set {
            let line = SDPAttribute(name: newValue.rawValue)
            if let index = attributes.firstIndex(where: { $0.value == nil && MediaDirection(rawValue: $0.name) != nil }) {
                attributes[index] = line
                attributes.removeAll { $0.value == nil && MediaDirection(rawValue: $0.name) != nil && $0 != line }
            } else {
                attributes.append(line)
            }
        }
    }

    /// `a=rtcp-mux` (RFC 5761).
    public var rtcpMux: Bool { hasAttribute("rtcp-mux") }
    /// `a=rtcp-rsize` (RFC 5506).
    public var rtcpRsize: Bool { hasAttribute("rtcp-rsize") }
    /// `a=bundle-only` (RFC 8843 § 6): offered with port 0, yet meant to be accepted inside the
    /// BUNDLE group (what JSEP's `max-bundle` policy offers, e.g. GStreamer's webrtcbin and WHIP clients).
    public var bundleOnly: Bool { hasAttribute("bundle-only") }
    /// Port 0 without `a=bundle-only`: the offerer rejected (or stopped) this section.
    public var isRejected: Bool { port == 0 && !bundleOnly }
    /// `a=end-of-candidates` (RFC 8840).
    public var endOfCandidates: Bool { hasAttribute("end-of-candidates") }

    /// `a=ice-ufrag` (RFC 8839 § 5.4).
    public var iceUfrag: String? { attribute("ice-ufrag") }
    /// `a=ice-pwd` (RFC 8839 § 5.4).
    public var icePwd: String? { attribute("ice-pwd") }
    /// The tokens of `a=ice-options`, e.g. `["trickle"]`.
    public var iceOptions: [String] { tokens(attributeValues("ice-options")) }
    /// The first valid `a=fingerprint`.
    public var fingerprint: Fingerprint? { fingerprints.first }
    /// Every valid `a=fingerprint` (aiortc offers sha-256, sha-384 and sha-512).
    public var fingerprints: [Fingerprint] { attributeValues("fingerprint").compactMap { Fingerprint(value: $0) } }
    /// `a=setup` (RFC 4145).
    public var setup: SetupRole? { attribute("setup").flatMap { SetupRole(rawValue: $0) } }

    /// Every valid `a=candidate`.
    public var candidates: [ICECandidateAttribute] {
        attributeValues("candidate").compactMap { ICECandidateAttribute(value: $0) }
    }
    /// Every valid `a=rtpmap`.
    public var rtpMaps: [RTPMap] { attributeValues("rtpmap").compactMap { RTPMap(value: $0) } }
    /// Every valid `a=fmtp`.
    public var formatParameters: [FormatParameters] {
        attributeValues("fmtp").compactMap { FormatParameters(value: $0) }
    }
    /// Every valid `a=rtcp-fb`.
    public var feedback: [RTCPFeedbackAttribute] {
        attributeValues("rtcp-fb").compactMap { RTCPFeedbackAttribute(value: $0) }
    }
    /// Every valid `a=extmap`.
    public var extensionMaps: [ExtensionMap] { attributeValues("extmap").compactMap { ExtensionMap(value: $0) } }
    /// Every valid `a=ssrc`.
    public var ssrcs: [SSRCAttribute] { attributeValues("ssrc").compactMap { SSRCAttribute(value: $0) } }
    /// Every valid `a=ssrc-group`.
    public var ssrcGroups: [SSRCGroup] { attributeValues("ssrc-group").compactMap { SSRCGroup(value: $0) } }
    /// The first valid `a=msid` (RFC 8830).
    public var msid: MediaStreamID? { attributeValues("msid").lazy.compactMap { MediaStreamID(value: $0) }.first }
    /// The raw values of every `a=rid` line (RFC 8851), e.g. `["q send", "h send", "f send"]`.
    public var rids: [String] { attributeValues("rid") }
    /// The raw value of `a=simulcast` (RFC 8853), e.g. `send q;h;f`.
    public var simulcast: String? { attribute("simulcast") }

    /// The rtpmap for `payloadType`.
    public func rtpMap(for payloadType: UInt8) -> RTPMap? { rtpMaps.first { $0.payloadType == payloadType } }
    /// The fmtp for `payloadType`.
    public func formatParameters(for payloadType: UInt8) -> FormatParameters? {
        formatParameters.first { $0.payloadType == payloadType }
    }
    /// RTX (RFC 4588 §8.6): for each offered `rtx` payload type whose `apt` names one of
    /// `payloadTypes`, that codec's payload type → its RTX payload type.
    public func retransmissionPayloadTypes(for payloadTypes: some Sequence<UInt8>) -> [UInt8: UInt8] {
        let wanted = Set(payloadTypes)
        var map: [UInt8: UInt8] = [:]
        for rtx in rtpMaps where rtx.encodingName.lowercased() == "rtx" {
            guard let apt = formatParameters(for: rtx.payloadType)?.parameter("apt").flatMap({ UInt8($0) }),
                  wanted.contains(apt) else { continue }
            map[apt] = rtx.payloadType
        }
        return map
    }
    /// The rtcp-fb lines that apply to `payloadType`, including `*` lines.
    public func feedback(for payloadType: UInt8) -> [RTCPFeedbackAttribute] {
        feedback.filter { $0.applies(to: payloadType) }
    }

    /// Replaces the first `name` attribute with `replacement` (or removes it), dropping the rest.
    mutating func replaceAttribute(_ name: String, with replacement: SDPAttribute?) {
        guard let index = attributes.firstIndex(where: { $0.name == name }) else {
            if let replacement { attributes.append(replacement) }
            return
        }
        if let replacement { attributes[index] = replacement } else { attributes.remove(at: index) }
        var seen = replacement != nil ? 0 : 1
        attributes.removeAll { attribute in
            guard attribute.name == name else { return false }
            seen += 1
            return seen > 1
        }
    }
}

/// The space-separated tokens of some attribute values.
func tokens(_ values: [String]) -> [String] {
    values.flatMap { $0.split(separator: " ").map(String.init) }
}

extension MediaDescription {
    /// The RIDs this section's sender offers to send (RFC 8853 `a=simulcast:send`, each
    /// `;`-separated stream's first alternative, a paused `~` stripped), in the offer's order,
    /// each also declared by an `a=rid:<id> send` line (RFC 8851). Empty without simulcast.
    public var sendRIDs: [String] {
        guard let value = simulcast else { return [] }
        let parts = value.split(separator: " ", omittingEmptySubsequences: true)
        guard let at = parts.firstIndex(of: "send"), at + 1 < parts.count else { return [] }
        let declared = Set(rids.compactMap { line -> Substring? in
            let fields = line.split(separator: " ")
            return fields.count >= 2 && fields[1] == "send" ? fields[0] : nil
        })
        return parts[at + 1].split(separator: ";").compactMap { stream in
            guard var first = stream.split(separator: ",").first else { return nil }
            if first.hasPrefix("~") { first = first.dropFirst() }
            return declared.contains(first) ? String(first) : nil
        }
    }
}
