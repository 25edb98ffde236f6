import Foundation
import ICE
import RTP
import Testing
@testable import SFU

/// A conference member's session through offers and answers: its own tracks answered recvonly,
/// the bridge's offers adding, retiring and reusing sections for other members' tracks, glare-free
/// answers, and bad answers refused.
struct ConferenceSessionTests {
    static func session() throws -> (ConferenceSession, SessionDescription) {
        let offer = try SessionDescription(parsing: try AnswerTests.fixture("chromium_sendrecv"))
        let remote = try remoteTransport(of: offer, preferredRole: .server)
        let s = ConferenceSession(local: AnswerTests.local, role: remote.dtlsRole, remoteUfrag: remote.ice.ufrag)
        return (s, offer)
    }

    /// What a browser would answer to the bridge's offer: each section's direction reversed.
    static func answer(to offer: SessionDescription, refuse: Set<String> = []) -> SessionDescription {
        var a = offer
        for i in a.media.indices {
            let mid = a.media[i].mid ?? ""
            a.media[i].attributes.removeAll { ["sendonly", "recvonly", "inactive", "sendrecv", "ssrc", "msid"].contains($0.name) }
            let d: String = switch offer.media[i].direction {
            case .sendonly: refuse.contains(mid) ? "inactive" : "recvonly"
            case .recvonly: "sendonly"
            default: "inactive"
            }
            a.media[i].attributes.append(SDPAttribute(name: d, value: nil))
        }
        return a
    }

    @Test func theMembersOwnTracksAreAnsweredRecvonly() throws {
        var (s, offer) = try Self.session()
        let answer = try s.answer(offer)
        #expect(answer.media.count == offer.media.count)
        #expect(answer.media.map(\.direction) == [.recvonly, .recvonly])
        #expect(s.sections.map(\.role) == [.publish(.microphone), .publish(.camera)])
        // One codec per published section: the first the bridge forwards.
        #expect(s.sections.map { $0.codecs.count } == [1, 1])
        #expect(answer.media.allSatisfy { $0.attribute("setup") == "passive" && $0.attribute("ice-ufrag") == "brdg" })
        #expect(try SessionDescription(parsing: answer.serialized()).bundleGroups.first == offer.media.map { $0.mid! })
        // The camera's RTX is taken, paired with the stream it repairs; no RTX SSRC of the bridge's.
        let video = try #require(answer.media.first { $0.kind == "video" })
        let vp8 = try #require(s.sections[1].codecs.first).payloadType
        #expect(video.formats == [String(vp8), "97"] && video.formatParameters.contains { $0.payloadType == 97 && $0.parameters == "apt=\(vp8)" })
        #expect(video.ssrcGroups.isEmpty)
        let negotiated = s.sections[1].negotiated
        #expect(negotiated.repairedPayloadType(97) == vp8 && negotiated.localRTXSSRC == nil)
        #expect(negotiated.repairedSSRCs == [3940291929: 215554593])
    }

    @Test func theBridgeOffersOtherMembersTracksThenRetiresAndReusesSections() throws {
        var (s, offer) = try Self.session()
        _ = try s.answer(offer)
        let alice = [ForwardRequest(track: "alice/0", kind: .audio, codecName: "opus", clockRate: 48000, stream: "alice"),
                     ForwardRequest(track: "alice/1", kind: .video, codecName: "VP8", clockRate: 90000, stream: "alice")]
        let (pending, bridgeOffer) = try #require(s.offering(alice))
        #expect(bridgeOffer.media.count == 4)
        #expect(bridgeOffer.media.map(\.direction) == [.recvonly, .recvonly, .sendonly, .sendonly])
        let video = bridgeOffer.media[3]
        // VP8 and its RTX (the member offered rtx with apt=VP8), on an SSRC paired with the video's.
        #expect(video.mid == "b3" && video.rtpMaps.map { $0.encodingName.lowercased() } == ["vp8", "rtx"])
        let rtx = try #require(pending.sections[3].rtx)
        #expect(video.formatParameters.contains { $0.payloadType == rtx.payloadType && $0.parameters == "apt=\(video.rtpMaps[0].payloadType)" })
        #expect(video.ssrcGroups.contains { $0.semantics == "FID" && $0.ssrcs == [pending.sections[3].localSSRC!, rtx.ssrc] })
        #expect(pending.sections[3].negotiated.localRTXSSRC == rtx.ssrc)
        #expect(pending.sections[3].negotiated.rtxPayloadTypes == [video.rtpMaps[0].payloadType: rtx.payloadType])
        // Audio has none.
        #expect(pending.sections[2].rtx == nil)
        // The member's own payload type for VP8 (from its offer).
        let memberVP8 = offer.media[1].rtpMaps.first { $0.encodingName == "VP8" }!.payloadType
        #expect(video.rtpMaps.first?.payloadType == memberVP8)
        #expect(video.msid == MediaStreamID(value: "alice alice/1"))
        #expect(video.ssrcs.first?.ssrc == pending.sections[3].localSSRC)
        // transport-cc both ways (the bridge's feedback on the member's own tracks, the member's
        // on what the bridge sends it); REMB only where the bridge receives.
        for (i, m) in bridgeOffer.media.enumerated() {
            let receives = i < 2
            #expect(m.extensionMaps.contains { $0.uri == Capabilities.transportSequenceURI }, "section \(i)")
            #expect(m.feedback.contains { $0.type == "transport-cc" }, "section \(i)")
            #expect(pending.sections[i].negotiated.transportSequenceExtensionID != nil)
            #expect(!m.feedback.contains { $0.type == "goog-remb" } || receives, "section \(i)")
        }
        #expect(try SessionDescription(parsing: bridgeOffer.serialized()).bundleGroups.first == ["0", "1", "b2", "b3"])
        // Nothing changes: no offer.
        s = try pending.accepting(Self.answer(to: bridgeOffer))
        #expect(s.offering(alice) == nil)
        #expect(s.sections.map(\.direction) == [.recvonly, .recvonly, .sendonly, .sendonly])

        // Alice leaves: her sections go inactive (never removed).
        let (gone, offer2) = try #require(s.offering([]))
        #expect(offer2.media.map(\.direction) == [.recvonly, .recvonly, .inactive, .inactive])
        #expect(offer2.media[3].ssrcs.isEmpty)
        s = try gone.accepting(Self.answer(to: offer2))
        // Bob's video reuses the free video section.
        let bob = [ForwardRequest(track: "bob/1", kind: .video, codecName: "vp8", clockRate: 90000, stream: "bob")]
        let (withBob, offer3) = try #require(s.offering(bob))
        #expect(offer3.media.count == 4 && offer3.media[3].direction == .sendonly && offer3.media[3].msid?.track == "bob/1")
        #expect(withBob.version > s.version)
    }

    @Test func aMemberThatCannotReceiveTheCodecGetsAnInactiveSection() throws {
        var (s, offer) = try Self.session()
        _ = try s.answer(offer)
        let av1Only = [ForwardRequest(track: "x/1", kind: .video, codecName: "H265", clockRate: 90000, stream: "x")]
        let (_, o) = try #require(s.offering(av1Only))
        #expect(o.media[2].direction == .inactive)
    }

    @Test func aLaterMemberOfferAddsAScreenShare() throws {
        var (s, offer) = try Self.session()
        _ = try s.answer(offer)
        var second = offer
        var screen = offer.media[1]
        screen.attributes.removeAll { $0.name == "mid" || $0.name == "sendrecv" }
        screen.attributes.append(SDPAttribute(name: "mid", value: "2"))
        screen.attributes.append(SDPAttribute(name: "sendonly", value: nil))
        second.media.append(screen)
        let answer = try s.answer(second)
        #expect(s.sections.map(\.role) == [.publish(.microphone), .publish(.camera), .publish(.screen)])
        #expect(answer.media[2].direction == .recvonly)
        // Stopping it: the member's next offer says inactive.
        second.media[2].attributes.removeAll { $0.name == "sendonly" }
        second.media[2].attributes.append(SDPAttribute(name: "inactive", value: nil))
        _ = try s.answer(second)
        #expect(s.sections[2].stopped)
    }

    @Test func badRenegotiationsAreRefused() throws {
        var (s, offer) = try Self.session()
        _ = try s.answer(offer)
        var fewer = offer
        fewer.media.removeLast()
        #expect(throws: NegotiationError.self) { try s.answer(fewer) }
        var restarted = offer
        for i in restarted.media.indices {
            restarted.media[i].attributes.removeAll { $0.name == "ice-ufrag" }
            restarted.media[i].attributes.append(SDPAttribute(name: "ice-ufrag", value: "zzzz"))
        }
        restarted.attributes.removeAll { $0.name == "ice-ufrag" }
        #expect(throws: NegotiationError.self) { try s.answer(restarted) }
        let alice = [ForwardRequest(track: "a/0", kind: .audio, codecName: "opus", clockRate: 48000, stream: "a")]
        let (pending, bridgeOffer) = try #require(s.offering(alice))
        var short = Self.answer(to: bridgeOffer)
        short.media.removeLast()
        #expect(throws: NegotiationError.self) { try pending.accepting(short) }
    }
}
