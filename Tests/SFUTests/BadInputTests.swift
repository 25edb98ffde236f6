import Glibc
import ICE
import RTP
import Testing
@testable import SFU

/// Bad datagrams on the shared port are dropped and counted per reason, and the call that shares
/// the port goes on: after each one, a valid packet still comes back echoed.
@Suite struct BadInputTests {
    enum Source { case peer, stranger }

    /// (name, where it comes from, how to make it from the peer's state, the counter it must raise)
    static let cases: [(String, Source, @Sendable (EchoTestPeer) throws -> [UInt8], DropReason)] = [
        ("first byte outside RFC 7983 ranges", .peer, { _ in [0xFF, 0x00, 0x01] }, .unknownFirstByte),
        ("SRTP with a corrupted tag", .peer, { p in var d = try p.sendRTPDatagram(); d[d.count - 1] ^= 0x01; return d },
         .srtpAuthenticationFailed),
        ("SRTP truncated to its RTP header", .peer, { p in Array(try p.sendRTPDatagram().prefix(12)) }, .srtpMalformed),
        ("STUN header promising more than it has", .peer, { _ in
            [0x00, 0x01, 0x00, 0x64,  // binding request, length 100
             0x21, 0x12, 0xA4, 0x42,  // magic cookie
             1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]  // transaction id, then nothing
        }, .malformedSTUN),
        ("STUN check with the right ufrag and a wrong password", .peer, { p in
            STUNMessage(messageClass: .request, transactionID: .random(),
                        attributes: [.username("\(p.credentials.ufrag):peer"), .priority(1), .iceControlling(7)])
                .serialized(integrityKey: Array("not-the-password-at-all".utf8))
        }, .stunBadIntegrity),
        ("STUN check for an unknown ufrag", .peer, { _ in
            STUNMessage(messageClass: .request, transactionID: .random(), attributes: [.username("nobody:peer")])
                .serialized(integrityKey: Array("whatever-password-123".utf8))
        }, .stunUnknownUsername),
        ("DTLS from an address no check came from", .stranger, { _ in [22, 0xFE, 0xFD] + [UInt8](repeating: 0, count: 60) },
         .dtlsFromUnknownAddress),
        ("SRTP from an address no check came from", .stranger, { p in try p.sendRTPDatagram() }, .srtpFromUnknownAddress),
    ]

    @Test(arguments: 0..<cases.count)
    func droppedCountedAndHarmless(index: Int) async throws {
        let (name, source, make, reason) = Self.cases[index]
        let peer = try await EchoTestPeer(profile: .aeadAes128Gcm)
        #expect(try peer.exchange(5) == 5, "\(name): no echo before")
        let before = try await peer.drops()[reason]
        let datagram = try make(peer)
        switch source {
        case .peer:
            datagram.withUnsafeBytes { peer.send($0) }
        case .stranger:
            let other = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            _ = datagram.withUnsafeBytes { d in withUnsafePointer(to: &peer.bridgeAddress) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(other, d.baseAddress, d.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            } } }
            close(other)
        }
        #expect(try peer.exchange(5) == 5, "\(name): the call stopped")
        #expect(try await peer.drops()[reason] == before + 1, "\(name): not counted as \(reason.name)")
        await peer.shutdown()
    }

    @Test func replayedSRTPIsDroppedAndCounted() async throws {
        let peer = try await EchoTestPeer(profile: .aes128CmHmacSha1_80)
        let datagram = try peer.sendRTPDatagram()
        datagram.withUnsafeBytes { peer.send($0) }
        #expect(try peer.receiveEcho())
        datagram.withUnsafeBytes { peer.send($0) }  // the same packet again
        #expect(try peer.exchange(3) == 3)
        #expect(try await peer.drops()[.srtpReplayed] == 1)
        await peer.shutdown()
    }

    @Test func randomBytesNeverStopTheWorker() async throws {
        let peer = try await EchoTestPeer(profile: .aeadAes128Gcm)
        var rng = SystemRandomNumberGenerator()
        for i in 0..<2000 {
            var junk = (0..<Int.random(in: 1...1400, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            junk[0] = [0x00, 0x01, 0x16, 0x80, 0x90, 0xFF][i % 6]  // STUN, DTLS, RTP, unknown
            junk.withUnsafeBytes { peer.send($0) }
        }
        #expect(try peer.exchange(10) == 10)
        #expect(try await peer.drops().total >= 1900)
        await peer.shutdown()
    }
}

extension EchoTestPeer {
    /// The next protected RTP datagram, built but not sent.
    func sendRTPDatagram() throws -> [UInt8] {
        let length = try protectNextRTP(payloadByte: 0xCD)
        return Array(UnsafeRawBufferPointer(start: buffer, count: length))
    }
}
