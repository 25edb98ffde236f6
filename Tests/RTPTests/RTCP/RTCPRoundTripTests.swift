// parse(serialize(x)) == x for randomly built values of every RTCP type, and
// serializedSize always agreeing with serialize(into:).

import Testing
@testable import RTP

/// Random values of each packet type, within what the wire format can carry.
struct RandomRTCP {
    var generator: SplitMix64

    mutating func u32() -> UInt32 { UInt32.random(in: 0...UInt32.max, using: &generator) }
    mutating func u16() -> UInt16 { UInt16.random(in: 0...UInt16.max, using: &generator) }
    mutating func u8() -> UInt8 { UInt8.random(in: 0...UInt8.max, using: &generator) }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &generator) }
    mutating func bytes(_ range: ClosedRange<Int>) -> [UInt8] { .random(count: int(range), using: &generator) }
    mutating func words(_ range: ClosedRange<Int>) -> [UInt8] { .random(count: 4 * int(range), using: &generator) }

    mutating func block() -> ReceptionReport {
        ReceptionReport(
            ssrc: u32(), fractionLost: u8(), cumulativeLost: Int32(int(-0x80_0000...0x7F_FFFF)),
            extendedHighestSequenceNumber: u32(), jitter: u32(), lastSenderReport: u32(), delaySinceLastSenderReport: u32())
    }

    mutating func packet() -> RTCPPacket {
        switch int(0...10) {
        case 0:
            let blocks = (0..<int(0...31)).map { _ in block() }
            return .senderReport(SenderReport(
                ssrc: u32(), ntpTimestamp: UInt64(u32()) << 32 | UInt64(u32()), rtpTimestamp: u32(), packetCount: u32(),
                octetCount: u32(), reportBlocks: blocks, profileExtensions: words(0...3)))
        case 1:
            let blocks = (0..<int(0...31)).map { _ in block() }
            return .receiverReport(ReceiverReport(ssrc: u32(), reportBlocks: blocks, profileExtensions: words(0...3)))
        case 2:
            let chunks = (0..<int(0...31)).map { _ in
                SourceDescriptionChunk(
                    source: u32(),
                    items: (0..<int(0...4)).map { _ in
                        SourceDescriptionItem(type: .init(rawValue: UInt8(int(1...255))), text: bytes(0...40))
                    })
            }
            return .sourceDescription(SourceDescription(chunks: chunks))
        case 3:
            let sources = (0..<int(0...31)).map { _ in u32() }
            return .goodbye(Goodbye(sources: sources, reason: int(0...1) == 0 ? nil : bytes(0...255)))
        case 4:
            return .applicationDefined(ApplicationDefined(subtype: UInt8(int(0...31)), ssrc: u32(), name: u32(), data: words(0...8)))
        case 5:
            let pairs = (0..<int(0...20)).map { _ in NackPair(packetID: u16(), lostPackets: u16()) }
            return .transportLayerNack(TransportLayerNack(senderSSRC: u32(), mediaSSRC: u32(), pairs: pairs))
        case 6:
            return .pictureLossIndication(PictureLossIndication(senderSSRC: u32(), mediaSSRC: u32()))
        case 7:
            let entries = (0..<int(0...8)).map { _ in FullIntraRequestEntry(ssrc: u32(), sequenceNumber: u8()) }
            return .fullIntraRequest(FullIntraRequest(senderSSRC: u32(), mediaSSRC: u32(), entries: entries))
        case 8:
            let ssrcs = (0..<int(0...255)).map { _ in u32() }
            return .receiverEstimatedMaximumBitrate(ReceiverEstimatedMaximumBitrate(
                senderSSRC: u32(), mediaSSRC: u32(), bitrateExponent: UInt8(int(0...63)),
                bitrateMantissa: UInt32(int(0...262_143)), ssrcs: ssrcs))
        case 9:
            let base = u16()
            let packets = (0..<int(0...100)).map { index -> PacketStatus in
                let seq = base &+ UInt16(index)
                switch int(0...2) {
                case 0: return PacketStatus(sequenceNumber: seq, symbol: .notReceived)
                case 1: return PacketStatus(sequenceNumber: seq, symbol: .receivedSmallDelta, delta: Int16(int(0...255)))
                default: return PacketStatus(sequenceNumber: seq, symbol: .receivedLargeOrNegativeDelta, delta: Int16(truncatingIfNeeded: u16()))
                }
            }
            return .transportWideCongestionControl(TransportWideCongestionControl(
                senderSSRC: u32(), mediaSSRC: u32(), baseSequenceNumber: base, referenceTime: Int32(int(-0x80_0000...0x7F_FFFF)),
                feedbackPacketCount: u8(), packets: packets))
        default:
            // An unknown type: PT 207...255 never collides with a modelled one.
            let body = words(0...6)
            return .unknown(
                RTCPHeader(count: UInt8(int(0...31)), packetType: UInt8(int(207...255)), length: UInt16(body.count / 4)), body)
        }
    }
}

@Suite struct RTCPRoundTripTests {
    @Test func randomPacketsRoundTrip() throws {
        var random = RandomRTCP(generator: SplitMix64(seed: 3550))
        for _ in 0..<2000 {
            let packet = random.packet()
            let bytes = serializeExactly(size: packet.serializedSize) { packet.serialize(into: $0) }
            #expect(bytes.count % 4 == 0)
            #expect(try parseRTCP(bytes) == [packet])
        }
    }

    @Test func randomCompoundsRoundTrip() throws {
        var random = RandomRTCP(generator: SplitMix64(seed: 4585))
        for _ in 0..<500 {
            let packets = (0..<random.int(1...5)).map { _ in random.packet() }
            let bytes = RTCPCompound.serialize(packets)
            #expect(bytes.count == RTCPCompound.serializedSize(packets))
            let parsed = try parseRTCP(bytes)
            #expect(parsed == packets)
            #expect(RTCPCompound.serialize(parsed) == bytes)
            // The iterator frames the same packets without building them.
            let headers: [RTCPHeader] = withRaw(bytes) { raw in
                var iterator = RTCPCompoundIterator(raw)
                var headers: [RTCPHeader] = []
                while let (header, _) = iterator.next() { headers.append(header) }
                #expect(!iterator.malformed)
                return headers
            }
            #expect(headers.count == packets.count)
        }
    }

    @Test func compactNTPTimestamp() {
        let sr = SenderReport(ssrc: 1, ntpTimestamp: 0xDA8B_D1FC_DDDD_A05A, rtpTimestamp: 0, packetCount: 0, octetCount: 0)
        #expect(sr.compactNTPTimestamp == 0xD1FC_DDDD)
    }
}
