// parse(serialize(x)) == x for randomly built RTP packets, with the view agreeing.

import Testing
@testable import RTP

@Suite struct RTPRoundTripTests {
    static func randomPacket(using generator: inout SplitMix64) -> RTPPacket {
        func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &generator) }
        var packet = RTPPacket(
            marker: int(0...1) == 1, payloadType: UInt8(int(0...127)), sequenceNumber: UInt16(int(0...65535)),
            timestamp: UInt32.random(in: 0...UInt32.max, using: &generator),
            ssrc: UInt32.random(in: 0...UInt32.max, using: &generator),
            csrcs: (0..<int(0...15)).map { _ in UInt32.random(in: 0...UInt32.max, using: &generator) },
            payload: .random(count: int(0...200), using: &generator), paddingLength: UInt8(int(0...1) == 0 ? 0 : int(1...255)))
        switch int(0...3) {
        case 0:
            break
        case 1:
            packet.extensionForm = .oneByte
            packet.extensions = (0..<int(0...6)).map { _ in
                RTPHeaderExtension(id: UInt8(int(1...14)), value: .random(count: int(1...16), using: &generator))
            }
        case 2:
            packet.extensionForm = .twoByte
            packet.extensionAppBits = UInt8(int(0...15))
            packet.extensions = (0..<int(0...6)).map { _ in
                RTPHeaderExtension(id: UInt8(int(1...255)), value: .random(count: int(0...40), using: &generator))
            }
        default:
            packet.rawExtension = RTPRawHeaderExtension(
                profile: UInt16(int(0...0x0FFF)), data: .random(count: 4 * int(0...5), using: &generator))
        }
        return packet
    }

    @Test func randomPacketsRoundTrip() throws {
        var generator = SplitMix64(seed: 1889)
        for _ in 0..<2000 {
            let packet = Self.randomPacket(using: &generator)
            let bytes = serializeExactly(size: packet.serializedSize) { packet.serialize(into: $0) }
            #expect(try parseRTP(bytes) == packet)
            try withView(bytes) { view in
                #expect(view.sequenceNumber == packet.sequenceNumber)
                #expect(view.ssrc == packet.ssrc)
                #expect(view.payloadLength == packet.payload.count)
                #expect(view.paddingLength == Int(packet.paddingLength))
                var count = 0
                view.forEachHeaderExtension { id, value in
                    #expect(packet.extensions[count] == RTPHeaderExtension(id: id, value: Array(value)))
                    count += 1
                }
                #expect(count == packet.extensions.count)
            }
        }
    }

    @Test func viewRewriteKeepsTheRestIntact() throws {
        var generator = SplitMix64(seed: 9)
        for _ in 0..<300 {
            var packet = Self.randomPacket(using: &generator)
            let original = packet.serialized()
            let (_, rewritten) = try withMutable(original) { buffer in
                let view = try RTPPacketView(parsing: buffer)
                view.sequenceNumber &+= 1
                view.timestamp &+= 3000
                view.ssrc = ~view.ssrc
                view.payloadType = (view.payloadType + 1) & 0x7F
                view.marker.toggle()
            }
            packet.sequenceNumber &+= 1
            packet.timestamp &+= 3000
            packet.ssrc = ~packet.ssrc
            packet.payloadType = (packet.payloadType + 1) & 0x7F
            packet.marker.toggle()
            #expect(try parseRTP(rewritten) == packet)
        }
    }
}
