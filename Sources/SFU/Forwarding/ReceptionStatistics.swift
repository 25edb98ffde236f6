import RTP

/// Reception statistics of one inbound stream (RFC 3550 §6.4.1, Appendix A.3 and A.8), from
/// which the bridge writes its receiver reports. Updated per packet without allocation; time is
/// passed in.
struct ReceptionStatistics {
    let clockRate: Int
    private var unwrapper = SequenceUnwrapper()
    private var base: Int64?
    private(set) var highest: Int64 = 0
    private(set) var received: UInt64 = 0
    private var expectedPrior: Int64 = 0
    private var receivedPrior: UInt64 = 0
    /// Interarrival jitter ×16, in timestamp units (A.8 keeps it scaled to stay in integers).
    private var jitter16: Int64 = 0
    private var lastTransit: Int64?
    private let epoch: ContinuousClock.Instant
    /// Middle 32 bits of the last sender report's NTP time, and when it arrived.
    private var lastSR: (compactNTP: UInt32, at: ContinuousClock.Instant)?

    init(clockRate: Int, epoch: ContinuousClock.Instant = .now) {
        self.clockRate = clockRate
        self.epoch = epoch
    }

    mutating func record(sequence: UInt16, timestamp: UInt32, arrival: ContinuousClock.Instant) {
        let extended = unwrapper.unwrap(sequence)
        if base == nil { base = extended; highest = extended }
        if extended > highest { highest = extended }
        received &+= 1
        // A.8: transit = arrival (in timestamp units) - timestamp; J += (|D| - J) / 16.
        let elapsed = arrival - epoch
        let arrivalUnits = elapsed.components.seconds * Int64(clockRate)
            + (elapsed.components.attoseconds / 1_000_000_000) * Int64(clockRate) / 1_000_000_000
        let transit = arrivalUnits &- Int64(timestamp)
        if let lastTransit {
            var d = transit &- lastTransit
            if d < 0 { d = -d }
            // Differences beyond a second are wrap-arounds or stream changes, not jitter.
            if d < Int64(clockRate) { jitter16 += d - (jitter16 + 8) / 16 }
        }
        lastTransit = transit
    }

    /// Packets lost so far (expected minus received, RFC 3550 A.3).
    var cumulativeLost: Int64 { base.map { highest - $0 + 1 - Int64(received) } ?? 0 }
    /// The fraction lost in the last report interval, out of 256.
    private(set) var lastFractionLost: UInt8 = 0

    mutating func senderReport(ntpTimestamp: UInt64, arrival: ContinuousClock.Instant) {
        lastSR = (UInt32(truncatingIfNeeded: ntpTimestamp >> 16), arrival)
    }

    /// The report block for this stream now (A.3), and the start of the next interval.
    mutating func report(ssrc: UInt32, now: ContinuousClock.Instant) -> ReceptionReport {
        guard let base else { return ReceptionReport(ssrc: ssrc) }
        let expected = highest - base + 1
        let lost = expected - Int64(received)
        let expectedInterval = expected - expectedPrior
        let receivedInterval = Int64(received &- receivedPrior)
        expectedPrior = expected
        receivedPrior = received
        let lostInterval = expectedInterval - receivedInterval
        let fraction: UInt8 = expectedInterval <= 0 || lostInterval <= 0 ? 0 : UInt8(min(255, (lostInterval << 8) / expectedInterval))
        lastFractionLost = fraction
        var lsr: UInt32 = 0, dlsr: UInt32 = 0
        if let lastSR {
            lsr = lastSR.compactNTP
            // DLSR in units of 1/65536 s.
            let d = now - lastSR.at
            dlsr = UInt32(clamping: d.components.seconds * 65536 + (d.components.attoseconds / 1_000_000_000) * 65536 / 1_000_000_000)
        }
        return ReceptionReport(ssrc: ssrc, fractionLost: fraction, cumulativeLost: Int32(clamping: lost),
                               extendedHighestSequenceNumber: UInt32(truncatingIfNeeded: highest),
                               jitter: UInt32(clamping: jitter16 / 16), lastSenderReport: lsr, delaySinceLastSenderReport: dlsr)
    }
}
