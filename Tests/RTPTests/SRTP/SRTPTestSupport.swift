import CSRTP
@testable import RTP

/// Helpers shared by the SRTP tests.
enum SRTPTestSupport {
    /// Bytes from hex, ignoring spaces.
    static func bytes(_ hex: String) -> [UInt8] {
        let digits = hex.filter { !$0.isWhitespace }.utf8.map { c -> UInt8 in
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            default: c - UInt8(ascii: "A") + 10
            }
        }
        return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xf)]] })
    }

    /// Runs `protectRTP` on a copy of `packet` with room for the tag.
    static func protectRTP(_ context: SRTPContext, _ packet: [UInt8]) throws(SRTPError) -> [UInt8] {
        try run(packet, extra: 64) { p, n, cap throws(SRTPError) in try context.protectRTP(p, length: n, capacity: cap) }
    }

    static func unprotectRTP(_ context: SRTPContext, _ packet: [UInt8]) throws(SRTPError) -> [UInt8] {
        try run(packet, extra: 0) { p, n, _ throws(SRTPError) in try context.unprotectRTP(p, length: n) }
    }

    static func protectRTCP(_ context: SRTPContext, _ packet: [UInt8]) throws(SRTPError) -> [UInt8] {
        try run(packet, extra: 64) { p, n, cap throws(SRTPError) in try context.protectRTCP(p, length: n, capacity: cap) }
    }

    static func unprotectRTCP(_ context: SRTPContext, _ packet: [UInt8]) throws(SRTPError) -> [UInt8] {
        try run(packet, extra: 0) { p, n, _ throws(SRTPError) in try context.unprotectRTCP(p, length: n) }
    }

    private static func run(
        _ packet: [UInt8], extra: Int,
        _ body: (UnsafeMutableRawPointer, Int, Int) throws(SRTPError) -> Int
    ) throws(SRTPError) -> [UInt8] {
        var buffer = packet + [UInt8](repeating: 0, count: extra)
        let capacity = buffer.count
        let result: Result<Int, SRTPError> = buffer.withUnsafeMutableBytes { raw in
            do throws(SRTPError) {
                return .success(try body(raw.baseAddress!, packet.count, capacity))
            } catch {
                return .failure(error)
            }
        }
        let length = try result.get()
        return Array(buffer[0..<length])
    }

    /// An RTP packet: V=2, `csrcCount` CSRCs, an optional one-byte-profile extension of `extensionWords` words,
    /// and `payloadLength` bytes of patterned payload.
    static func rtpPacket(
        sequenceNumber: UInt16, timestamp: UInt32 = 0x1234_5678, ssrc: UInt32,
        csrcCount: Int = 0, extensionWords: Int? = nil, payloadLength: Int, marker: Bool = false
    ) -> [UInt8] {
        var p: [UInt8] = [0x80 | UInt8(csrcCount) | (extensionWords != nil ? 0x10 : 0), (marker ? 0x80 : 0) | 96]
        p += [UInt8(sequenceNumber >> 8), UInt8(sequenceNumber & 0xff)]
        p += be32(timestamp) + be32(ssrc)
        for i in 0..<csrcCount { p += be32(0xC5C0_0000 + UInt32(i)) }
        if let words = extensionWords {
            p += [0xBE, 0xDE, UInt8(words >> 8), UInt8(words & 0xff)]
            for i in 0..<(words * 4) { p.append(UInt8(truncatingIfNeeded: 0x10 + i)) }
        }
        for i in 0..<payloadLength { p.append(UInt8(truncatingIfNeeded: i &* 7 &+ Int(sequenceNumber))) }
        return p
    }

    /// A compound-looking RTCP packet (a sender report header plus `bodyLength` bytes) from `ssrc`.
    static func rtcpPacket(ssrc: UInt32, bodyLength: Int) -> [UInt8] {
        let words = (4 + bodyLength) / 4
        var p: [UInt8] = [0x80, 200, UInt8(words >> 8), UInt8(words & 0xff)] + be32(ssrc)
        for i in 0..<bodyLength { p.append(UInt8(truncatingIfNeeded: i &* 13 &+ 1)) }
        return p
    }

    static func be32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
    }

    /// A deterministic master key and salt for `profile`.
    static func master(_ profile: SRTPProfile, seed: UInt8 = 1) -> (key: [UInt8], salt: [UInt8]) {
        let key = (0..<profile.keyLength).map { UInt8(truncatingIfNeeded: Int(seed) &* 31 &+ $0 &* 17) }
        let salt = (0..<profile.saltLength).map { UInt8(truncatingIfNeeded: Int(seed) &* 7 &+ $0 &* 29 &+ 3) }
        return (key, salt)
    }
}

private let libSRTPInitialized: Bool = srtp_init() == srtp_err_status_ok

/// Debian's libsrtp2 as the test oracle (one session, any SSRC, one direction).
final class LibSRTPSession {
    private var session: srtp_t?

    init(profile: SRTPProfile, key: [UInt8], salt: [UInt8], outbound: Bool) {
        precondition(libSRTPInitialized)
        var policy = srtp_policy_t()
        switch profile {
        case .aes128CmHmacSha1_80:
            csrtp_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp)
            csrtp_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp)
        case .aeadAes128Gcm:
            csrtp_policy_set_aes_gcm_128_16_auth(&policy.rtp)
            csrtp_policy_set_aes_gcm_128_16_auth(&policy.rtcp)
        }
        policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound
        var material = key + salt
        let status = material.withUnsafeMutableBufferPointer { buffer in
            policy.key = buffer.baseAddress
            return srtp_create(&session, &policy)
        }
        precondition(status == srtp_err_status_ok, "srtp_create failed")
    }

    deinit { srtp_dealloc(session) }

    func protect(_ packet: [UInt8]) -> [UInt8]? { run(packet) { srtp_protect(session, $0, $1) } }
    func unprotect(_ packet: [UInt8]) -> [UInt8]? { run(packet) { srtp_unprotect(session, $0, $1) } }
    func protectRTCP(_ packet: [UInt8]) -> [UInt8]? { run(packet) { srtp_protect_rtcp(session, $0, $1) } }
    func unprotectRTCP(_ packet: [UInt8]) -> [UInt8]? { run(packet) { srtp_unprotect_rtcp(session, $0, $1) } }

    /// `srtp_protect` in place on `length` bytes at `buffer`, which must have `SRTP_MAX_TRAILER_LEN` spare bytes.
    func protectRaw(_ buffer: UnsafeMutableRawPointer, length: Int) -> Int {
        var n = Int32(length)
        return srtp_protect(session, buffer, &n) == srtp_err_status_ok ? Int(n) : -1
    }

    private func run(
        _ packet: [UInt8], _ body: (UnsafeMutableRawPointer, UnsafeMutablePointer<Int32>) -> srtp_err_status_t
    ) -> [UInt8]? {
        var buffer = packet + [UInt8](repeating: 0, count: Int(SRTP_MAX_TRAILER_LEN))
        var length = Int32(packet.count)
        let status = buffer.withUnsafeMutableBytes { body($0.baseAddress!, &length) }
        return status == srtp_err_status_ok ? Array(buffer[0..<Int(length)]) : nil
    }
}
