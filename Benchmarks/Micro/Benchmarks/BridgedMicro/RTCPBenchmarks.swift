// 2. A compound RTCP packet as a browser sends it (SR with a report block, an RR with two, an
//    SDES CNAME), walked with the data plane's non-allocating RTCPCompoundIterator and read the
//    way Publisher (SR: NTP/RTP pair) and Viewer (report blocks: loss) read it. For contrast, the
//    owned parser RTCPCompound.parse (tests and tools only) on the same bytes.

import Benchmark
import RTP

/// SR (one report block, 52 bytes) + RR (two, 56) + SDES CNAME (28): 136 bytes.
func compoundRTCP() -> [UInt8] {
    let block = { (ssrc: UInt32, fraction: UInt8) in
        ReceptionReport(ssrc: ssrc, fractionLost: fraction, cumulativeLost: 17, extendedHighestSequenceNumber: 0x0001_2345,
                        jitter: 42, lastSenderReport: 0x3344_5566, delaySinceLastSenderReport: 0x8000)
    }
    let sr = SenderReport(ssrc: 0x1234_5678, ntpTimestamp: 0xE9A1_2345_6789_ABCD, rtpTimestamp: 0x0102_0304,
                          packetCount: 1000, octetCount: 1_200_000, reportBlocks: [block(0xAAAA_0001, 3)])
    let rr = ReceiverReport(ssrc: 0x1234_5678, reportBlocks: [block(0xAAAA_0002, 0), block(0xAAAA_0003, 20)])
    let sdes = SourceDescription(source: 0x1234_5678, cname: "0eTV+T9ubxdxqeBv")
    return RTCPCompound.serialize([.senderReport(sr), .receiverReport(rr), .sourceDescription(sdes)])
}

/// What the data plane takes from a compound packet: every SR's sender info and every report
/// block's SSRC, fraction lost and cumulative loss. Returns a checksum so nothing is optimized away.
@inline(__always)
func walkCompound(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var sum: UInt64 = 0
    var iterator = RTCPCompoundIterator(bytes)
    while let (header, range) = iterator.next() {
        let base = range.lowerBound
        switch header.packetType {
        case RTCPPacketType.senderReport where range.count >= 28:
            let ssrc = loadBE32(bytes, base + 4)
            let ntp = UInt64(loadBE32(bytes, base + 8)) << 32 | UInt64(loadBE32(bytes, base + 12))
            let rtp = loadBE32(bytes, base + 16)
            sum &+= UInt64(ssrc) &+ ntp &+ UInt64(rtp)
            sum &+= reportBlocks(bytes, from: base + 28, count: Int(header.count), end: range.upperBound)
        case RTCPPacketType.receiverReport where range.count >= 8:
            sum &+= reportBlocks(bytes, from: base + 8, count: Int(header.count), end: range.upperBound)
        default:
            sum &+= UInt64(header.packetType)
        }
    }
    precondition(!iterator.malformed)
    return sum
}

@inline(__always)
func reportBlocks(_ bytes: UnsafeRawBufferPointer, from start: Int, count: Int, end: Int) -> UInt64 {
    var sum: UInt64 = 0
    var block = start
    for _ in 0..<count where block + 24 <= end {
        let ssrc = loadBE32(bytes, block)
        let fraction = bytes[block + 4]
        let lost = Int32(bitPattern: UInt32(bytes[block + 5]) << 24 | UInt32(bytes[block + 6]) << 16
            | UInt32(bytes[block + 7]) << 8) >> 8
        sum &+= UInt64(ssrc) &+ UInt64(fraction) &+ UInt64(bitPattern: Int64(lost))
        block += 24
    }
    return sum
}

func registerRTCPBenchmarks() {
    let bytes = compoundRTCP()
    let packet = UnsafeRawBufferPointer(pinnedCopy(bytes))
    do {
        let parsed = try RTCPCompound.parse(packet)
        precondition(parsed.count == 3 && bytes.count == 136)
    } catch {
        fatalError("test compound does not parse: \(error)")
    }

    Benchmark("RTCP-SR+RR+SDES-iterate", configuration: configuration()) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(walkCompound(packet))
        }
    }

    Benchmark("RTCP-SR+RR+SDES-parse-owned", configuration: configuration()) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try! RTCPCompound.parse(packet))
        }
    }
}
