// 5. One streamer packet forwarded to N viewers (N = 1, 10, 100): the per-packet fan-out of a
//    streaming room as the data plane runs it, on the room's event loop.
//
// Set-up through the public control API: a MediaServer with one worker listening on
// 127.0.0.1, a streaming room, a streamer (VP8; MID and abs-send-time extensions) and
// N viewers joined with SDP offers. ICE and DTLS are skipped with
// `WebRTCTransport.establishForTesting` (AEAD_AES_128_GCM keys, as browsers negotiate); every
// transport's remote address is a UDP socket of its own on 127.0.0.1 that nobody reads (the
// kernel drops what overflows its buffer): one per viewer, as in a real room, so UDP GSO has
// nothing to coalesce across viewers. Nothing is sent anywhere else.
//
// Measured, per streamer packet: RTPPacketView parse, the publisher's stream lookup, reception
// statistics and retransmission-ring store, then for each viewer the SSRC / sequence /
// timestamp / payload-type rewrite, header-extension ID remap (the streamer's MID is blanked for
// viewers), copy into the socket's next send slot, SRTP protect there, queue, restore; then the
// worker's flush: one sendmmsg of the N datagrams to the loopback sinks. That is a read batch
// holding one streamer packet, the common case for one room (a video streamer sends a few
// hundred packets a second). Not measured: the ingress recvmmsg and SRTP unprotect (see the SRTP
// benchmarks for the cipher's cost). The kernel's share is large; the Reference-loopback-*
// benchmarks measure sendmmsg alone with the same datagrams.
//
// The packets run inside one task on the worker's event loop, as the data plane does; the
// measurement starts and stops inside that task, so the hop onto the loop (a closure) is outside
// it, and the benchmark thread waits on a semaphore made once. Mallocs are counted process-wide:
// this benchmark must report 0. The server's once-a-second housekeeping (idle-room expiry:
// MediaServer.expireIdleRooms, a timer and a hop onto the loop) allocates a few times on other
// threads (`--allocation-stacks` shows it); samples are kept short (1000 packets for N = 1, one
// packet otherwise) so that it lands in a negligible fraction of them: p100 may show it, p90
// (what the thresholds check) does not.

import Benchmark
import Dispatch
import Glibc
import ICE
import Logging
import NIOCore
import RTP
import SFU

final class FanOutBench: @unchecked Sendable {  // used on the worker's loop only, after set-up
    let server: MediaServer
    let worker: MediaWorker
    let streamer: WebRTCTransport
    let publisher: any TransportDelegate
    let viewers: [WebRTCTransport]
    let packet: UnsafeMutableRawBufferPointer
    let sinks: [Int32]
    var sequence: UInt16 = 1000
    var timestamp: UInt32 = 90_000
    /// Packets handed to the publisher so far.
    var forwarded = 0

    private init(server: MediaServer, worker: MediaWorker, streamer: WebRTCTransport, publisher: any TransportDelegate,
                 viewers: [WebRTCTransport], sinks: [Int32]) {
        self.server = server
        self.worker = worker
        self.streamer = streamer
        self.publisher = publisher
        self.viewers = viewers
        self.sinks = sinks
        packet = pinnedCopy(videoPacket(ssrc: 0x5EED_0001, transportCC: false))
    }

    static func make(viewers count: Int) async throws -> FanOutBench {
        // The sinks: a UDP socket on loopback per transport.
        let sinkList = (0...count).map { _ in loopbackSink() }
        let sinkAddresses = sinkList.map { TransportAddress.v4(0x7F00_0001, port: $0.port) }

        var configuration = MediaConfiguration()
        configuration.listenAddress = "127.0.0.1"
        configuration.port = 0
        configuration.workers = 1
        // No consent expiry or periodic transport work during the run.
        configuration.tickInterval = .seconds(3600)
        configuration.consentTimeout = .seconds(3600)
        let server = try MediaServer(configuration: configuration,
                                     logger: Logger(label: "micro", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await server.start()
        _ = try await server.createRoom(id: "fanout", kind: .streaming, description: nil)
        let streamerID = try await server.addParticipant(
            roomID: "fanout", .init(offer: offer(ufrag: "strm", direction: "sendonly", ssrc: 0x5EED_0001), role: .streamer)).id
        var viewerIDs: [String] = []
        for i in 0..<count {
            viewerIDs.append(try await server.addParticipant(
                roomID: "fanout", .init(offer: offer(ufrag: "view\(i)", direction: "recvonly", ssrc: nil), role: .viewer)).id)
        }

        let worker = server.workers[0]
        let ids = viewerIDs
        let (localKey, localSalt) = masterKeyAndSalt(.aeadAes128Gcm, seed: 5)
        let (remoteKey, remoteSalt) = masterKeyAndSalt(.aeadAes128Gcm, seed: 6)
        let bench = try await worker.eventLoop.submit { () -> UncheckedSendable<FanOutBench> in
            for (i, id) in ([streamerID] + ids).enumerated() {
                try worker.transports[id]!.establishForTesting(
                    profile: .aeadAes128Gcm, localKey: localKey, localSalt: localSalt,
                    remoteKey: remoteKey, remoteSalt: remoteSalt, remote: sinkAddresses[i])
            }
            let streamer = worker.transports[streamerID]!
            let bench = FanOutBench(server: server, worker: worker, streamer: streamer, publisher: streamer.delegate!,
                                    viewers: ids.map { worker.transports[$0]! }, sinks: sinkList.map(\.fd))
            // The first packet is the slow path: the publisher learns the stream (by MID),
            // every viewer's video track is anchored on it (a key frame).
            bench.forwardOne()
            for v in bench.viewers {
                precondition(v.state == .connected && v.counters.packetsSent == 1,
                             "viewer \(v.id) sent \(v.counters.packetsSent) packets")
            }
            return UncheckedSendable(value: bench)
        }.get().value
        return bench
    }

    /// One packet from the streamer, as the transport hands it over after SRTP unprotect.
    @inline(__always)
    func forwardOne() {
        packet.storeBytes(of: sequence.bigEndian, toByteOffset: 2, as: UInt16.self)
        packet.storeBytes(of: timestamp.bigEndian, toByteOffset: 4, as: UInt32.self)
        sequence &+= 1
        timestamp &+= 3000
        forwarded &+= 1
        let view = try! RTPPacketView(parsing: packet)
        publisher.transport(streamer, didReceiveRTP: view)
        worker.flush()
    }

    /// Runs `body` on the worker's loop and waits for it (set-up and checks).
    func onLoop(_ body: @escaping () -> Void) {
        let task = UncheckedSendable(value: body)
        try! worker.eventLoop.submit { task.value() }.wait()
    }

    /// Signalled by the loop when a measured task is done. Made once: waiting on it allocates
    /// nothing, unlike a future's blocking wait, whose lock and callback were allocated on this
    /// thread while the loop had already started measuring.
    private let done = DispatchSemaphore(value: 0)

    /// Forwards the sample's packets on the worker's loop, measured there, and waits for it.
    func measureOnLoop(_ benchmark: Benchmark) {
        let task = UncheckedSendable(value: (self, benchmark))
        worker.eventLoop.execute {
            let (state, benchmark) = task.value
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                state.forwardOne()
            }
            benchmark.stopMeasurement()
            state.done.signal()
        }
        done.wait()
    }

    /// Every viewer was sent every packet, and the kernel took every datagram.
    func verify() {
        onLoop { [self] in
            for v in viewers {
                precondition(v.counters.packetsSent == UInt64(forwarded),
                             "viewer \(v.id) sent \(v.counters.packetsSent) of \(forwarded) packets")
            }
            precondition(worker.sendFailures == 0, "\(worker.sendFailures) datagrams were not sent")
        }
    }

    func shutdown() async {
        await server.shutdown()
        for fd in sinks { close(fd) }
    }

    /// A browser-like offer with one video section (BUNDLE, rtcp-mux, VP8 with NACK and PLI).
    static func offer(ufrag: String, direction: String, ssrc: UInt32?) -> String {
        var lines = [
            "v=0",
            "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
            "s=-",
            "t=0 0",
            "a=group:BUNDLE 0",
            "a=extmap-allow-mixed",
            "a=msid-semantic: WMS",
            "m=video 9 UDP/TLS/RTP/SAVPF 96",
            "c=IN IP4 0.0.0.0",
            "a=rtcp:9 IN IP4 0.0.0.0",
            "a=ice-ufrag:\(ufrag)",
            "a=ice-pwd:WJhBfkMwaXl+6vGQOTnCTsSh",
            "a=ice-options:trickle",
            "a=fingerprint:sha-256 8B:0F:57:08:E3:C1:6A:79:3A:03:08:C9:46:D0:14:53:61:2D:BA:62:51:4A:11:3B:A1:E8:42:B9:E6:77:7E:05",
            "a=setup:actpass",
            "a=mid:0",
            "a=extmap:\(ExtensionID.absSendTime) http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
            "a=extmap:\(ExtensionID.transportCC) http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
            "a=extmap:\(ExtensionID.mid) urn:ietf:params:rtp-hdrext:sdes:mid",
            "a=\(direction)",
            "a=rtcp-mux",
            "a=rtcp-rsize",
            "a=rtpmap:96 VP8/90000",
            "a=rtcp-fb:96 nack",
            "a=rtcp-fb:96 nack pli",
        ]
        if let ssrc {
            lines += ["a=ssrc:\(ssrc) cname:0eTV+T9ubxdxqeBv"]
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

func registerForwardingBenchmarks() {
    for n in [1, 10, 100] {
        var bench: FanOutBench?
        Benchmark("Forward-1-packet-to-\(n)-viewer\(n == 1 ? "" : "s")",
                  configuration: configuration(scalingFactor: n == 1 ? .kilo : .one, maxDuration: .seconds(3),
                                               warmupIterations: n == 1 ? 3 : 100)) { benchmark in
            bench!.measureOnLoop(benchmark)
        } setup: {
            bench = try await FanOutBench.make(viewers: n)
        } teardown: {
            bench?.verify()
            await bench?.shutdown()
            bench = nil
        }
    }
}

/// A UDP socket bound to 127.0.0.1 on an ephemeral port, never read: the destination of every
/// datagram the benchmarks send. Returns the descriptor and the port.
func loopbackSink() -> (fd: Int32, port: UInt16) {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    precondition(fd >= 0, "socket: \(errno)")
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    precondition(bound, "bind 127.0.0.1: \(errno)")
    return (fd, UInt16(bigEndian: address.sin_port))
}
