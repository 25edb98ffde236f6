// 3. SRTP protect of a 1200-byte RTP packet, AES_CM_128_HMAC_SHA1_80 and AEAD_AES_128_GCM:
//    bridged's SRTPContext (OpenSSL EVP) against Debian's libsrtp2.
//
// As in Tests/RTPTests/SRTP/SRTPBenchmarkTests.swift: every iteration copies the plaintext into
// a preallocated buffer (protect grows the packet in place by the tag) and writes the next
// sequence number, so each packet is new to the sender (libsrtp refuses repeats; ours estimates
// the index from it) and the rollover counter advances across wraps as in a real stream. The
// copy (memcpy of 1200 bytes) is part of the measured time for both.

import Benchmark
import CLibSRTP
import Glibc
import RTP

/// The sender's side of one benchmark: plaintext, send buffer, next sequence number.
final class ProtectBench {
    let plain: UnsafeMutableRawBufferPointer
    let buffer: UnsafeMutableRawBufferPointer
    var sequence: UInt16 = 0

    init(packet: [UInt8]) {
        plain = pinnedCopy(packet)
        buffer = pinnedCopy([], capacity: 2048)
    }

    /// Copies the plaintext into the send buffer with the next sequence number; returns its length.
    @inline(__always)
    func nextPacket() -> Int {
        buffer.baseAddress!.copyMemory(from: plain.baseAddress!, byteCount: plain.count)
        buffer.storeBytes(of: sequence.bigEndian, toByteOffset: 2, as: UInt16.self)
        sequence &+= 1
        return plain.count
    }
}

/// Master key and salt as the SRTP tests make them.
func masterKeyAndSalt(_ profile: SRTPProfile, seed: UInt8 = 1) -> (key: [UInt8], salt: [UInt8]) {
    let key = (0..<profile.keyLength).map { UInt8(truncatingIfNeeded: Int(seed) &* 31 &+ $0 &* 17) }
    let salt = (0..<profile.saltLength).map { UInt8(truncatingIfNeeded: Int(seed) &* 7 &+ $0 &* 29 &+ 3) }
    return (key, salt)
}

private let libSRTPInitialized: Bool = srtp_init() == srtp_err_status_ok

/// One outbound libsrtp2 session (any SSRC), as the oracle tests create it.
final class LibSRTPSender {
    private var session: srtp_t?

    init(profile: SRTPProfile, key: [UInt8], salt: [UInt8]) {
        precondition(libSRTPInitialized, "srtp_init failed")
        var policy = srtp_policy_t()
        switch profile {
        case .aes128CmHmacSha1_80:
            clibsrtp_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp)
            clibsrtp_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp)
        case .aeadAes128Gcm:
            clibsrtp_policy_set_aes_gcm_128_16_auth(&policy.rtp)
            clibsrtp_policy_set_aes_gcm_128_16_auth(&policy.rtcp)
        }
        policy.ssrc.type = ssrc_any_outbound
        var material = key + salt
        let status = material.withUnsafeMutableBufferPointer { buffer in
            policy.key = buffer.baseAddress
            return srtp_create(&session, &policy)
        }
        precondition(status == srtp_err_status_ok, "srtp_create failed: \(status)")
    }

    deinit { srtp_dealloc(session) }

    /// `srtp_protect` in place; the buffer needs SRTP_MAX_TRAILER_LEN spare bytes. -1 on failure.
    @inline(__always)
    func protect(_ buffer: UnsafeMutableRawPointer, length: Int) -> Int {
        var n = Int32(length)
        return srtp_protect(session, buffer, &n) == srtp_err_status_ok ? Int(n) : -1
    }
}

func registerSRTPBenchmarks() {
    let packet = videoPacket()
    for profile in [SRTPProfile.aes128CmHmacSha1_80, .aeadAes128Gcm] {
        let name = profile == .aes128CmHmacSha1_80 ? "AES_CM_128_HMAC_SHA1_80" : "AEAD_AES_128_GCM"
        let (key, salt) = masterKeyAndSalt(profile)

        // Both implementations must produce the same bytes, or the comparison means nothing.
        let ours = try! SRTPContext(profile: profile, masterKey: key, masterSalt: salt)
        let theirs = LibSRTPSender(profile: profile, key: key, salt: salt)
        do {
            let a = ProtectBench(packet: packet), b = ProtectBench(packet: packet)
            let n = try! ours.protectRTP(a.buffer.baseAddress!, length: a.nextPacket(), capacity: a.buffer.count)
            let m = theirs.protect(b.buffer.baseAddress!, length: b.nextPacket())
            precondition(n == 1200 + profile.rtpAuthTagLength && m == n, "protected lengths \(n) and \(m)")
            precondition(memcmp(a.buffer.baseAddress!, b.buffer.baseAddress!, n) == 0, "ours and libsrtp2 differ")
        }

        let oursBench = ProtectBench(packet: packet)
        oursBench.sequence = 1
        Benchmark("SRTP-protect-1200B-\(name)-bridged", configuration: configuration()) { benchmark in
            let buffer = oursBench.buffer
            for _ in benchmark.scaledIterations {
                let length = oursBench.nextPacket()
                blackHole(try! ours.protectRTP(buffer.baseAddress!, length: length, capacity: buffer.count))
            }
        }

        let theirsBench = ProtectBench(packet: packet)
        theirsBench.sequence = 1
        Benchmark("SRTP-protect-1200B-\(name)-libsrtp2", configuration: configuration()) { benchmark in
            let buffer = theirsBench.buffer
            for _ in benchmark.scaledIterations {
                let length = theirsBench.nextPacket()
                let n = theirs.protect(buffer.baseAddress!, length: length)
                precondition(n > 0, "libsrtp2 refused a packet")
                blackHole(n)
            }
        }
    }
}
