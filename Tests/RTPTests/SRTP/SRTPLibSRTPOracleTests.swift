import Testing
@testable import RTP

/// Cross-checks against Debian's libsrtp2 (the oracle): both directions, byte-identical output,
/// over runs that cross the sequence number wrap with CSRCs, header extensions and varying sizes.
@Suite("SRTP against libsrtp2")
struct SRTPLibSRTPOracleTests {
    typealias T = SRTPTestSupport

    /// 300 packets starting at sequence number 65400, so the ROC goes from 0 to 1 mid-run.
    static func rtpRun(ssrc: UInt32) -> [[UInt8]] {
        (0..<300).map { i in
            T.rtpPacket(
                sequenceNumber: UInt16(truncatingIfNeeded: 65400 + i), timestamp: UInt32(i * 3000), ssrc: ssrc,
                csrcCount: i % 3, extensionWords: i % 4 == 0 ? nil : i % 4,
                payloadLength: [0, 1, 17, 160, 1000, 1200][i % 6], marker: i % 5 == 0)
        }
    }

    static func rtcpRun(ssrc: UInt32) -> [[UInt8]] {
        (0..<50).map { i in T.rtcpPacket(ssrc: ssrc, bodyLength: [0, 4, 20, 48, 300][i % 5]) }
    }

    @Test("our SRTP protect → libsrtp unprotect, byte-identical to libsrtp protect", arguments: SRTPProfile.allCases)
    func ourProtectLibSRTPUnprotect(profile: SRTPProfile) throws {
        let (key, salt) = T.master(profile)
        let ours = try SRTPContext(profile: profile, masterKey: key, masterSalt: salt)
        let theirsOut = LibSRTPSession(profile: profile, key: key, salt: salt, outbound: true)
        let theirsIn = LibSRTPSession(profile: profile, key: key, salt: salt, outbound: false)
        for packet in Self.rtpRun(ssrc: 0xCAFE_BABE) {
            let protected = try T.protectRTP(ours, packet)
            #expect(protected.count == packet.count + profile.rtpAuthTagLength)
            #expect(protected == theirsOut.protect(packet))
            #expect(theirsIn.unprotect(protected) == packet)
        }
    }

    @Test("libsrtp SRTP protect → our unprotect", arguments: SRTPProfile.allCases)
    func libSRTPProtectOurUnprotect(profile: SRTPProfile) throws {
        let (key, salt) = T.master(profile, seed: 9)
        let ours = try SRTPContext(profile: profile, masterKey: key, masterSalt: salt)
        let theirs = LibSRTPSession(profile: profile, key: key, salt: salt, outbound: true)
        for ssrc: UInt32 in [1, 0xFFFF_FFFF] {
            for packet in Self.rtpRun(ssrc: ssrc) {
                let protected = try #require(theirs.protect(packet))
                #expect(try T.unprotectRTP(ours, protected) == packet)
            }
        }
        #expect(ours.rtpStreams[1]?.window.highest == 65400 + 299)
    }

    @Test("our SRTCP protect → libsrtp unprotect, byte-identical to libsrtp protect", arguments: SRTPProfile.allCases)
    func ourProtectRTCPLibSRTPUnprotect(profile: SRTPProfile) throws {
        let (key, salt) = T.master(profile, seed: 3)
        let ours = try SRTPContext(profile: profile, masterKey: key, masterSalt: salt)
        let theirsOut = LibSRTPSession(profile: profile, key: key, salt: salt, outbound: true)
        let theirsIn = LibSRTPSession(profile: profile, key: key, salt: salt, outbound: false)
        for packet in Self.rtcpRun(ssrc: 0x0102_0304) {
            let protected = try T.protectRTCP(ours, packet)
            #expect(protected.count == packet.count + profile.rtcpOverhead)
            #expect(protected == theirsOut.protectRTCP(packet))
            #expect(theirsIn.unprotectRTCP(protected) == packet)
        }
    }

    @Test("libsrtp SRTCP protect → our unprotect", arguments: SRTPProfile.allCases)
    func libSRTPProtectRTCPOurUnprotect(profile: SRTPProfile) throws {
        let (key, salt) = T.master(profile, seed: 4)
        let ours = try SRTPContext(profile: profile, masterKey: key, masterSalt: salt)
        let theirs = LibSRTPSession(profile: profile, key: key, salt: salt, outbound: true)
        for packet in Self.rtcpRun(ssrc: 0xDEAD_BEEF) {
            let protected = try #require(theirs.protectRTCP(packet))
            #expect(try T.unprotectRTCP(ours, protected) == packet)
        }
    }

    @Test("keying material export drives both sides", arguments: SRTPProfile.allCases)
    func keyingMaterialSplit(profile: SRTPProfile) throws {
        let exported = (0..<SRTPKeyingMaterial.exportLength(for: profile)).map { UInt8($0) }
        let material = try #require(SRTPKeyingMaterial(exported: exported, profile: profile))
        let k = profile.keyLength, s = profile.saltLength
        #expect(material.clientKey == Array(exported[0..<k]))
        #expect(material.serverKey == Array(exported[k..<2 * k]))
        #expect(material.clientSalt == Array(exported[2 * k..<2 * k + s]))
        #expect(material.serverSalt == Array(exported[2 * k + s..<2 * k + 2 * s]))
        #expect(SRTPKeyingMaterial(exported: exported + [0], profile: profile) == nil)

        let sender = LibSRTPSession(profile: profile, key: material.clientKey, salt: material.clientSalt, outbound: true)
        let receiver = try SRTPContext(profile: profile, masterKey: material.clientKey, masterSalt: material.clientSalt)
        let packet = T.rtpPacket(sequenceNumber: 7, ssrc: 42, payloadLength: 100)
        #expect(try T.unprotectRTP(receiver, try #require(sender.protect(packet))) == packet)
    }
}
