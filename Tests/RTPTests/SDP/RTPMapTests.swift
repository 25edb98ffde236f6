import Testing

@testable import RTP

@Suite("SDP rtpmap and fmtp")
struct SDPRTPMapTests {
    @Test("valid rtpmap values round-trip", arguments: [
        ("111 opus/48000/2", RTPMap(payloadType: 111, encodingName: "opus", clockRate: 48000, channels: 2)),
        ("96 VP8/90000", RTPMap(payloadType: 96, encodingName: "VP8", clockRate: 90000)),
        ("0 PCMU/8000", RTPMap(payloadType: 0, encodingName: "PCMU", clockRate: 8000)),
        ("110 telephone-event/48000", RTPMap(payloadType: 110, encodingName: "telephone-event", clockRate: 48000)),
        ("127 H264/90000", RTPMap(payloadType: 127, encodingName: "H264", clockRate: 90000)),
    ])
    func validRTPMap(value: String, expected: RTPMap) {
        #expect(RTPMap(value: value) == expected)
        #expect(expected.value == value)
    }

    @Test("invalid rtpmap values", arguments: [
        "", "111", "111 opus", "111 opus/", "111 /48000", "128 opus/48000", "-1 opus/48000", "x opus/48000",
        "111 opus/48000/2/1", "111 opus/48000/0", "111 opus/0", "111  opus/48000", "111 opus/48000 extra",
        "0111 opus/48000",
    ])
    func invalidRTPMap(value: String) {
        #expect(RTPMap(value: value) == nil)
    }

    @Test("valid fmtp values round-trip", arguments: [
        ("111 minptime=10;useinbandfec=1", 111 as UInt8, "minptime", "10" as String?),
        ("111 minptime=10;useinbandfec=1", 111, "useinbandfec", "1"),
        ("97 apt=96", 97, "apt", "96"),
        ("97 APT=96", 97, "apt", "96"),
        ("63 111/111", 63, "apt", nil),
        ("102 level-asymmetry-allowed=1; packetization-mode=1;profile-level-id=42001f", 102, "packetization-mode", "1"),
        ("45 level-idx=5;profile=0;tier=0", 45, "tier", "0"),
        ("100 flag;x=1", 100, "flag", nil),
        ("100 flag;x=1", 100, "x", "1"),
        ("100 ", 100, "x", nil),
    ])
    func validFormatParameters(value: String, payloadType: UInt8, key: String, expected: String?) throws {
        let fmtp = try #require(FormatParameters(value: value))
        #expect(fmtp.payloadType == payloadType)
        #expect(fmtp.parameter(key) == expected)
        #expect(fmtp.value == value)
    }

    @Test("invalid fmtp values", arguments: ["", "111", "x minptime=10", "128 apt=1", " 111 apt=1"])
    func invalidFormatParameters(value: String) {
        #expect(FormatParameters(value: value) == nil)
    }

    @Test func formatParameterPairsKeepOrder() throws {
        let fmtp = try #require(FormatParameters(value: "111 minptime=10;useinbandfec=1;stereo"))
        #expect(fmtp.pairs.map(\.key) == ["minptime", "useinbandfec", "stereo"])
        #expect(fmtp.pairs.map(\.value) == ["10", "1", nil])
    }
}
