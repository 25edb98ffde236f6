// 1. RTPPacketView over a received 1200-byte datagram with a header extension block: what the
//    transport does after SRTP unprotect, before handing the packet to the room.

import Benchmark
import RTP

func registerRTPBenchmarks() {
    let packet = pinnedCopy(videoPacket())
    do {
        let view = try RTPPacketView(parsing: packet)
        precondition(view.payloadLength + view.headerLength == 1200 && view.headerLength == 28)
        precondition(view.headerExtension(id: ExtensionID.mid).map { Array($0) } == Array("0".utf8))
    } catch {
        fatalError("test packet does not parse: \(error)")
    }

    // Validation of header, CSRCs, extension block and padding, then the fields the forwarding
    // path reads. Each iteration writes a new sequence number first, as a new datagram would
    // bring, so the parse cannot be hoisted out of the loop.
    Benchmark("RTPPacketView-parse-1200B", configuration: configuration()) { benchmark in
        for i in benchmark.scaledIterations {
            packet.storeBytes(of: UInt16(truncatingIfNeeded: i).bigEndian, toByteOffset: 2, as: UInt16.self)
            let view = try! RTPPacketView(parsing: packet)
            blackHole(view.ssrc)
            blackHole(view.sequenceNumber)
            blackHole(view.timestamp)
            blackHole(view.payloadType)
            blackHole(view.payloadLength)
        }
    }

    // The same plus the MID lookup a publisher does on a stream's first packet (RFC 8285 walk).
    Benchmark("RTPPacketView-parse-1200B+MID-lookup", configuration: configuration()) { benchmark in
        for i in benchmark.scaledIterations {
            packet.storeBytes(of: UInt16(truncatingIfNeeded: i).bigEndian, toByteOffset: 2, as: UInt16.self)
            let view = try! RTPPacketView(parsing: packet)
            blackHole(view.sequenceNumber)
            blackHole(view.headerExtension(id: ExtensionID.mid)?.count)
        }
    }
}
