import CMallocCounter
import Glibc
import ICE
import NIOCore
import NIOPosix
import RTP
import Testing
@testable import SFU

/// The forwarding path allocates nothing per packet: a real UDP socket sends SRTP to a worker,
/// which receives (recvmmsg), decrypts, rewrites, encrypts and sends the packet back (sendmmsg).
/// Allocations are counted on the worker's event loop thread over 2000 packets after warm-up,
/// everything included: epoll wake-ups, the socket reads and writes, the room's rewrite.
#if DEBUG
let optimizedBuild = false
#else
let optimizedBuild = true
#endif

/// Debug builds leave generics unspecialized (NIO then allocates boxes per read), so the count is
/// only meaningful optimized: scripts/test.sh runs this suite with `swift test -c release`.
@Suite(.enabled(if: optimizedBuild, "allocation counts need an optimized build (swift test -c release)"))
struct ZeroAllocationTests {
    @Test(arguments: [SRTPProfile.aeadAes128Gcm, .aes128CmHmacSha1_80])
    func steadyStateEchoAllocatesNothing(profile: SRTPProfile) async throws {
        let loop = MediaEventLoop(name: "test")
        let context = try DTLSContext(certificate: try DTLSCertificate())
        let worker = MediaWorker(index: 0, eventLoop: loop, dtlsContext: context, logger: .init(label: "test"))
        try await worker.start(host: "127.0.0.1", port: 0, tickInterval: .hours(1))

        // The peer: a plain blocking UDP socket.
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(fd >= 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        var tv = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        // Room for a burst of 2000 echoes (SO_RCVBUFFORCE needs root, as the tests run; else best effort).
        var rcvbuf: Int32 = 16 << 20
        if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, 4) != 0 {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, 4)
        }
        let peerPort = Int(UInt16(bigEndian: addr.sin_port))
        let peerAddress = TransportAddress.v4(0x7F00_0001, port: UInt16(peerPort))

        let keyA = [UInt8](repeating: 0x11, count: 16), saltA = [UInt8](repeating: 0x22, count: profile.saltLength)
        let keyB = [UInt8](repeating: 0x33, count: 16), saltB = [UInt8](repeating: 0x44, count: profile.saltLength)
        let video = NegotiatedMedia(mid: "0", kind: .video, direction: .sendrecv,
                                    codecs: [.init(payloadType: 96, name: "VP8", clockRate: 90000, channels: nil)],
                                    extensions: [:], remoteSSRCs: [], localSSRC: 0xB0B0_B0B0, rejected: false)
        try await loop.submit {
            let t = try worker.makeTransport(id: "p", iceCredentials: .random(), remoteCredentials: nil, dtlsRole: .server,
                                             remoteFingerprint: [0], consentTimeout: .seconds(30))
            let p = EchoParticipant(id: "p", display: nil, transport: t, media: [video])
            t.delegate = p
            // Bridge writes with A, reads with B; the peer the other way round.
            try t.establishForTesting(profile: profile, localKey: keyA, localSalt: saltA, remoteKey: keyB, remoteSalt: saltB,
                                      remote: peerAddress)
            // Keep the participant alive for the test.
            worker.testRetain = p
        }.get()
        let peerOut = try SRTPContext(profile: profile, masterKey: keyB, masterSalt: saltB)
        let peerIn = try SRTPContext(profile: profile, masterKey: keyA, masterSalt: saltA)

        var bridgeAddr = sockaddr_in()
        bridgeAddr.sin_family = sa_family_t(AF_INET)
        bridgeAddr.sin_addr.s_addr = inet_addr("127.0.0.1")
        bridgeAddr.sin_port = UInt16(worker.localPort).bigEndian

        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 2048, alignment: 16)
        defer { buffer.deallocate() }
        var sequence: UInt16 = 65000  // crosses the wrap
        var echoed = 0
        func exchange(_ count: Int) throws {
            for _ in 0..<count {
                // V=2, PT=96, seq, timestamp, SSRC 0x1234, 1000 bytes of payload.
                let packet = RTPPacket(marker: false, payloadType: 96, sequenceNumber: sequence, timestamp: UInt32(sequence) &* 3000,
                                       ssrc: 0x1234, payload: [UInt8](repeating: 0xAB, count: 1000))
                let n = packet.serialize(into: UnsafeMutableRawBufferPointer(start: buffer, count: 2048))
                sequence &+= 1
                let protected = try peerOut.protectRTP(buffer, length: n, capacity: 2048)
                _ = withUnsafePointer(to: &bridgeAddr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, buffer, protected, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                } }
                let r = recv(fd, buffer, 2048, 0)
                guard r > 0 else { continue }
                let plain = try peerIn.unprotectRTP(buffer, length: r)
                let view = try RTPPacketView(parsing: UnsafeMutableRawBufferPointer(start: buffer, count: plain))
                if view.ssrc == 0xB0B0_B0B0 && view.payloadLength == 1000 { echoed += 1 }
            }
        }
        try exchange(300)  // warm-up: tables, pools, NIO's buffers
        #expect(echoed >= 290)

        // The hops onto the loop that start and stop the counter cost a future completion each:
        // measured with no traffic in between, and subtracted.
        try await loop.submit { malloc_counter_start() }.get()
        let baseline = try await loop.submit { malloc_counter_stop() }.get()
        echoed = 0
        try await loop.submit { malloc_counter_start() }.get()
        try exchange(2000)
        let counted = try await loop.submit { malloc_counter_stop() }.get()
        #expect(baseline <= 4, "the start/stop hops alone allocated \(baseline) times")
        let allocations = counted - min(counted, baseline)
        #expect(echoed >= 1990, "echoed \(echoed) of 2000")
        #expect(allocations == 0, "\(allocations) allocations on the event loop for 2000 forwarded packets")
        print("allocations per forwarded packet (\(profile)): \(Double(allocations) / 2000)")
        close(fd)
        await worker.stop()
        loop.syncShutdown()
    }
}
