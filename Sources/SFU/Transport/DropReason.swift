/// Why the data plane dropped a datagram. Drops are counted per reason, never logged one by one.
public enum DropReason: Int, CaseIterable, Sendable {
    case unknownFirstByte
    case malformedSTUN
    case stunNotBindingRequest
    case stunUnknownUsername
    case stunBadIntegrity
    case stunBadFingerprint
    case stunFromClosedTransport
    case dtlsFromUnknownAddress
    case dtlsMalformed
    case srtpFromUnknownAddress
    case srtpBeforeKeys
    case srtpAuthenticationFailed
    case srtpReplayed
    case srtpMalformed
    case rtpMalformed
    case rtcpMalformed
    case oversize
    case sendFailed
    /// A packet for viewers on another worker found that worker's ring full (it fell behind).
    case workerRingFull
    /// An RTP source's port heard from another address than its sender's.
    case rtpSourceForeignSender

    /// snake_case name used in the API and metrics.
    public var name: String {
        switch self {
        case .unknownFirstByte: "unknown_first_byte"
        case .malformedSTUN: "stun_malformed"
        case .stunNotBindingRequest: "stun_not_binding_request"
        case .stunUnknownUsername: "stun_unknown_username"
        case .stunBadIntegrity: "stun_bad_integrity"
        case .stunBadFingerprint: "stun_bad_fingerprint"
        case .stunFromClosedTransport: "stun_closed_transport"
        case .dtlsFromUnknownAddress: "dtls_unknown_address"
        case .dtlsMalformed: "dtls_malformed"
        case .srtpFromUnknownAddress: "srtp_unknown_address"
        case .srtpBeforeKeys: "srtp_before_keys"
        case .srtpAuthenticationFailed: "srtp_auth_failed"
        case .srtpReplayed: "srtp_replayed"
        case .srtpMalformed: "srtp_malformed"
        case .rtpMalformed: "rtp_malformed"
        case .rtcpMalformed: "rtcp_malformed"
        case .oversize: "oversize"
        case .sendFailed: "send_failed"
        case .workerRingFull: "worker_ring_full"
        case .rtpSourceForeignSender: "rtp_source_foreign_sender"
        }
    }
}

/// Fixed table of drop counters, one slot per reason: incrementing never allocates.
public struct DropCounters: Sendable {
    private var counts = [UInt64](repeating: 0, count: DropReason.allCases.count)

    public init() {}

    public mutating func count(_ reason: DropReason) { counts[reason.rawValue] &+= 1 }

    public subscript(reason: DropReason) -> UInt64 { counts[reason.rawValue] }

    public var total: UInt64 { counts.reduce(0, &+) }

    /// Non-zero counters by name.
    public var dictionary: [String: UInt64] {
        var d: [String: UInt64] = [:]
        for r in DropReason.allCases where counts[r.rawValue] > 0 { d[r.name] = counts[r.rawValue] }
        return d
    }

    public static func + (a: DropCounters, b: DropCounters) -> DropCounters {
        var c = a
        for i in c.counts.indices { c.counts[i] &+= b.counts[i] }
        return c
    }
}
