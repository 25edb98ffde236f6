// The in-place views read every test vector the way the owned codecs do, and reject what they
// reject.

import Testing
@testable import RTP

@Suite struct RTCPViewTests {
    /// Every vector of the owned codecs, as the packet it parses to.
    static let vectors: [(String, [UInt8], RTCPPacket)] =
        senderReportVectors.map { ($0.0, $0.1, .senderReport($0.2)) }
        + receiverReportVectors.map { ($0.0, $0.1, .receiverReport($0.2)) }
        + transportLayerNackVectors.map { ($0.0, $0.1, .transportLayerNack($0.2)) }
        + pictureLossIndicationVectors.map { ($0.0, $0.1, .pictureLossIndication($0.2)) }
        + fullIntraRequestVectors.map { ($0.0, $0.1, .fullIntraRequest($0.2)) }
        + receiverEstimatedMaximumBitrateVectors.map { ($0.0, $0.1, .receiverEstimatedMaximumBitrate($0.2)) }
        + transportWideCongestionControlVectors.map { ($0.0, $0.1, .transportWideCongestionControl($0.2)) }
        + sourceDescriptionVectors.map { ($0.0, $0.1, .sourceDescription($0.2)) }
        + goodbyeVectors.map { ($0.0, $0.1, .goodbye($0.2)) }
        + applicationDefinedVectors.map { ($0.0, $0.1, .applicationDefined($0.2)) }

    @Test(arguments: vectors)
    func viewAgreesWithTheOwnedParse(name: String, bytes: [UInt8], packet: RTCPPacket) throws {
        try bytes.withUnsafeBytes { raw in
            let view = try RTCPView(viewing: raw)
            switch (view, packet) {
            case (.senderReport(let v), .senderReport(let p)):
                #expect(v.ssrc == p.ssrc && v.ntpTimestamp == p.ntpTimestamp && v.rtpTimestamp == p.rtpTimestamp)
                #expect(v.packetCount == p.packetCount && v.octetCount == p.octetCount)
                #expect(Array(v.reports) == p.reportBlocks)
                #expect(Array(v.profileExtensions) == p.profileExtensions)
            case (.receiverReport(let ssrc, let reports), .receiverReport(let p)):
                #expect(ssrc == p.ssrc && Array(reports) == p.reportBlocks)
            case (.transportLayerNack(let sender, let media, let pairs), .transportLayerNack(let p)):
                #expect(sender == p.senderSSRC && media == p.mediaSSRC && Array(pairs) == p.pairs)
                var lost: [UInt16] = []
                pairs.forEachLost { lost.append($0) }
                #expect(lost == p.lostSequenceNumbers)
            case (.pictureLossIndication(let sender, let media), .pictureLossIndication(let p)):
                #expect(sender == p.senderSSRC && media == p.mediaSSRC)
            case (.fullIntraRequest(let sender, let entries), .fullIntraRequest(let p)):
                #expect(sender == p.senderSSRC && Array(entries) == p.entries)
            case (.receiverEstimatedMaximumBitrate(let sender, let bitrate, let ssrcs), .receiverEstimatedMaximumBitrate(let p)):
                #expect(sender == p.senderSSRC && bitrate == p.bitrate && Array(ssrcs) == p.ssrcs)
            case (.transportWideCongestionControl(let sender, let media, let whole), .transportWideCongestionControl(let p)):
                #expect(sender == p.senderSSRC && media == p.mediaSSRC)
                #expect(try TransportWideCongestionControl(parsing: whole) == p)
            case (.other(let header), .sourceDescription), (.other(let header), .goodbye), (.other(let header), .applicationDefined):
                #expect(header == (try RTCPHeader(parsing: raw)))
            default:
                Issue.record("\(name): viewed as \(view), parsed as \(packet)")
            }
        }
    }

    /// Cut anywhere, a packet the owned codec rejects is rejected by the view too, with the same error.
    @Test(arguments: vectors)
    func truncatedPacketsFailAlike(name: String, bytes: [UInt8], packet: RTCPPacket) {
        for cut in 0..<bytes.count {
            let short = Array(bytes[..<cut])
            let owned = short.withUnsafeBytes { raw -> RTCPParseError? in
                do throws(RTCPParseError) { _ = try RTCPPacket(parsing: raw); return nil } catch { return error }
            }
            let viewed = short.withUnsafeBytes { raw -> RTCPParseError? in
                do throws(RTCPParseError) { _ = try RTCPView(viewing: raw); return nil } catch { return error }
            }
            #expect(owned == viewed, "\(name) cut at \(cut)")
        }
    }

    /// A NACK's lost sequence numbers across the 65535 → 0 wrap, read in place.
    @Test func nackPairsAcrossTheWrap() throws {
        let bytes: [UInt8] = [
            0x81, 0xCD, 0x00, 0x04,  // V=2 FMT=1, PT=205 RTPFB, length=4
            0x00, 0x00, 0x00, 0x01,  // sender SSRC
            0x00, 0x00, 0x00, 0x2A,  // media SSRC
            0xFF, 0xFE, 0x00, 0x05,  // PID 65534, BLP bits 0 and 2: 65535, 1
            0x00, 0x10, 0x00, 0x00,  // PID 16
        ]
        try bytes.withUnsafeBytes { raw in
            guard case .transportLayerNack(_, let media, let pairs) = try RTCPView(viewing: raw) else {
                Issue.record("not a NACK")
                return
            }
            var lost: [UInt16] = []
            pairs.forEachLost { lost.append($0) }
            #expect(media == 42)
            #expect(lost == [65534, 65535, 1, 16])
        }
    }
}
