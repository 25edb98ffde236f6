import RTP

/// What the bridge can forward: codecs by name, feedback it understands, header extensions it
/// keeps. Echo and SFU forwarding never transcode, so any of these passes through unchanged.
public enum Capabilities {
    public static let audioCodecs: Set<String> = ["opus"]
    public static let videoCodecs: Set<String> = ["vp8", "vp9", "h264", "av1"]
    /// rtcp-fb types kept in answers ("nack", "nack pli", "ccm fir"); no transport-cc or goog-remb yet.
    public static func keepsFeedback(_ fb: RTCPFeedbackAttribute) -> Bool {
        switch (fb.type, fb.parameter) {
        case ("nack", nil), ("nack", "pli"), ("ccm", "fir"): true
        default: false
        }
    }
    public static let midURI = "urn:ietf:params:rtp-hdrext:sdes:mid"
    public static let audioLevelURI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
    public static let headerExtensions: Set<String> = [
        midURI,
        audioLevelURI,
        "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
        "urn:ietf:params:rtp-hdrext:toffset",
        "urn:3gpp:video-orientation",
    ]
}
