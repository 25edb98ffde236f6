import Testing

@testable import RTP

@Suite("SDP media attribute values")
struct SDPMediaAttributeTests {
    @Test("extmap round-trips", arguments: [
        ("1 urn:ietf:params:rtp-hdrext:ssrc-audio-level", ExtensionMap(id: 1, uri: "urn:ietf:params:rtp-hdrext:ssrc-audio-level")),
        ("14 urn:ietf:params:rtp-hdrext:toffset", ExtensionMap(id: 14, uri: "urn:ietf:params:rtp-hdrext:toffset")),
        ("2/sendonly http://example.com/x", ExtensionMap(id: 2, direction: .sendonly, uri: "http://example.com/x")),
        ("255/recvonly urn:x attr1 attr2", ExtensionMap(id: 255, direction: .recvonly, uri: "urn:x", extensionAttributes: "attr1 attr2")),
        ("12 https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension",
         ExtensionMap(id: 12, uri: "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension")),
    ])
    func extmap(value: String, expected: ExtensionMap) {
        #expect(ExtensionMap(value: value) == expected)
        #expect(expected.value == value)
    }

    @Test("invalid extmap", arguments: [
        "", "1", "0 urn:x", "256 urn:x", "x urn:x", "1/sideways urn:x", "1/sendonly/x urn:x", "1  urn:x", "1 urn:x ",
    ])
    func invalidExtmap(value: String) {
        #expect(ExtensionMap(value: value) == nil)
    }

    @Test("rtcp-fb round-trips", arguments: [
        ("97 nack", RTCPFeedbackAttribute(payloadType: "97", type: "nack")),
        ("97 nack pli", RTCPFeedbackAttribute(payloadType: "97", type: "nack", parameter: "pli")),
        ("* transport-cc", RTCPFeedbackAttribute(payloadType: "*", type: "transport-cc")),
        ("96 ccm fir", RTCPFeedbackAttribute(payloadType: "96", type: "ccm", parameter: "fir")),
        ("96 ccm tmmbr smaxpr=120", RTCPFeedbackAttribute(payloadType: "96", type: "ccm", parameter: "tmmbr smaxpr=120")),
        ("100 trr-int 100", RTCPFeedbackAttribute(payloadType: "100", type: "trr-int", parameter: "100")),
    ])
    func feedback(value: String, expected: RTCPFeedbackAttribute) {
        #expect(RTCPFeedbackAttribute(value: value) == expected)
        #expect(expected.value == value)
    }

    @Test("invalid rtcp-fb", arguments: ["", "97", "97 ", "x nack", "128 nack", "97 nack ", "** nack"])
    func invalidFeedback(value: String) {
        #expect(RTCPFeedbackAttribute(value: value) == nil)
    }

    @Test func feedbackApplies() throws {
        #expect(try #require(RTCPFeedbackAttribute(value: "* nack")).applies(to: 96))
        #expect(try #require(RTCPFeedbackAttribute(value: "96 nack")).applies(to: 96))
        #expect(!(try #require(RTCPFeedbackAttribute(value: "97 nack")).applies(to: 96)))
    }

    @Test("ssrc round-trips", arguments: [
        ("2901022326 cname:sl2n2ymPyobGhcOI", SSRCAttribute(ssrc: 2_901_022_326, attribute: "cname", value: "sl2n2ymPyobGhcOI")),
        ("1 msid:stream track", SSRCAttribute(ssrc: 1, attribute: "msid", value: "stream track")),
        ("4294967295 label:a:b", SSRCAttribute(ssrc: .max, attribute: "label", value: "a:b")),
        ("0 flag", SSRCAttribute(ssrc: 0, attribute: "flag")),
        ("7 empty:", SSRCAttribute(ssrc: 7, attribute: "empty", value: "")),
    ])
    func ssrc(value: String, expected: SSRCAttribute) {
        #expect(SSRCAttribute(value: value) == expected)
        #expect(expected.attributeValue == value)
    }

    @Test("invalid ssrc", arguments: ["", "1", "1 ", "x cname:a", "4294967296 cname:a", "-1 cname:a", "1 :a"])
    func invalidSSRC(value: String) {
        #expect(SSRCAttribute(value: value) == nil)
    }

    @Test("ssrc-group round-trips", arguments: [
        ("FID 1723035930 755588915", SSRCGroup(semantics: "FID", ssrcs: [1_723_035_930, 755_588_915])),
        ("SIM 1 2 3", SSRCGroup(semantics: "SIM", ssrcs: [1, 2, 3])),
        ("FEC-FR 4294967295", SSRCGroup(semantics: "FEC-FR", ssrcs: [.max])),
    ])
    func ssrcGroup(value: String, expected: SSRCGroup) {
        #expect(SSRCGroup(value: value) == expected)
        #expect(expected.value == value)
    }

    @Test("invalid ssrc-group", arguments: ["", "FID", "FID x", "FID 1  2", "FID 4294967296", " 1 2"])
    func invalidSSRCGroup(value: String) {
        #expect(SSRCGroup(value: value) == nil)
    }

    @Test("msid round-trips", arguments: [
        ("stream track", MediaStreamID(stream: "stream", track: "track")),
        ("- 0e6da1e8-ce2c-4ea3-b469-2ed203d96852", MediaStreamID(stream: "-", track: "0e6da1e8-ce2c-4ea3-b469-2ed203d96852")),
        ("only-stream", MediaStreamID(stream: "only-stream")),
    ])
    func msid(value: String, expected: MediaStreamID) {
        #expect(MediaStreamID(value: value) == expected)
        #expect(expected.value == value)
    }

    @Test("invalid msid", arguments: ["", " ", "a  b", "a b c", "a "])
    func invalidMSID(value: String) {
        #expect(MediaStreamID(value: value) == nil)
    }

    @Test("session fields round-trip", arguments: [
        "- 4175016037055384101 2 IN IP4 127.0.0.1",
        "jdoe 2890844526 2890842807 IN IP6 ::1",
    ])
    func origin(value: String) throws {
        #expect(try #require(Origin(value: value)).value == value)
    }

    @Test("invalid origin", arguments: ["", "- 1 2 IN IP4", "- x 2 IN IP4 a", "- 1 -2 IN IP4 a", "- 1 02 IN IP4 a", "- 1 +2 IN IP4 a", "- 1 2 IN IP4 a b", "-  1 2 IN IP4 a"])
    func invalidOrigin(value: String) {
        #expect(Origin(value: value) == nil)
    }

    @Test("connection and bandwidth", arguments: [
        ("IN IP4 127.0.0.1", true), ("IN IP6 ::1", true), ("IN IP4 224.2.1.1/127/3", true),
        ("IN IP4", false), ("", false), ("IN  IP4 1.2.3.4", false),
    ])
    func connection(value: String, valid: Bool) {
        #expect(Connection(value: value)?.value == (valid ? value : nil))
    }

    @Test("bandwidth", arguments: [
        ("AS:512", true), ("TIAS:1500000", true), ("X-YZ:0", true),
        ("AS", false), (":5", false), ("AS:", false), ("AS:-1", false), ("AS:05", false), ("AS:1.5", false),
    ])
    func bandwidth(value: String, valid: Bool) {
        #expect(Bandwidth(value: value)?.value == (valid ? value : nil))
    }

    @Test("media line", arguments: [
        ("audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0", true),
        ("application 9 UDP/DTLS/SCTP webrtc-datachannel", true),
        ("video 51372/2 RTP/AVP 99", true),
        ("audio 0 RTP/AVP", true),
        ("audio 9", false), ("audio x RTP/AVP 0", false), ("audio 9/ RTP/AVP 0", false), ("audio 9 RTP/AVP 0 ", false),
    ])
    func mediaLine(value: String, valid: Bool) {
        #expect(MediaDescription(mediaLine: value)?.mediaLine == (valid ? value : nil))
    }

    @Test("attribute lines", arguments: [
        ("rtcp-mux", SDPAttribute(name: "rtcp-mux")),
        ("mid:0", SDPAttribute(name: "mid", value: "0")),
        ("msid-semantic: WMS", SDPAttribute(name: "msid-semantic", value: " WMS")),
        ("rtcp:9 IN IP4 0.0.0.0", SDPAttribute(name: "rtcp", value: "9 IN IP4 0.0.0.0")),
        ("x:", SDPAttribute(name: "x", value: "")),
    ])
    func attributeLine(line: String, expected: SDPAttribute) {
        #expect(SDPAttribute(line: line) == expected)
        #expect(expected.line == line)
    }

    @Test func typedAccessorsSkipInvalidValues() {
        var media = MediaDescription(kind: "audio", port: 9, proto: "UDP/TLS/RTP/SAVPF", formats: ["111"])
        media.append("rtpmap", "bogus")
        media.append("rtpmap", "111 opus/48000/2")
        media.append("setup", "sideways")
        media.append("msid", "a b c")
        media.append("candidate", "nonsense")
        #expect(media.rtpMaps.map(\.payloadType) == [111])
        #expect(media.setup == nil)
        #expect(media.msid == nil)
        #expect(media.candidates.isEmpty)
        #expect(media.attributeValues("rtpmap").count == 2)
    }
}
