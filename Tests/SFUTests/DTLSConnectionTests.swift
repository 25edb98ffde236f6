import RTP
import Testing
@testable import SFU

/// Both DTLS roles over memory: the handshake completes, both ends export the same keys (each
/// side's local key is the other's remote key), and a wrong fingerprint fails the handshake.
@Suite struct DTLSConnectionTests {
    struct Peer {
        let certificate: DTLSCertificate
        let context: DTLSContext
        init(profiles: String = DTLSContext.srtpProfiles) throws {
            certificate = try DTLSCertificate()
            context = try DTLSContext(certificate: certificate, srtpProfiles: profiles)
        }
        var fingerprint: [UInt8] { DTLSCertificate.parse(certificate.sha256Fingerprint)! }
    }

    /// Pumps datagrams between the two ends until both report an event or nothing moves.
    static func handshake(client: DTLSConnection, server: DTLSConnection) -> (DTLSConnection.Event?, DTLSConnection.Event?, Int) {
        var toServer: [[UInt8]] = [], toClient: [[UInt8]] = []
        var clientEvent: DTLSConnection.Event?, serverEvent: DTLSConnection.Event?
        var largest = 0
        _ = server.start { _ in }
        clientEvent = client.start { toServer.append(Array($0)) }
        for _ in 0..<20 {
            for d in toServer { largest = max(largest, d.count); if let e = d.withUnsafeBytes({ server.receive($0) { toClient.append(Array($0)) } }) { serverEvent = e } }
            toServer.removeAll()
            for d in toClient { largest = max(largest, d.count); if let e = d.withUnsafeBytes({ client.receive($0) { toServer.append(Array($0)) } }) { clientEvent = e } }
            toClient.removeAll()
            if clientEvent != nil && serverEvent != nil && toServer.isEmpty { break }
        }
        return (clientEvent, serverEvent, largest)
    }

    @Test(arguments: [
        ("SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80", SRTPProfile.aeadAes128Gcm),
        ("SRTP_AES128_CM_SHA1_80", SRTPProfile.aes128CmHmacSha1_80),
    ])
    func handshakeExportsMatchingKeys(clientProfiles: String, expected: SRTPProfile) throws {
        let a = try Peer(profiles: clientProfiles), b = try Peer()
        let client = try DTLSConnection(context: a.context, role: .client, remoteFingerprint: b.fingerprint)
        let server = try DTLSConnection(context: b.context, role: .server, remoteFingerprint: a.fingerprint)
        let (ce, se, largest) = Self.handshake(client: client, server: server)
        guard case .connected(let c)? = ce, case .connected(let s)? = se else {
            Issue.record("handshake did not complete: client \(String(describing: ce)) server \(String(describing: se))")
            return
        }
        #expect(c.profile == expected && s.profile == expected)
        #expect(c.localKey == s.remoteKey && c.localSalt == s.remoteSalt)
        #expect(c.remoteKey == s.localKey && c.remoteSalt == s.localSalt)
        #expect(c.localKey != c.remoteKey)
        #expect(c.localKey.count == 16 && c.localSalt.count == expected.saltLength)
        #expect(largest <= DTLSConnection.mtu, "a datagram of \(largest) bytes exceeds the MTU")
        #expect(client.state == .connected(expected) && server.state == .connected(expected))
    }

    @Test func wrongFingerprintFailsTheHandshake() throws {
        let a = try Peer(), b = try Peer(), stranger = try Peer()
        let client = try DTLSConnection(context: a.context, role: .client, remoteFingerprint: stranger.fingerprint)
        let server = try DTLSConnection(context: b.context, role: .server, remoteFingerprint: a.fingerprint)
        let (ce, _, _) = Self.handshake(client: client, server: server)
        #expect(ce == .failed(.fingerprintMismatch))
    }

    @Test func garbageDuringTheHandshakeIsNotACrash() throws {
        let a = try Peer()
        let server = try DTLSConnection(context: a.context, role: .server, remoteFingerprint: a.fingerprint)
        _ = server.start { _ in }
        var rng = SystemRandomNumberGenerator()
        for n in [1, 13, 14, 100, 1500] {
            var junk = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            junk[0] = 22  // handshake content type
            _ = junk.withUnsafeBytes { server.receive($0) { _ in } }
        }
        // Whatever OpenSSL made of it, the connection is in a defined state and not connected.
        if case .connected = server.state { Issue.record("garbage completed a handshake") }
    }

    @Test func certificateFingerprintFormat() throws {
        let c = try DTLSCertificate()
        let parts = c.sha256Fingerprint.split(separator: ":")
        #expect(parts.count == 32)
        #expect(parts.allSatisfy { $0.count == 2 && $0.uppercased() == $0 })
        #expect(DTLSCertificate.parse(c.sha256Fingerprint)?.count == 32)
        #expect(DTLSCertificate.parse("zz:11") == nil)
    }
}

@Suite struct DTLSRecordTests {
    @Test(arguments: [
        ("ClientHello record", [22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0] as [UInt8], true),
        ("two records", [20, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1,  // change_cipher_spec
                         22, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], true),  // empty handshake
        ("DTLS 1.0 version", [22, 0xFE, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], true),
        ("shorter than a header", [22, 0xFE, 0xFD, 0, 0], false),
        ("length past the end", [22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 1], false),
        ("TLS version", [22, 0x03, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], false),
        ("content type 63", [63, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], false),
        ("trailing bytes after a record", [22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 22, 0xFE], false),
    ])
    func framing(name: String, bytes: [UInt8], expected: Bool) {
        #expect(bytes.withUnsafeBytes { DTLSRecord.isWellFormed($0) } == expected, "\(name)")
    }
}
