import Foundation
import ICE
import RTP
import Testing
@testable import SFU

/// Answers to real offers captured from Chromium 156 and aiortc 1.16 (tests/fixtures/offers).
@Suite struct AnswerTests {
    static func fixture(_ name: String) throws -> String {
        let dir = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        let path = "/" + dir + "/tests/fixtures/offers/\(name).sdp"
        guard let f = fopen(path, "r") else { throw FixtureMissing(path: path) }
        defer { fclose(f) }
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }
    struct FixtureMissing: Error { var path: String }

    static let local = LocalTransportParameters(ice: ICECredentials(ufrag: "brdg", password: "0123456789abcdefghijklmn"),
                                                fingerprint: "AA:BB", candidates: [("127.0.0.1", 40000)])

    static func answer(_ sdp: String, local: LocalTransportParameters = local) throws(NegotiationError) -> Answer {
        let offer: SessionDescription
        do { offer = try SessionDescription(parsing: sdp) } catch { throw .invalidSDP("\(error)") }
        return try makeAnswer(to: offer, local: local, bridgeSends: { _ in true }, localSSRC: { kind, _ in kind == .audio ? 1111 : 2222 },
                              streamID: "s", cname: "c")
    }

    @Test(arguments: ["chromium_sendrecv", "aiortc_audio_video"])
    func answersSendrecvOffers(name: String) throws {
        let a = try Self.answer(try Self.fixture(name))
        let text = a.sdp.serialized()
        let parsed = try SessionDescription(parsing: text)  // our answer is valid SDP
        #expect(parsed.hasAttribute("ice-lite"))
        #expect(parsed.bundleGroups.first == a.media.filter { !$0.rejected }.map(\.mid))
        let audio = try #require(a.media.first { $0.kind == .audio })
        let video = try #require(a.media.first { $0.kind == .video })
        #expect(audio.codecs.first?.name.lowercased() == "opus" && audio.codecs.first?.clockRate == 48000)
        #expect(video.codecs.contains { $0.name.uppercased() == "VP8" })
        #expect(!video.codecs.contains { ["rtx", "red", "ulpfec"].contains($0.name.lowercased()) })
        #expect(audio.direction == .sendrecv && video.direction == .sendrecv)
        #expect(audio.localSSRC == 1111 && video.localSSRC == 2222)
        #expect(a.remote.dtlsRole == .server)
        #expect(a.remote.fingerprint.count == 32)  // the sha-256 one, also when aiortc lists three
        let offered = try SessionDescription(parsing: try Self.fixture(name))
        for (index, m) in parsed.media.enumerated() where m.port != 0 {
            #expect(m.setup == .passive)
            #expect(m.iceUfrag == "brdg")
            #expect(m.candidates.first?.address == "127.0.0.1" && m.candidates.first?.port == 40000)
            #expect(m.endOfCandidates)
            #expect(m.rtcpMux)
            // The bridge receives here: it keeps transport-cc where offered (Chromium; aiortc
            // offers goog-remb only), and reports on the transport-wide sequence numbers.
            let offersTCC = offered.media[index].feedback.contains { $0.type == "transport-cc" }
            #expect(m.extensionMaps.contains { $0.uri == Capabilities.transportSequenceURI } == offersTCC)
            #expect(m.feedback.contains { $0.type == "transport-cc" } == offersTCC)
            #expect((a.media[index].transportSequenceExtensionID != nil) == offersTCC)
            #expect(m.feedback.contains { $0.type == "goog-remb" } == offered.media[index].feedback.contains { $0.type == "goog-remb" })
        }
    }

    /// GStreamer's webrtcbin with its default `max-bundle` policy (what WHIP clients use) offers
    /// its second section as `m=audio 0` with `a=bundle-only` (RFC 8843): accepted inside the
    /// bundle with a fingerprint like the first, not taken for rejected (webrtcbin refuses an
    /// answer whose section lacks one). A section with port 0 and no bundle-only stays rejected.
    @Test func bundleOnlySectionsAreAccepted() throws {
        let text = try Self.fixture("webrtcbin_max_bundle")
        let a = try Self.answer(text)
        #expect(a.media.map(\.rejected) == [false, false])
        #expect(a.media.map(\.mid) == ["video0", "audio1"])
        let parsed = try SessionDescription(parsing: a.sdp.serialized())
        #expect(parsed.bundleGroups.first == ["video0", "audio1"])
        for m in parsed.media {
            #expect(m.port == 40000, "\(m.kind)")
            #expect(m.attribute("fingerprint") == "sha-256 AA:BB", "\(m.kind)")
            #expect(m.iceUfrag == "brdg", "\(m.kind)")
        }
        let rejected = try Self.answer(text.replacingOccurrences(of: "a=bundle-only\r\n", with: ""))
        #expect(rejected.media.map(\.rejected) == [false, true])
    }

    @Test func recvonlyOfferGetsSendonly() throws {
        let a = try Self.answer(try Self.fixture("chromium_recvonly"))
        #expect(a.media.filter { !$0.rejected }.allSatisfy { $0.direction == .sendonly })
        // transport-cc where it only sends (the viewer's feedback on what the bridge sends it
        // feeds its downlink estimate); no REMB, which is about what the bridge receives.
        let text = a.sdp.serialized()
        #expect(text.contains("transport-wide-cc") && text.contains("a=rtcp-fb:96 transport-cc") && !text.contains("goog-remb"))
        #expect(a.media.filter { !$0.rejected }.allSatisfy { $0.transportSequenceExtensionID != nil })
        // RTX where the viewer offered it: its payload type per codec (apt), its own SSRC paired
        // with the video's (FID).
        let video = try #require(a.media.first { $0.kind == .video })
        let parsed = try #require(try SessionDescription(parsing: text).media.first { $0.kind == "video" })
        let vp8 = try #require(video.codecs.first { $0.name == "VP8" }).payloadType
        let rtx = try #require(video.rtxPayloadTypes[vp8])
        #expect(parsed.formatParameters.contains { $0.payloadType == rtx && $0.parameters == "apt=\(vp8)" })
        #expect(parsed.formats.contains(String(rtx)))
        #expect(parsed.ssrcGroups == [SSRCGroup(semantics: "FID", ssrcs: [2222, try #require(video.localRTXSSRC)])])
        #expect(a.media.first { $0.kind == .audio }?.localRTXSSRC == nil)
    }

    /// A publisher's RTX is taken (its retransmissions and padding come apart from its media),
    /// each RTX SSRC paired with the stream it repairs; the bridge announces no RTX SSRC of its
    /// own where it does not send.
    @Test func aPublishersRTXIsAnsweredAndPaired() throws {
        let offer = try Self.fixture("chromium_sendrecv").replacingOccurrences(of: "a=sendrecv", with: "a=sendonly")
        let a = try Self.answer(offer)
        let video = try #require(a.media.first { $0.kind == .video })
        #expect(video.direction == .recvonly)
        let vp8 = try #require(video.codecs.first { $0.name == "VP8" }).payloadType
        #expect(video.rtxPayloadTypes[vp8] == 97 && video.repairedPayloadType(97) == vp8 && video.repairedPayloadType(vp8) == nil)
        #expect(video.repairedSSRCs == [3940291929: 215554593] && video.localRTXSSRC == nil)
        let parsed = try #require(try SessionDescription(parsing: a.sdp.serialized()).media.first { $0.kind == "video" })
        #expect(parsed.formats.contains("97") && parsed.formatParameters.contains { $0.payloadType == 97 && $0.parameters == "apt=\(vp8)" })
        #expect(parsed.ssrcGroups.isEmpty)
        #expect(a.media.first { $0.kind == .audio }?.rtxPayloadTypes.isEmpty == true)
    }

    @Test(arguments: [
        ("actpass", DTLSConnection.Role.server),
        ("active", .server),
        ("passive", .client),
    ])
    func dtlsRoleFollowsSetup(offerSetup: String, expected: DTLSConnection.Role) throws {
        let sdp = try Self.fixture("chromium_sendrecv").replacingOccurrences(of: "a=setup:actpass", with: "a=setup:\(offerSetup)")
        #expect(try Self.answer(sdp).remote.dtlsRole == expected)
    }

    @Test(arguments: [
        ("a=fingerprint:", "a=x-nofingerprint:", NegotiationError.missingFingerprint),
        ("a=ice-ufrag:", "a=x-noufrag:", .missingICECredentials),
        ("a=group:BUNDLE", "a=x-nobundle:", .bundleRequired),
        ("a=setup:actpass", "a=setup:holdconn", .invalidSetup("holdconn")),
    ])
    func badOffersAreRefusedWithAReason(find: String, replace: String, expected: NegotiationError) throws {
        let sdp = try Self.fixture("chromium_sendrecv").replacingOccurrences(of: find, with: replace)
        #expect(throws: expected) { try Self.answer(sdp) }
    }
}

@Suite struct PublisherAnswerTests {
    /// A publisher gets one codec per section: what it will send, exactly.
    @Test func singleCodecKeepsTheOffersFirstSupportedCodec() throws {
        let offer = try SessionDescription(parsing: try AnswerTests.fixture("chromium_sendrecv"))
        let a = try makeAnswer(to: offer, local: AnswerTests.local, bridgeSends: { _ in false }, localSSRC: { _, _ in 1 },
                               streamID: "s", cname: "c", singleCodec: true)
        for m in a.media where !m.rejected {
            #expect(m.codecs.count == 1)
            #expect(m.direction == .recvonly)
        }
        let video = try #require(a.media.first { $0.kind == .video })
        let firstOffered = try #require(offer.media.first { $0.kind == "video" }?.rtpMaps.first {
            Capabilities.videoCodecs.contains($0.encodingName.lowercased())
        })
        #expect(video.codecs[0].payloadType == firstOffered.payloadType)
    }
}

@Suite struct KeyFrameFeedbackTests {
    @Test func pliAndFirFromTheOffer() throws {
        let text = try AnswerTests.fixture("chromium_sendrecv")
        let both = try AnswerTests.answer(text).media.first { $0.kind == .video }
        #expect(both?.pictureLossIndication == true && both?.fullIntraRequest == true)
        let firOnly = text.split(separator: "\r\n", omittingEmptySubsequences: false)
            .filter { !($0.hasPrefix("a=rtcp-fb:") && $0.hasSuffix(" nack pli")) }.joined(separator: "\r\n")
        let video = try AnswerTests.answer(firOnly).media.first { $0.kind == .video }
        #expect(video?.pictureLossIndication == false && video?.fullIntraRequest == true)
    }
}

/// Simulcast offers (Chromium with three `sendEncodings`): the answer takes every encoding, in
/// a streaming room and in a conference, and keeps the RTP stream id extensions to learn which
/// stream is which; a SIM group is taken by its SSRCs.
@Suite struct SimulcastAnswerTests {
    @Test func ridsAreAnsweredRecv() throws {
        let offer = try SessionDescription(parsing: try AnswerTests.fixture("chromium_simulcast"))
        let a = try makeAnswer(to: offer, local: AnswerTests.local, bridgeSends: { _ in false }, localSSRC: { _, _ in 1 },
                               streamID: "s", cname: "c", singleCodec: true)
        let video = try #require(a.media.first { $0.kind == .video })
        #expect(video.simulcastRIDs == ["q", "h", "f"])
        #expect(video.encodings == 3)
        #expect(video.ridExtensionID == 10)
        #expect(video.extensions[11] == Capabilities.repairedStreamIDURI)
        let text = a.sdp.serialized()
        #expect(text.contains("a=rid:q recv\r\na=rid:h recv\r\na=rid:f recv\r\na=simulcast:recv q;h;f\r\n"))
        #expect(a.media.first { $0.kind == .audio }?.simulcastRIDs == [])
    }

    @Test func aConferenceMemberSimulcastIsAnsweredRecv() throws {
        let offer = try SessionDescription(parsing: try AnswerTests.fixture("chromium_simulcast"))
        let remote = try remoteTransport(of: offer, preferredRole: .server)
        var s = ConferenceSession(local: AnswerTests.local, role: remote.dtlsRole, remoteUfrag: remote.ice.ufrag)
        let answer = try s.answer(offer)
        #expect(answer.serialized().contains("a=simulcast:recv q;h;f"))
        let video = try #require(s.sections.first { $0.kind == .video })
        #expect(video.negotiated.simulcastRIDs == ["q", "h", "f"])
    }

    @Test func paused_alternatives_and_undeclared_rids() throws {
        let base = try AnswerTests.fixture("chromium_simulcast")
        // "~f" (paused) is still an encoding; "x" has no a=rid line and is not; alternatives take the first.
        let sdp = base.replacingOccurrences(of: "a=simulcast:send q;h;f", with: "a=simulcast:send q,h;x;~f")
        let m = try #require(try SessionDescription(parsing: sdp).media.first { $0.kind == "video" })
        #expect(m.sendRIDs == ["q", "f"])
        // A SIM group, lowest first.
        let sim = base.replacingOccurrences(of: "a=simulcast:send q;h;f\r\n", with: "a=ssrc-group:SIM 11 22 33\r\n")
            .replacingOccurrences(of: "a=rid:q send\r\na=rid:h send\r\na=rid:f send\r\n", with: "")
        let a = try makeAnswer(to: try SessionDescription(parsing: sim), local: AnswerTests.local, bridgeSends: { _ in false },
                               localSSRC: { _, _ in 1 }, streamID: "s", cname: "c", singleCodec: true)
        let video = try #require(a.media.first { $0.kind == .video })
        #expect(video.simulcastSSRCs == [11, 22, 33] && video.simulcastRIDs.isEmpty && video.encodings == 3)
        #expect(!a.sdp.serialized().contains("a=simulcast"))
    }
}
