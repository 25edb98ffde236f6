import Testing

@testable import RTP

/// What each captured offer must contain, beyond parsing and round-tripping.
struct OfferExpectation: Sendable, CustomTestStringConvertible {
    var name: String
    var sdp: String
    var ufrag: String
    var direction: MediaDirection
    var opusPayloadType: UInt8
    var vp8PayloadType: UInt8
    /// extmap id of `urn:ietf:params:rtp-hdrext:sdes:mid` in every section.
    var midExtensionID: UInt8
    /// `a=ssrc-group:FID` of the video section, if the offer sends video without simulcast.
    var fid: [UInt32]?
    var candidatesPerSection: Int
    var testDescription: String { name }
}

let offerExpectations: [OfferExpectation] = [
    .init(name: "chromium_sendrecv", sdp: CapturedOffers.chromiumSendrecv, ufrag: "KqpX", direction: .sendrecv,
          opusPayloadType: 111, vp8PayloadType: 96, midExtensionID: 4, fid: [215554593, 3940291929],
          candidatesPerSection: 2),
    .init(name: "chromium_recvonly", sdp: CapturedOffers.chromiumRecvonly, ufrag: "Bgrh", direction: .recvonly,
          opusPayloadType: 111, vp8PayloadType: 96, midExtensionID: 4, fid: nil, candidatesPerSection: 2),
    .init(name: "chromium_simulcast", sdp: CapturedOffers.chromiumSimulcast, ufrag: "D0/T", direction: .sendonly,
          opusPayloadType: 111, vp8PayloadType: 96, midExtensionID: 4, fid: nil, candidatesPerSection: 2),
    .init(name: "aiortc_audio_video", sdp: CapturedOffers.aiortcAudioVideo, ufrag: "1iaD", direction: .sendrecv,
          opusPayloadType: 96, vp8PayloadType: 97, midExtensionID: 1, fid: [1723035930, 755588915],
          candidatesPerSection: 1),
]

@Suite("SDP captured offers")
struct SDPCapturedOfferTests {
    @Test("fixtures are CRLF on the wire", arguments: CapturedOffers.all.map(\.sdp))
    func fixturesAreCRLF(sdp: String) {
        #expect(sdp.hasPrefix("v=0\r\n"))
        #expect(sdp.hasSuffix("\r\n") && !sdp.hasSuffix("\r\n\r\n"))
        #expect(!sdp.unicodeScalars.split(separator: "\n").contains { $0.last != "\r" })
    }

    @Test("serialize(parse(text)) == text, byte for byte", arguments: CapturedOffers.all.map(\.sdp))
    func roundTrip(sdp: String) throws {
        let parsed = try SessionDescription(parsing: sdp)
        #expect(Array(parsed.serialized().utf8) == Array(sdp.utf8))
        #expect(try SessionDescription(parsing: parsed.serialized()) == parsed)
    }

    @Test("LF input parses to the same description as CRLF input", arguments: CapturedOffers.all.map(\.sdp))
    func acceptsLF(sdp: String) throws {
        let lf = String(String.UnicodeScalarView(sdp.unicodeScalars.filter { $0 != "\r" }))
        #expect(try SessionDescription(parsing: lf) == SessionDescription(parsing: sdp))
    }

    @Test("typed values", arguments: offerExpectations)
    func typedValues(_ expected: OfferExpectation) throws {
        let offer = try SessionDescription(parsing: expected.sdp)
        #expect(offer.version == 0)
        #expect(offer.timing == "0 0")
        #expect(offer.sessionName == "-")
        #expect(offer.origin.username == "-")
        #expect(offer.bundleGroups == [["0", "1"]])
        #expect(!offer.iceLite)
        #expect(offer.msidSemantic.first == "WMS")
        #expect(offer.media.count == 2)
        #expect(offer.media.map(\.kind) == ["audio", "video"])
        #expect(offer.media.map(\.mid) == ["0", "1"])
        #expect(offer.media(withMid: "1")?.kind == "video")

        for section in offer.media {
            #expect(section.proto == "UDP/TLS/RTP/SAVPF")
            #expect(section.connection == Connection(address: "127.0.0.1"))
            #expect(section.direction == expected.direction)
            #expect(section.rtcpMux)
            #expect(section.iceUfrag == expected.ufrag)
            #expect(section.icePwd?.isEmpty == false)
            #expect(section.setup == .actpass)
            let fingerprint = try #require(section.fingerprint)
            #expect(fingerprint.hashFunction == "sha-256")
            #expect(fingerprint.bytes?.count == 32)
            #expect(section.extensionMaps.contains {
                $0.id == expected.midExtensionID && $0.uri == "urn:ietf:params:rtp-hdrext:sdes:mid"
            })
            // Every payload type in the m= line has an rtpmap (browsers write them all).
            #expect(section.rtpMaps.map { String($0.payloadType) } == section.formats)
            let candidates = section.candidates
            #expect(candidates.count == expected.candidatesPerSection)
            #expect(candidates.count == section.attributeValues("candidate").count)
            #expect(candidates.allSatisfy { $0.address == "127.0.0.1" && $0.type == .host && $0.component == 1 })
            #expect(candidates.contains { $0.transport == "udp" && $0.port == section.port })
        }

        let audio = offer.media[0], video = offer.media[1]
        #expect(audio.rtpMap(for: expected.opusPayloadType)
                == RTPMap(payloadType: expected.opusPayloadType, encodingName: "opus", clockRate: 48000, channels: 2))
        #expect(video.rtpMap(for: expected.vp8PayloadType)?.encodingName == "VP8")
        #expect(video.rtpMap(for: expected.vp8PayloadType)?.clockRate == 90000)
        #expect(video.feedback(for: expected.vp8PayloadType).contains { $0.type == "nack" && $0.parameter == "pli" })
        // RTX for VP8 points back at it (RFC 4588 apt).
        #expect(video.formatParameters.contains {
            $0.parameter("apt") == String(expected.vp8PayloadType)
                && video.rtpMap(for: $0.payloadType)?.encodingName == "rtx"
        })
        #expect(video.ssrcGroups.first { $0.semantics == "FID" }?.ssrcs == expected.fid)
        if expected.direction.sends {
            let msid = try #require(video.msid)
            #expect(msid.track != nil)
            // With rid-based simulcast Chromium announces no SSRCs at all.
            #expect(video.ssrcs.contains { $0.attribute == "cname" } == (video.simulcast == nil))
        } else {
            #expect(video.msid == nil)
            #expect(video.ssrcs.isEmpty)
        }
    }

    @Test func chromiumSendrecvDetails() throws {
        let offer = try SessionDescription(parsing: CapturedOffers.chromiumSendrecv)
        let audio = offer.media[0]
        #expect(audio.iceOptions == ["trickle"])
        #expect(audio.rtcpRsize)
        #expect(audio.formatParameters(for: 111)?.parameter("useinbandfec") == "1")
        #expect(audio.formatParameters(for: 111)?.parameter("minptime") == "10")
        #expect(audio.extensionMaps.first == ExtensionMap(id: 1, uri: "urn:ietf:params:rtp-hdrext:ssrc-audio-level"))
        #expect(audio.feedback(for: 111) == [RTCPFeedbackAttribute(payloadType: "111", type: "transport-cc")])
        let tcp = try #require(audio.candidates.first { $0.transport == "tcp" })
        #expect(tcp.port == 9)
        #expect(tcp.extensionValue("tcptype") == "active")
        #expect(tcp.extensionValue("generation") == "0")
        #expect(tcp.extensionValue("network-cost") == "50")
        // Chromium writes a space after the colon; it survives in the raw value.
        #expect(offer.attribute("msid-semantic")?.hasPrefix(" WMS ") == true)
        #expect(offer.hasAttribute("extmap-allow-mixed"))
        #expect(!audio.endOfCandidates)
    }

    @Test func chromiumSimulcastDetails() throws {
        let offer = try SessionDescription(parsing: CapturedOffers.chromiumSimulcast)
        let video = offer.media[1]
        #expect(video.rids == ["q send", "h send", "f send"])
        #expect(video.simulcast == "send q;h;f")
        #expect(video.ssrcs.isEmpty)
        #expect(video.extensionMaps.contains { $0.uri == "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id" })
        #expect(video.extensionMaps.contains { $0.uri == "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id" })
        // The rid lines sit just before a=simulcast, at the end of the section's preamble.
        let names = video.attributes.map(\.name)
        let firstRid = try #require(names.firstIndex(of: "rid"))
        #expect(Array(names[firstRid...].prefix(4)) == ["rid", "rid", "rid", "simulcast"])
        #expect(offer.media[0].rids.isEmpty)
        #expect(offer.media[0].simulcast == nil)
    }

    @Test func aiortcDetails() throws {
        let offer = try SessionDescription(parsing: CapturedOffers.aiortcAudioVideo)
        #expect(offer.origin.unicastAddress == "0.0.0.0")
        #expect(offer.msidSemantic == ["WMS", "*"])
        for section in offer.media {
            #expect(section.endOfCandidates)
            #expect(section.fingerprints.map(\.hashFunction) == ["sha-256", "sha-384", "sha-512"])
            #expect(section.fingerprints.map { $0.bytes?.count } == [32, 48, 64])
            #expect(!section.rtcpRsize)
        }
        #expect(offer.media[1].formatParameters(for: 99)?.parameter("profile-level-id") == "42001f")
    }

    @Test func modifiedOfferStillSerializesInOrder() throws {
        var offer = try SessionDescription(parsing: CapturedOffers.chromiumSendrecv)
        offer.media[0].direction = .inactive
        offer.media[1].mid = "video"
        let text = offer.serialized()
        let reparsed = try SessionDescription(parsing: text)
        #expect(reparsed.media[0].direction == .inactive)
        #expect(reparsed.media[1].mid == "video")
        // Only the two edited lines changed.
        let before = CapturedOffers.chromiumSendrecv.split(separator: "\r\n")
        let after = text.split(separator: "\r\n")
        #expect(before.count == after.count)
        #expect(zip(before, after).filter { $0 != $1 }.map { String($1) } == ["a=inactive", "a=mid:video"])
    }
}
