// Shared pieces: metrics, tolerances, the test packets, byte helpers.

import Benchmark
import RTP

/// Every benchmark reports wall time, throughput (operations per second) and mallocs.
var metrics: [BenchmarkMetric] { [.wallClock, .throughput, .mallocCountTotal] }

/// How far a run may stray from the stored thresholds (Thresholds/*.p90.json) before
/// `swift package benchmark thresholds check` fails. The static check compares p90 only.
/// Time: ±50 %, since the machines these run on are shared and noisy (the plugin also fails a run
/// more than 50 % faster, as an improvement; run.sh passes it with a hint to record new
/// thresholds). Mallocs: exact; they do not depend on the machine's load.
var tolerances: [BenchmarkMetric: BenchmarkThresholds] {
    [
        .wallClock: .init(relative: [.p50: 50, .p90: 50]),
        .throughput: .init(relative: [.p50: 50, .p90: 50]),
        .mallocCountTotal: .init(absolute: [.p0: 0, .p25: 0, .p50: 0, .p75: 0, .p90: 0]),
    ]
}

/// A configuration with the common metrics and tolerances.
func configuration(
    scalingFactor: BenchmarkScalingFactor = .kilo, maxDuration: Duration = .seconds(2),
    maxIterations: Int = 1_000_000, warmupIterations: Int = 3
) -> Benchmark.Configuration {
    .init(
        metrics: metrics, warmupIterations: warmupIterations, scalingFactor: scalingFactor,
        maxDuration: maxDuration, maxIterations: maxIterations, thresholds: tolerances)
}

/// Header extension IDs as Chromium numbers them in its offers (RFC 8285 one-byte form).
enum ExtensionID {
    static let absSendTime: UInt8 = 2
    static let transportCC: UInt8 = 3
    static let mid: UInt8 = 4
}

/// A 1200-byte RTP packet as a browser sends video: VP8 payload type 96, a one-byte header
/// extension block with MID "0", abs-send-time and (unless the answer left it out, as bridged's
/// does) transport-cc, and a VP8 payload whose descriptor starts a key frame (so a viewer waiting
/// for one is anchored on the first packet).
func videoPacket(ssrc: UInt32 = 0x1234_5678, sequenceNumber: UInt16 = 1000, timestamp: UInt32 = 90_000,
                 transportCC: Bool = true, size: Int = 1200) -> [UInt8] {
    var extensions = [
        RTPHeaderExtension(id: ExtensionID.mid, value: Array("0".utf8)),
        RTPHeaderExtension(id: ExtensionID.absSendTime, value: [0x12, 0x34, 0x56]),
    ]
    if transportCC { extensions.append(RTPHeaderExtension(id: ExtensionID.transportCC, value: [0x00, 0x2A])) }
    var packet = RTPPacket(payloadType: 96, sequenceNumber: sequenceNumber, timestamp: timestamp, ssrc: ssrc,
                           extensions: extensions)
    let payloadLength = size - packet.serializedSize
    // VP8 payload descriptor S=1 PID=0, then a payload header with P=0: a key frame (RFC 7741).
    packet.payload = [0x10, 0x00] + (0..<(payloadLength - 2)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
    let bytes = packet.serialized()
    precondition(bytes.count == size)
    return bytes
}

/// Page-aligned, never-freed memory holding a copy of `bytes` with `capacity` bytes in all.
func pinnedCopy(_ bytes: [UInt8], capacity: Int? = nil) -> UnsafeMutableRawBufferPointer {
    let count = capacity ?? bytes.count
    precondition(count >= bytes.count)
    let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 64)
    memory.initializeMemory(as: UInt8.self, repeating: 0)
    bytes.withUnsafeBytes { memory.copyMemory(from: $0) }
    return memory
}

@inline(__always)
func loadBE16(_ p: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
    UInt16(p[offset]) << 8 | UInt16(p[offset + 1])
}

@inline(__always)
func loadBE32(_ p: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
    UInt32(p[offset]) << 24 | UInt32(p[offset + 1]) << 16 | UInt32(p[offset + 2]) << 8 | UInt32(p[offset + 3])
}

/// Lets a non-Sendable value cross into an event-loop task whose caller waits for it.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
}
