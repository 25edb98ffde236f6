import RTP

/// What the bridge can forward: codecs by name, feedback it understands, header extensions it
/// keeps. Echo and SFU forwarding never transcode, so any of these passes through unchanged.
public enum Capabilities {
    public static let audioCodecs: Set<String> = ["opus"]
    public static let videoCodecs: Set<String> = ["vp8", "vp9", "h264", "av1"]
    /// rtcp-fb types kept in answers: "nack", "nack pli", "ccm fir" everywhere; "transport-cc"
    /// and "goog-remb" where the bridge receives (`bridgeReceives`), since it sends congestion
    /// feedback on what it receives and none on what it sends.
    public static func keepsFeedback(_ fb: RTCPFeedbackAttribute, bridgeReceives: Bool) -> Bool {
        switch (fb.type, fb.parameter) {
        case ("nack", nil), ("nack", "pli"), ("ccm", "fir"): true
        case ("transport-cc", nil), ("goog-remb", nil): bridgeReceives
        default: false
        }
    }
    public static let midURI = "urn:ietf:params:rtp-hdrext:sdes:mid"
    public static let audioLevelURI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
    /// draft-holmer-rmcat-transport-wide-cc-extensions-01: a 16-bit sequence number shared by
    /// every stream of the transport, which transport-cc feedback reports arrival times of.
    public static let transportSequenceURI = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
    public static let absSendTimeURI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
    /// RFC 8852: which simulcast encoding (RID) a stream is, and which one an RTX stream repairs.
    public static let streamIDURI = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
    public static let repairedStreamIDURI = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
    public static let headerExtensions: Set<String> = [
        midURI,
        audioLevelURI,
        absSendTimeURI,
        "urn:ietf:params:rtp-hdrext:toffset",
        "urn:3gpp:video-orientation",
    ]

    /// Whether a header extension is kept in a section (the transport-wide sequence number
    /// only where the bridge receives: it reports on it and never sends it).
    public static func keepsExtension(_ uri: String, bridgeReceives: Bool) -> Bool {
        headerExtensions.contains(uri)
            || (bridgeReceives && (uri == transportSequenceURI || uri == streamIDURI || uri == repairedStreamIDURI))
    }
}
