import RTP

/// What the bridge can forward: codecs by name, feedback it understands, header extensions it
/// keeps. Echo and SFU forwarding never transcode, so any of these passes through unchanged.
public enum Capabilities {
    public static let audioCodecs: Set<String> = ["opus"]
    public static let videoCodecs: Set<String> = ["vp8", "vp9", "h264", "av1"]
    /// rtcp-fb types kept in answers: "nack", "nack pli", "ccm fir" and "transport-cc"
    /// everywhere (the bridge sends transport-cc feedback on what it receives, and reads the
    /// peer's on what it sends); "goog-remb" where the bridge receives (`bridgeReceives`).
    public static func keepsFeedback(_ fb: RTCPFeedbackAttribute, bridgeReceives: Bool) -> Bool {
        switch (fb.type, fb.parameter) {
        case ("nack", nil), ("nack", "pli"), ("ccm", "fir"), ("transport-cc", nil): true
        case ("goog-remb", nil): bridgeReceives
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
    /// everywhere; the simulcast stream ids only where the bridge receives).
    public static func keepsExtension(_ uri: String, bridgeReceives: Bool) -> Bool {
        headerExtensions.contains(uri) || uri == transportSequenceURI
            || (bridgeReceives && (uri == streamIDURI || uri == repairedStreamIDURI))
    }
}
