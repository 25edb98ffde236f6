// RFC 3550 §6.1 compound packets, unknown types kept raw, and the non-allocating iterator.

import Testing
@testable import RTP

@Suite struct RTCPCompoundTests {
    static let senderReport = senderReportVectors[0]
    static let sdes = sourceDescriptionVectors[0]

    @Test func senderReportThenSourceDescription() throws {
        let bytes = Self.senderReport.1 + Self.sdes.1
        let expected: [RTCPPacket] = [.senderReport(Self.senderReport.2), .sourceDescription(Self.sdes.2)]
        #expect(try parseRTCP(bytes) == expected)
        #expect(RTCPCompound.serialize(expected) == bytes)
        #expect(RTCPCompound.serializedSize(expected) == bytes.count)
    }

    @Test func receiverReportThenREMB() throws {
        let rr = receiverReportVectors[0]
        let remb = receiverEstimatedMaximumBitrateVectors[0]
        let bytes = rr.1 + remb.1
        let expected: [RTCPPacket] = [.receiverReport(rr.2), .receiverEstimatedMaximumBitrate(remb.2)]
        #expect(try parseRTCP(bytes) == expected)
        #expect(RTCPCompound.serialize(expected) == bytes)
    }

    @Test func feedbackBundle() throws {
        // RR + NACK + PLI + FIR + transport-cc + BYE, as a browser might stack them.
        let parts: [([UInt8], RTCPPacket)] = [
            (receiverReportVectors[1].1, .receiverReport(receiverReportVectors[1].2)),
            (transportLayerNackVectors[0].1, .transportLayerNack(transportLayerNackVectors[0].2)),
            (pictureLossIndicationVectors[0].1, .pictureLossIndication(pictureLossIndicationVectors[0].2)),
            (fullIntraRequestVectors[0].1, .fullIntraRequest(fullIntraRequestVectors[0].2)),
            (applicationDefinedVectors[0].1, .applicationDefined(applicationDefinedVectors[0].2)),
            (goodbyeVectors[1].1, .goodbye(goodbyeVectors[1].2)),
            // transport-cc carries padding, so it must be last.
            (transportWideCongestionControlVectors[0].1,
             .transportWideCongestionControl(transportWideCongestionControlVectors[0].2)),
        ]
        let bytes = parts.flatMap(\.0)
        #expect(try parseRTCP(bytes) == parts.map(\.1))
        #expect(RTCPCompound.serialize(parts.map(\.1)) == bytes)
    }

    /// Packet types and formats this module does not model, each kept raw.
    static let unknownVectors: [(String, [UInt8], RTCPHeader)] = [
        (
            "XR (PT=207)",
            [
                0x80, 0xCF, 0x00, 0x02,  // V=2 P=0 count=0, PT=207 XR, length=2
                0x00, 0x00, 0x00, 0x01,  // SSRC
                0x04, 0x00, 0x00, 0x00,  // a report block header, opaque here
            ],
            RTCPHeader(count: 0, packetType: 207, length: 2)
        ),
        (
            "TMMBR (RTPFB FMT=3)",
            [
                0x83, 0xCD, 0x00, 0x04,  // FMT=3, PT=205, length=4
                0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
                0x00, 0x00, 0x00, 0x00,  // SSRC of media source
                0x00, 0x00, 0x00, 0x02,  // FCI: SSRC
                0x04, 0x00, 0x00, 0x00,  // FCI: exp, mantissa, overhead
            ],
            RTCPHeader(count: 3, packetType: 205, length: 4)
        ),
        (
            "SLI (PSFB FMT=2)",
            [
                0x82, 0xCE, 0x00, 0x03,  // FMT=2, PT=206, length=3
                0x00, 0x00, 0x00, 0x01,  // SSRC of packet sender
                0x00, 0x00, 0x00, 0x02,  // SSRC of media source
                0x00, 0x08, 0x00, 0x41,  // FCI: first, number, picture ID
            ],
            RTCPHeader(count: 2, packetType: 206, length: 3)
        ),
        (
            "unassigned PT=210 with padding",
            [
                0xA5, 0xD2, 0x00, 0x01,  // P=1 count=5, PT=210, length=1
                0x07, 0x00, 0x00, 0x02,  // body, last 2 bytes padding
            ],
            RTCPHeader(padding: true, count: 5, packetType: 210, length: 1)
        ),
        (
            "header only",
            [0x80, 0xD0, 0x00, 0x00],  // PT=208, length=0
            RTCPHeader(count: 0, packetType: 208, length: 0)
        ),
    ]

    @Test(arguments: unknownVectors)
    func unknownKeptRaw(name: String, bytes: [UInt8], header: RTCPHeader) throws {
        let expected = RTCPPacket.unknown(header, Array(bytes[4...]))
        #expect(try parseRTCP(bytes) == [expected], "\(name)")
        #expect(expected.serialized() == bytes, "\(name)")
        #expect(RTCPCompound.serialize([expected]) == bytes, "\(name)")
    }

    @Test func unknownBetweenKnownPackets() throws {
        let xr = Self.unknownVectors[0]
        let bytes = Self.senderReport.1 + xr.1 + Self.sdes.1
        let parsed = try parseRTCP(bytes)
        #expect(parsed == [
            .senderReport(Self.senderReport.2), .unknown(xr.2, Array(xr.1[4...])), .sourceDescription(Self.sdes.2),
        ])
        #expect(RTCPCompound.serialize(parsed) == bytes)
    }

    @Test func unknownBodyIsPaddedWhenWritten() {
        let packet = RTCPPacket.unknown(RTCPHeader(count: 1, packetType: 211, length: 0), [1, 2, 3, 4, 5])
        #expect(packet.serializedSize == 12)
        #expect(packet.serialized() == [0x81, 0xD3, 0x00, 0x02, 1, 2, 3, 4, 5, 0, 0, 0])
    }

    @Test(arguments: [
        ("empty", [UInt8](), RTCPParseError.emptyCompound),
        ("trailing partial header", receiverReportVectors[1].1 + [0x80, 0xC9], .headerTooShort),
        ("second packet too long", receiverReportVectors[1].1 + [0x80, 0xC9, 0x00, 0x05, 0, 0, 0, 1], .lengthBeyondBuffer),
        ("second packet bad version", receiverReportVectors[1].1 + [0x00, 0xC9, 0x00, 0x01, 0, 0, 0, 1], .invalidVersion),
        ("a malformed known packet", [0x81, 0xC9, 0x00, 0x01, 0, 0, 0, 1], .packetTooShort),  // RC=1, no block
    ])
    func compoundError(name: String, bytes: [UInt8], expected: RTCPParseError) {
        #expect(throws: expected, "\(name)") { try parseRTCP(bytes) }
    }

    @Test func paddingBeforeTheLastPacketIsAccepted() throws {
        let twcc = transportWideCongestionControlVectors[0]  // P=1
        let bytes = twcc.1 + pictureLossIndicationVectors[0].1
        let expected: [RTCPPacket] = [
            .transportWideCongestionControl(twcc.2), .pictureLossIndication(pictureLossIndicationVectors[0].2),
        ]
        #expect(try parseRTCP(bytes) == expected)
        #expect(RTCPCompound.serialize(expected) == bytes)
    }

    @Test func iteratorYieldsHeadersAndRanges() {
        let bytes = Self.senderReport.1 + Self.sdes.1 + pictureLossIndicationVectors[0].1
        withRaw(bytes) { raw in
            var iterator = RTCPCompoundIterator(raw)
            var seen: [(RTCPHeader, Range<Int>)] = []
            while let (header, range) = iterator.next() { seen.append((header, range)) }
            #expect(!iterator.malformed)
            #expect(iterator.error == nil)
            #expect(seen.map(\.0.packetType) == [200, 202, 206])
            #expect(seen.map(\.0.count) == [1, 1, 1])
            #expect(seen.map(\.1) == [0..<52, 52..<68, 68..<80])
            #expect(iterator.next() == nil)
        }
    }

    @Test func iteratorStopsAtMalformed() {
        let bytes = Self.sdes.1 + [0x80, 0xC9, 0x00, 0x09, 0, 0, 0, 1]  // length runs past the end
        withRaw(bytes) { raw in
            var iterator = RTCPCompoundIterator(raw)
            #expect(iterator.next()?.range == 0..<16)
            #expect(iterator.next() == nil)
            #expect(iterator.malformed)
            #expect(iterator.error == .lengthBeyondBuffer)
            #expect(iterator.next() == nil)
        }
    }

    @Test func iteratorOnEmptyInput() {
        withRaw([]) { raw in
            var iterator = RTCPCompoundIterator(raw)
            #expect(iterator.next() == nil)
            #expect(!iterator.malformed)
        }
    }

    @Test func headerRoundTrip() throws {
        let header = RTCPHeader(padding: true, count: 31, packetType: 0xCE, length: 0xABCD)
        var bytes = [UInt8](repeating: 0, count: 4)
        bytes.withUnsafeMutableBytes { header.serialize(into: $0) }
        #expect(bytes == [0xBF, 0xCE, 0xAB, 0xCD])  // V=2 P=1 count=31, PT, length
        #expect(try parseOne(bytes) { (raw) throws(RTCPParseError) in try RTCPHeader(parsing: raw) } == header)
        #expect(header.packetSize == (0xABCD + 1) * 4)
    }

    @Test func perPacketSerializeIntoOffsetBuffer() {
        // The data plane writes SR + SDES into one egress buffer.
        let packets: [RTCPPacket] = [.senderReport(Self.senderReport.2), .sourceDescription(Self.sdes.2)]
        var buffer = [UInt8](repeating: 0xEE, count: 100)
        let written = buffer.withUnsafeMutableBytes { RTCPCompound.serialize(packets, into: $0) }
        #expect(written == 68)
        #expect(Array(buffer[..<68]) == Self.senderReport.1 + Self.sdes.1)
        #expect(buffer[68...].allSatisfy { $0 == 0xEE })
    }
}
