import Testing
@testable import RTP

/// Informational timing of protect on a 1200-byte RTP packet, ours against libsrtp2 (no assertion;
/// meaningful only with `swift test -c release`).
@Suite("SRTP benchmark", .serialized)
struct SRTPBenchmarkTests {
    typealias T = SRTPTestSupport
    static let iterations = 20_000
    static let repetitions = 7

    @Test("ns per protect of a 1200-byte RTP packet, ours vs libsrtp2", arguments: SRTPProfile.allCases)
    func protectTiming(profile: SRTPProfile) throws {
        let (key, salt) = T.master(profile)
        let plain = T.rtpPacket(sequenceNumber: 0, ssrc: 0x1234, payloadLength: 1200 - 12)
        let ours = try SRTPContext(profile: profile, masterKey: key, masterSalt: salt)
        let theirs = LibSRTPSession(profile: profile, key: key, salt: salt, outbound: true)
        var buffer = [UInt8](repeating: 0, count: 1300)
        let clock = ContinuousClock()

        var oursRuns: [Double] = []
        var theirsRuns: [Double] = []
        for rep in 0..<Self.repetitions {
            let (o, t) = try measure(ours, theirs, plain, &buffer, clock, start: rep * Self.iterations)
            oursRuns.append(Self.nanoseconds(o) / Double(Self.iterations))
            theirsRuns.append(Self.nanoseconds(t) / Double(Self.iterations))
        }
        oursRuns.sort()
        theirsRuns.sort()
        print("SRTP protect 1200 B \(profile.openSSLName), best/median of \(Self.repetitions) × \(Self.iterations): "
            + "ours \(Int(oursRuns[0]))/\(Int(oursRuns[Self.repetitions / 2])) ns, "
            + "libsrtp2 \(Int(theirsRuns[0]))/\(Int(theirsRuns[Self.repetitions / 2])) ns")
    }

    private func measure(
        _ ours: SRTPContext, _ theirs: LibSRTPSession, _ plain: [UInt8], _ buffer: inout [UInt8], _ clock: ContinuousClock, start: Int
    ) throws -> (Duration, Duration) {
        let oursTime = try buffer.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress!
            return try clock.measure {
                for i in 0..<Self.iterations {
                    plain.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: plain.count) }
                    base.storeBytes(of: UInt16(truncatingIfNeeded: start + i).bigEndian, toByteOffset: 2, as: UInt16.self)
                    _ = try ours.protectRTP(base, length: plain.count, capacity: raw.count)
                }
            }
        }
        let theirsTime = theirs.protectTiming(plain, iterations: Self.iterations, clock: clock, start: start)
        return (oursTime, theirsTime)
    }

    static func nanoseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9
    }
}

extension LibSRTPSession {
    /// Times `iterations` protects of `plain`, rewriting the sequence number each time (libsrtp refuses repeats).
    func protectTiming(_ plain: [UInt8], iterations: Int, clock: ContinuousClock, start: Int) -> Duration {
        var buffer = [UInt8](repeating: 0, count: 1400)
        var failures = 0
        defer { precondition(failures == 0, "libsrtp refused a packet: timing invalid") }
        return buffer.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress!
            return clock.measure {
                for i in 0..<iterations {
                    plain.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: plain.count) }
                    base.storeBytes(of: UInt16(truncatingIfNeeded: start + i).bigEndian, toByteOffset: 2, as: UInt16.self)
                    if protectRaw(base, length: plain.count) < 0 { failures += 1 }
                }
            }
        }
    }
}
