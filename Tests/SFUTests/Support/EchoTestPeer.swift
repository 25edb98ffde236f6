import Glibc
import ICE
import NIOCore
import RTP
@testable import SFU

/// A worker on its own loop with one echo participant whose transport is established with known
/// SRTP keys (ICE and DTLS skipped), and a peer on a plain blocking UDP socket that talks to it.
/// As a browser does, the peer negotiates transport-cc and numbers its packets transport-wide
/// (extension 3): the bridge records each arrival, and the echo drops the number.
final class EchoTestPeer: @unchecked Sendable {
    let loop: MediaEventLoop
    let worker: MediaWorker
    let credentials = ICECredentials.random()
    let fd: Int32
    let peerOut: SRTPContext
    let peerIn: SRTPContext
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: 2048, alignment: 16)
    var bridgeAddress = sockaddr_in()
    var sequence: UInt16 = 65000  // crosses the wrap
    static let outboundSSRC: UInt32 = 0xB0B0_B0B0

    init(profile: SRTPProfile) async throws {
        loop = MediaEventLoop(name: "test")
        let context = try DTLSContext(certificate: try DTLSCertificate())
        let worker = MediaWorker(index: 0, eventLoop: loop, dtlsContext: context, logger: .init(label: "test"))
        self.worker = worker
        try await worker.start(host: "127.0.0.1", port: 0, tickInterval: .hours(1))

        let (fd, port) = loopbackPeerSocket(receiveBuffer: 16 << 20)
        self.fd = fd
        let peerAddress = TransportAddress.v4(0x7F00_0001, port: port)

        let keyA = [UInt8](repeating: 0x11, count: 16), saltA = [UInt8](repeating: 0x22, count: profile.saltLength)
        let keyB = [UInt8](repeating: 0x33, count: 16), saltB = [UInt8](repeating: 0x44, count: profile.saltLength)
        var video = NegotiatedMedia(mid: "0", kind: .video, direction: .sendrecv,
                                    codecs: [.init(payloadType: 96, name: "VP8", clockRate: 90000, channels: nil)],
                                    extensions: [3: Capabilities.transportSequenceURI], remoteSSRCs: [],
                                    localSSRC: Self.outboundSSRC, rejected: false)
        video.transportCC = true
        let credentials = self.credentials
        try await loop.submit {
            let t = try worker.makeTransport(id: "p", iceCredentials: credentials, remoteCredentials: nil, dtlsRole: .server,
                                             remoteFingerprint: [0], consentTimeout: .seconds(30))
            let room = EchoRoom(id: "r", description: nil, worker: worker, events: EventBus())
            let p = room.add(id: "p", display: nil, transport: t, media: [video])
            // The bridge writes with A and reads with B; the peer the other way round.
            try t.establishForTesting(profile: profile, localKey: keyA, localSalt: saltA, remoteKey: keyB, remoteSalt: saltB,
                                      remote: peerAddress)
            worker.testRetain = [p, room] as [AnyObject] as AnyObject
        }.get()
        peerOut = try SRTPContext(profile: profile, masterKey: keyB, masterSalt: saltB)
        peerIn = try SRTPContext(profile: profile, masterKey: keyA, masterSalt: saltA)
        bridgeAddress.sin_family = sa_family_t(AF_INET)
        bridgeAddress.sin_addr.s_addr = inet_addr("127.0.0.1")
        bridgeAddress.sin_port = UInt16(worker.localPort).bigEndian
    }

    /// Sends bytes as they are.
    func send(_ bytes: UnsafeRawBufferPointer) {
        _ = withUnsafePointer(to: &bridgeAddress) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        } }
    }

    /// Builds, protects and sends the next RTP packet (PT 96, SSRC 0x1234).
    ///
    /// It returns nothing on purpose: with its datagram returned as `Array(UnsafeRawBufferPointer)`
    /// and the result discarded, Swift 6.3's optimizer freed the array before filling it (a
    /// heap-use-after-free AddressSanitizer showed in release builds). `sendRTPDatagram()` builds
    /// the bytes for the callers that keep them.
    func sendRTP(payloadSize: Int = 1000) throws {
        send(UnsafeRawBufferPointer(start: buffer, count: try protectNextRTP(payloadSize: payloadSize)))
    }

    /// Builds and protects the next RTP packet in `buffer`; returns its length.
    func protectNextRTP(payloadSize: Int = 1000, payloadByte: UInt8 = 0xAB) throws -> Int {
        let packet = RTPPacket(payloadType: 96, sequenceNumber: sequence, timestamp: UInt32(sequence) &* 3000, ssrc: 0x1234,
                               extensions: [RTPHeaderExtension(id: 3, value: [UInt8(sequence >> 8), UInt8(sequence & 0xFF)])],
                               payload: [UInt8](repeating: payloadByte, count: payloadSize))
        sequence &+= 1
        let n = packet.serialize(into: UnsafeMutableRawBufferPointer(start: buffer, count: 2048))
        return try peerOut.protectRTP(buffer, length: n, capacity: 2048)
    }

    /// Waits (up to 2 s) for one datagram; true if it is our packet echoed with the bridge's SSRC.
    func receiveEcho(payloadSize: Int = 1000) throws -> Bool {
        let r = recv(fd, buffer, 2048, 0)
        guard r > 0 else { return false }
        let plain = try peerIn.unprotectRTP(buffer, length: r)
        let view = try RTPPacketView(parsing: UnsafeMutableRawBufferPointer(start: buffer, count: plain))
        return view.ssrc == Self.outboundSSRC && view.payloadLength == payloadSize
    }

    /// Sends `count` packets one at a time and counts the valid echoes.
    func exchange(_ count: Int) throws -> Int {
        var echoed = 0
        for _ in 0..<count {
            try sendRTP()
            if try receiveEcho() { echoed += 1 }
        }
        return echoed
    }

    func drops() async throws -> DropCounters {
        try await loop.submit { [worker] in worker.drops }.get()
    }

    func shutdown() async {
        close(fd)
        buffer.deallocate()
        await worker.stop()
        loop.syncShutdown()
    }
}

/// A blocking UDP socket for a test peer, bound to 127.0.0.1 on an ephemeral port, with a 2 s
/// receive timeout and a large receive buffer; returns it and its port.
func loopbackPeerSocket(receiveBuffer: Int32) -> (fd: Int32, port: UInt16) {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    var tv = timeval(tv_sec: 2, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    var rcvbuf = receiveBuffer
    if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, 4) != 0 { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, 4) }
    return (fd, UInt16(bigEndian: addr.sin_port))
}
