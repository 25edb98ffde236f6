import Testing
@testable import RTP

/// Replay, tampering and truncation are rejected; reordering within the window is accepted.
@Suite("SRTP rejection rules")
struct SRTPReplayTests {
    typealias T = SRTPTestSupport

    static func pair(_ profile: SRTPProfile) throws -> (sender: SRTPContext, receiver: SRTPContext) {
        let (key, salt) = T.master(profile, seed: 5)
        return (
            try SRTPContext(profile: profile, masterKey: key, masterSalt: salt),
            try SRTPContext(profile: profile, masterKey: key, masterSalt: salt)
        )
    }

    static func expectError(_ expected: SRTPError, _ body: () throws(SRTPError) -> [UInt8]) {
        do throws(SRTPError) {
            _ = try body()
            Issue.record("expected \(expected), got success")
        } catch {
            #expect(error == expected)
        }
    }

    @Test("a replayed SRTP packet is rejected, and so is one older than the window", arguments: SRTPProfile.allCases)
    func replayRejected(profile: SRTPProfile) throws {
        let (sender, receiver) = try Self.pair(profile)
        let packets = try (0..<100).map { i in
            try T.protectRTP(sender, T.rtpPacket(sequenceNumber: UInt16(1000 + i), ssrc: 7, payloadLength: 50))
        }
        _ = try T.unprotectRTP(receiver, packets[0])
        Self.expectError(.replayed) { () throws(SRTPError) in try T.unprotectRTP(receiver, packets[0]) }
        _ = try T.unprotectRTP(receiver, packets[99])
        Self.expectError(.replayed) { () throws(SRTPError) in try T.unprotectRTP(receiver, packets[99]) }
        // 99 - 35 = 64: just outside the 64-packet window.
        Self.expectError(.replayed) { () throws(SRTPError) in try T.unprotectRTP(receiver, packets[35]) }
        #expect(try T.unprotectRTP(receiver, packets[36]).count == packets[36].count - profile.rtpAuthTagLength)
    }

    @Test("SRTP packets out of order within the window are accepted once each", arguments: SRTPProfile.allCases)
    func outOfOrderAccepted(profile: SRTPProfile) throws {
        let (sender, receiver) = try Self.pair(profile)
        // Across the wrap: 65530 … 65535, 0 … 9.
        let plain = (0..<16).map { T.rtpPacket(sequenceNumber: UInt16(truncatingIfNeeded: 65530 + $0), ssrc: 9, payloadLength: 30) }
        let packets = try plain.map { try T.protectRTP(sender, $0) }
        for i in [0, 3, 2, 1, 9, 5, 4, 15, 6, 7, 8, 14, 10, 13, 12, 11] {
            #expect(try T.unprotectRTP(receiver, packets[i]) == plain[i])
        }
        for i in [0, 7, 15] {
            Self.expectError(.replayed) { () throws(SRTPError) in try T.unprotectRTP(receiver, packets[i]) }
        }
    }

    @Test("a tampered SRTP packet is rejected and does not advance the window", arguments: SRTPProfile.allCases)
    func tamperedRejected(profile: SRTPProfile) throws {
        let (sender, receiver) = try Self.pair(profile)
        let packet = try T.protectRTP(sender, T.rtpPacket(sequenceNumber: 1, ssrc: 3, csrcCount: 1, payloadLength: 64))
        for position in [1, 8, 12, 20, packet.count - 11, packet.count - 1] {
            var tampered = packet
            tampered[position] ^= 0x01
            Self.expectError(.authenticationFailed) { () throws(SRTPError) in try T.unprotectRTP(receiver, tampered) }
        }
        #expect(receiver.rtpStreams[3] == nil)
        #expect(try T.unprotectRTP(receiver, packet).count == packet.count - profile.rtpAuthTagLength)
    }

    @Test("truncated packets and small buffers are rejected", arguments: SRTPProfile.allCases)
    func truncatedRejected(profile: SRTPProfile) throws {
        let (sender, receiver) = try Self.pair(profile)
        let plain = T.rtpPacket(sequenceNumber: 1, ssrc: 3, csrcCount: 2, extensionWords: 2, payloadLength: 0)
        let packet = try T.protectRTP(sender, plain)
        Self.expectError(.packetTooShort) { () throws(SRTPError) in try T.unprotectRTP(receiver, Array(packet.prefix(11))) }
        // Header claims CSRCs and an extension that the packet no longer holds.
        Self.expectError(.packetTooShort) { () throws(SRTPError) in try T.unprotectRTP(receiver, Array(packet.prefix(30))) }
        Self.expectError(.packetTooShort) { () throws(SRTPError) in try T.protectRTP(sender, Array(plain.prefix(20))) }
        Self.expectError(.packetTooShort) { () throws(SRTPError) in try T.unprotectRTCP(receiver, Array(repeating: 0x80, count: 8 + profile.rtcpOverhead - 1)) }
        Self.expectError(.packetTooShort) { () throws(SRTPError) in try T.protectRTCP(sender, [0x80, 200, 0, 1]) }
        var buffer = plain + [UInt8](repeating: 0, count: profile.rtpAuthTagLength - 1)
        let count = plain.count
        Self.expectError(.bufferTooSmall) { () throws(SRTPError) in
            let result: Result<Int, SRTPError> = buffer.withUnsafeMutableBytes { raw in
                Result { () throws(SRTPError) in try sender.protectRTP(raw.baseAddress!, length: count, capacity: raw.count) }
            }
            return [UInt8(truncatingIfNeeded: try result.get())]
        }
    }

    @Test("SRTCP: replay and tampering rejected, reordering accepted", arguments: SRTPProfile.allCases)
    func rtcpRules(profile: SRTPProfile) throws {
        let (sender, receiver) = try Self.pair(profile)
        let plain = (0..<70).map { T.rtcpPacket(ssrc: 0x51, bodyLength: 4 * ($0 % 5)) }
        let packets = try plain.map { try T.protectRTCP(sender, $0) }
        #expect(try T.unprotectRTCP(receiver, packets[5]) == plain[5])
        #expect(try T.unprotectRTCP(receiver, packets[2]) == plain[2])
        Self.expectError(.replayed) { () throws(SRTPError) in try T.unprotectRTCP(receiver, packets[5]) }
        #expect(try T.unprotectRTCP(receiver, packets[69]) == plain[69])
        Self.expectError(.replayed) { () throws(SRTPError) in try T.unprotectRTCP(receiver, packets[4]) }
        var tampered = packets[68]
        tampered[tampered.count - 1] ^= 0x80
        Self.expectError(.authenticationFailed) { () throws(SRTPError) in try T.unprotectRTCP(receiver, tampered) }
        var flipped = packets[68]
        flipped[9] ^= 0x01
        Self.expectError(.authenticationFailed) { () throws(SRTPError) in try T.unprotectRTCP(receiver, flipped) }
        #expect(try T.unprotectRTCP(receiver, packets[68]) == plain[68])
    }

    @Test("replay window slides and remembers", arguments: [
        // (recorded indices, probe, accepted)
        ([UInt64](), UInt64(5), true),
        ([10], 10, false),
        ([10], 9, true),
        ([100], 37, true),
        ([100], 36, false),
        ([100, 37], 37, false),
        ([1, 200], 1, false),
        ([0, 1, 2, 3], 4, true),
    ])
    func replayWindow(recorded: [UInt64], probe: UInt64, accepted: Bool) {
        var window = SRTPReplayWindow()
        for index in recorded { window.record(index) }
        #expect(window.accepts(probe) == accepted)
    }

    @Test("ROC estimation follows RFC 3711 Appendix A", arguments: [
        // (highest index so far, sequence number, estimated index)
        (UInt64(0x0_fff0), UInt16(0x0005), UInt64?(0x1_0005)),
        (0x1_0005, 0xfff0, 0x0_fff0),
        (0x1_8000, 0x0001, 0x1_0001),
        (0x1_8001, 0x0000, 0x2_0000),
        (0x0_0005, 0xfff0, nil),
        (0x3_1234, 0x1235, 0x3_1235),
    ])
    func rocEstimation(highest: UInt64, sequenceNumber: UInt16, expected: UInt64?) {
        var window = SRTPReplayWindow()
        window.record(highest)
        #expect(window.estimateIndex(sequenceNumber: sequenceNumber) == expected)
    }

    @Test("profiles: DTLS-SRTP ids, OpenSSL names and lengths", arguments: [
        (SRTPProfile.aes128CmHmacSha1_80, "SRTP_AES128_CM_SHA1_80", UInt16(1), 14, 10, 14),
        (.aeadAes128Gcm, "SRTP_AEAD_AES_128_GCM", 7, 12, 16, 20),
    ])
    func profiles(profile: SRTPProfile, name: String, id: UInt16, salt: Int, tag: Int, rtcp: Int) throws {
        #expect(SRTPProfile(openSSLName: name) == profile)
        #expect(SRTPProfile(rawValue: id) == profile)
        #expect(profile.keyLength == 16)
        #expect(profile.saltLength == salt)
        #expect(profile.rtpAuthTagLength == tag)
        #expect(profile.rtcpOverhead == rtcp)
        #expect(SRTPProfile(openSSLName: "SRTP_AES128_CM_SHA1_32") == nil)
        #expect(throws: SRTPError.keyDerivationFailed) {
            try SRTPContext(profile: profile, masterKey: [UInt8](repeating: 0, count: 16), masterSalt: [1, 2, 3])
        }
    }
}
