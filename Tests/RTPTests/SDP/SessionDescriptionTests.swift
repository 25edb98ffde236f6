import Testing

@testable import RTP

/// A minimal valid header, to which the error cases append.
private let header = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"

@Suite("SDP session description")
struct SDPSessionDescriptionTests {
    @Test("malformed descriptions", arguments: [
        ("empty", "", SDPParseError.missingVersion),
        ("no v= line", "o=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", .missingVersion),
        ("v=1", "v=1\r\n", .unsupportedVersion(lineNumber: 1)),
        ("no o=", "v=0\r\ns=-\r\nt=0 0\r\n", .missingOrigin),
        ("no s=", "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\nt=0 0\r\n", .missingSessionName),
        ("no t=", "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n", .missingTiming),
        ("m= before t=", "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nm=audio 9 RTP/AVP 0\r\n", .missingTiming),
        ("o= with five fields", "v=0\r\no=- 1 2 IN IP4\r\n", .invalidOrigin(lineNumber: 2)),
        ("o= with a non-numeric version", "v=0\r\no=- 1 x IN IP4 0.0.0.0\r\n", .invalidOrigin(lineNumber: 2)),
        ("no = sign", header + "hello\r\n", .invalidLine(lineNumber: 5)),
        ("uppercase type", header + "A=foo\r\n", .invalidLine(lineNumber: 5)),
        ("unknown type", header + "x=foo\r\n", .invalidLine(lineNumber: 5)),
        ("space before =", header + "a =foo\r\n", .invalidLine(lineNumber: 5)),
        ("second v=", header + "v=0\r\n", .unexpectedLine(lineNumber: 5)),
        ("second o=", header + "o=- 1 2 IN IP4 127.0.0.1\r\n", .unexpectedLine(lineNumber: 5)),
        ("t= in a media section", header + "m=audio 9 RTP/AVP 0\r\nt=0 0\r\n", .unexpectedLine(lineNumber: 6)),
        ("two c= in a media section", header + "m=audio 9 RTP/AVP 0\r\nc=IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\n",
         .unexpectedLine(lineNumber: 7)),
        ("c= with two fields", header + "c=IN IP4\r\n", .invalidConnection(lineNumber: 5)),
        ("media c= with four fields", header + "m=audio 9 RTP/AVP 0\r\nc=IN IP4 1.2.3.4 x\r\n",
         .invalidConnection(lineNumber: 6)),
        ("b= without colon", header + "b=AS512\r\n", .invalidBandwidth(lineNumber: 5)),
        ("b= not a number", header + "m=audio 9 RTP/AVP 0\r\nb=AS:lots\r\n", .invalidBandwidth(lineNumber: 6)),
        ("m= with two fields", header + "m=audio 9\r\n", .invalidMediaLine(lineNumber: 5)),
        ("m= with a text port", header + "m=audio nine RTP/AVP 0\r\n", .invalidMediaLine(lineNumber: 5)),
        ("m= port too large", header + "m=audio 65536 RTP/AVP 0\r\n", .invalidMediaLine(lineNumber: 5)),
        ("m= double space", header + "m=audio  9 RTP/AVP 0\r\n", .invalidMediaLine(lineNumber: 5)),
        ("m= bad port count", header + "m=audio 9/x RTP/AVP 0\r\n", .invalidMediaLine(lineNumber: 5)),
    ])
    func malformed(name: String, text: String, expected: SDPParseError) {
        #expect(throws: expected, "\(name)") { try SessionDescription(parsing: text) }
    }

    /// Hand-written descriptions that use the rarer RFC 8866 lines, in RFC order, CRLF.
    @Test("round trips of hand-written descriptions", arguments: [
        header,
        header + "a=ice-lite\r\n",
        "v=0\r\no=jdoe 2890844526 2890842807 IN IP4 10.47.16.5\r\ns=SDP Seminar\r\ni=A Seminar\r\n"
            + "u=http://www.example.com/seminars/sdp.pdf\r\ne=j.doe@example.com (Jane Doe)\r\np=+1 617 555-6011\r\n"
            + "c=IN IP4 224.2.17.12/127\r\nb=CT:1000\r\nt=2873397496 2873404696\r\nr=7d 1h 0 25h\r\n"
            + "z=2882844526 -1h 2898848070 0\r\nk=prompt\r\na=recvonly\r\n"
            + "m=audio 49170 RTP/AVP 0\r\ni=voice\r\nc=IN IP4 224.2.17.12/127\r\nb=AS:64\r\nb=TIAS:64000\r\nk=prompt\r\n"
            + "m=video 51372/2 RTP/AVP 99\r\na=rtpmap:99 h263-1998/90000\r\n"
            + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n",
        header + "a=x-empty:\r\na=x-colons:a:b:c\r\na=x-spaces:  two  \r\nm=audio 0 RTP/AVP\r\n",
    ])
    func handWrittenRoundTrip(text: String) throws {
        let parsed = try SessionDescription(parsing: text)
        #expect(parsed.serialized() == text)
    }

    @Test func emptyAndColonValuesAreDistinct() throws {
        let parsed = try SessionDescription(parsing: header + "a=flag\r\na=empty:\r\na=x:a:b\r\n")
        #expect(parsed.attributes == [
            SDPAttribute(name: "flag"), SDPAttribute(name: "empty", value: ""), SDPAttribute(name: "x", value: "a:b"),
        ])
    }

    @Test func lenientLineEndingsAndOrder() throws {
        // Mixed LF/CRLF, a blank line, and b= before c= are accepted and written in RFC order.
        let text = "v=0\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\n\nt=0 0\nm=audio 9 RTP/AVP 0\nb=AS:1\nc=IN IP4 0.0.0.0\n"
        let parsed = try SessionDescription(parsing: text)
        #expect(parsed.serialized() == header + "m=audio 9 RTP/AVP 0\r\nc=IN IP4 0.0.0.0\r\nb=AS:1\r\n")
        #expect(parsed.media[0].bandwidths == [Bandwidth(type: "AS", bandwidth: 1)])
    }

    @Test func sessionLevelAccessors() throws {
        let text = header + "a=group:BUNDLE a b\r\na=group:LS a b\r\na=group:BUNDLE c\r\na=ice-lite\r\n"
            + "a=ice-options:trickle renomination\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\n"
            + "a=fingerprint:sha-256 AB:CD\r\na=setup:passive\r\na=msid-semantic:WMS\r\n"
        let session = try SessionDescription(parsing: text)
        #expect(session.bundleGroups == [["a", "b"], ["c"]])
        #expect(session.iceLite)
        #expect(session.iceOptions == ["trickle", "renomination"])
        #expect(session.iceUfrag == "abcd")
        #expect(session.icePwd == "0123456789012345678901")
        #expect(session.fingerprint == Fingerprint(hashFunction: "sha-256", value: "AB:CD"))
        #expect(session.setup == .passive)
        #expect(session.msidSemantic == ["WMS"])
        #expect(session.serialized() == text)
    }

    @Test func buildAnAnswer() throws {
        var answer = SessionDescription(origin: Origin(sessionID: "4611731400430051336", sessionVersion: 1))
        answer.append("group", "BUNDLE 0")
        answer.append("ice-lite")
        answer.append("msid-semantic", " WMS")
        var audio = MediaDescription(kind: "audio", port: 9, proto: "UDP/TLS/RTP/SAVPF", formats: ["111"])
        audio.connection = Connection(address: "0.0.0.0")
        audio.append("ice-ufrag", "sfu1")
        audio.append("ice-pwd", "0123456789abcdefghijkl")
        audio.append("fingerprint", Fingerprint(hashFunction: "sha-256", bytes: [0x0A, 0xFF, 0x10]).attributeValue)
        audio.append("setup", SetupRole.actpass.answer.rawValue)
        audio.mid = "0"
        audio.direction = MediaDirection.sendonly.reversed
        audio.append("rtcp-mux")
        audio.append("rtpmap", RTPMap(payloadType: 111, encodingName: "opus", clockRate: 48000, channels: 2).value)
        audio.append("candidate", ICECandidateAttribute(
            foundation: "1", priority: 2_130_706_431, address: "127.0.0.1", port: 40000, type: .host).value)
        audio.append("end-of-candidates")
        answer.media.append(audio)

        #expect(answer.serialized() == """
            v=0\r
            o=- 4611731400430051336 1 IN IP4 0.0.0.0\r
            s=-\r
            t=0 0\r
            a=group:BUNDLE 0\r
            a=ice-lite\r
            a=msid-semantic: WMS\r
            m=audio 9 UDP/TLS/RTP/SAVPF 111\r
            c=IN IP4 0.0.0.0\r
            a=ice-ufrag:sfu1\r
            a=ice-pwd:0123456789abcdefghijkl\r
            a=fingerprint:sha-256 0A:FF:10\r
            a=setup:passive\r
            a=mid:0\r
            a=recvonly\r
            a=rtcp-mux\r
            a=rtpmap:111 opus/48000/2\r
            a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host\r
            a=end-of-candidates\r

            """)
        #expect(try SessionDescription(parsing: answer.serialized()) == answer)
    }

    @Test func mutatingAccessorsReplaceInPlace() {
        var media = MediaDescription(kind: "video", port: 9, proto: "UDP/TLS/RTP/SAVPF", formats: ["96"])
        #expect(media.direction == .sendrecv)
        #expect(media.mid == nil)
        media.append("mid", "0")
        media.append("sendrecv")
        media.append("rtcp-mux")
        media.append("mid", "stale")
        media.direction = .inactive
        media.mid = "1"
        #expect(media.attributes.map(\.line) == ["mid:1", "inactive", "rtcp-mux"])
        media.mid = nil
        #expect(media.attributes.map(\.line) == ["inactive", "rtcp-mux"])
        media.removeAttributes("rtcp-mux")
        #expect(!media.rtcpMux)
        #expect(media.hasAttribute("inactive"))
    }

    @Test("media direction", arguments: [
        (MediaDirection.sendrecv, MediaDirection.sendrecv, true, true),
        (.sendonly, .recvonly, true, false),
        (.recvonly, .sendonly, false, true),
        (.inactive, .inactive, false, false),
    ])
    func direction(_ direction: MediaDirection, reversed: MediaDirection, sends: Bool, receives: Bool) {
        #expect(direction.reversed == reversed)
        #expect(direction.sends == sends)
        #expect(direction.receives == receives)
        #expect(direction.reversed.reversed == direction)
    }

    @Test("setup role answers", arguments: [
        (SetupRole.actpass, SetupRole.passive), (.active, .passive), (.passive, .active), (.holdconn, .holdconn),
    ])
    func setupAnswer(offer: SetupRole, answer: SetupRole) {
        #expect(offer.answer == answer)
    }
}
