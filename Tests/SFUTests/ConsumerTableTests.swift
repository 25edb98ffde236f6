import Foundation
import ICE
import RTP
import Testing
@testable import SFU

/// The fan-out's table of consumers, through real transports: each consumer's slot rewrites a
/// packet for its own subscriber (SSRC, sequence, timestamp, payload type, extension IDs), and
/// moves between the active and the inactive part without disturbing the others.
@Suite struct ConsumerTableTests {
    /// A worker with `n` subscribers, each a transport established with its own keys, and
    /// each consuming from one table in a VP8 section with payload type 127 and the
    /// abs-send-time extension as ID 9.
    final class Bench: @unchecked Sendable {
        let loop = MediaEventLoop(name: "consumers")
        let worker: MediaWorker
        let table = ConsumerTable()
        var consumers: [Consumer] = []
        var peers: [SRTPTestPeer] = []
        static let absSendTime = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
        /// What the source sends: VP8 as 96, abs-send-time as 2.
        static let source = NegotiatedMedia(mid: "0", kind: .video, direction: .recvonly,
                                            codecs: [.init(payloadType: 96, name: "VP8", clockRate: 90000, channels: nil)],
                                            extensions: [2: absSendTime], remoteSSRCs: [], localSSRC: nil, rejected: false)

        init(subscribers n: Int) async throws {
            let context = try DTLSContext(certificate: try DTLSCertificate())
            worker = MediaWorker(index: 0, eventLoop: loop, dtlsContext: context, logger: .init(label: "test"))
            try await worker.start(host: "127.0.0.1", port: 0, tickInterval: .hours(1))
            for i in 0..<n {
                let peer = try SRTPTestPeer(seed: UInt8(0x10 + 4 * i), bridgePort: worker.localPort)
                peers.append(peer)
                let (worker, table) = (worker, table)
                let consumer = try await loop.submit {
                    let t = try worker.makeTransport(id: "s\(i)", iceCredentials: .random(), remoteCredentials: nil, dtlsRole: .server,
                                                     remoteFingerprint: [0], consentTimeout: .seconds(30))
                    try peer.establish(t)
                    let section = NegotiatedMedia(mid: "1", kind: .video, direction: .sendonly,
                                                  codecs: [.init(payloadType: 127, name: "VP8", clockRate: 90000, channels: nil)],
                                                  extensions: [9: Self.absSendTime], remoteSSRCs: [],
                                                  localSSRC: UInt32(0xC000 + i), rejected: false)
                    let c = Consumer(kind: .video, section: section, localSSRC: UInt32(0xC000 + i), transport: t, table: table)
                    c.bind(to: Self.source)
                    worker.testRetain = [worker.testRetain as AnyObject?, t, c] as AnyObject
                    return UncheckedBox(c)
                }.get()
                consumers.append(consumer.value)
            }
        }

        /// Forwards a VP8 packet of `ssrc` on the loop (a key frame if `key`) with the
        /// abs-send-time extension; returns whether a consumer still waits for a key frame.
        func forward(ssrc: UInt32, sequence: UInt16, timestamp: UInt32, key: Bool, now: Duration) async throws -> Bool {
            var p = RTPPacket(payloadType: 96, sequenceNumber: sequence, timestamp: timestamp, ssrc: ssrc,
                              payload: [0x10, key ? 0x00 : 0x01, 0x9D, 0x01, 0x2A] + [UInt8](repeating: 7, count: 100))
            p.extensions = [RTPHeaderExtension(id: 2, value: [0xAA, 0xBB, 0xCC])]
            let bytes = p.serialized()
            let (table, worker) = (table, worker)
            return try await loop.submit {
                var copy = bytes
                let waiting = copy.withUnsafeMutableBytes { raw in
                    let view = try! RTPPacketView(parsing: raw)
                    let w = table.forward(view, codec: .vp8, clockRate: 90000, now: now)
                    // The source's packet is put back as it came.
                    #expect(view.ssrc == ssrc && view.sequenceNumber == sequence && view.payloadType == 96)
                    #expect(view.headerExtension(id: 2).map(Array.init) == [0xAA, 0xBB, 0xCC])
                    return w
                }
                worker.flush()
                return waiting
            }.get()
        }

        func shutdown() async {
            await worker.stop()
            try? await loop.shutdownGracefully()
        }
    }

    struct UncheckedBox<T>: @unchecked Sendable {
        let value: T
        init(_ value: T) { self.value = value }
    }

    @Test func eachSubscriberGetsItsOwnRewrittenCopy() async throws {
        let bench = try await Bench(subscribers: 3)
        // A delta frame first: nobody starts on it, and the table says someone waits.
        #expect(try await bench.forward(ssrc: 0xAAAA, sequence: 100, timestamp: 9000, key: false, now: .seconds(1)))
        #expect(try await bench.forward(ssrc: 0xAAAA, sequence: 101, timestamp: 9000, key: true, now: .seconds(1)) == false)
        for (i, peer) in bench.peers.enumerated() {
            let p = try #require(try peer.receiveRTP())
            #expect(p.ssrc == UInt32(0xC000 + i))
            #expect(p.payloadType == 127)
            #expect(p.payload.count == 105)
            // abs-send-time moved from ID 2 to the subscriber's ID 9.
            #expect(p.extensions == [RTPHeaderExtension(id: 9, value: [0xAA, 0xBB, 0xCC])])
        }
        await bench.shutdown()
    }

    /// A copy's sequence numbers continue across a source change, and its timestamps advance
    /// by the time that passed, whatever the new source's own numbering.
    @Test func continuityAcrossSourceChange() async throws {
        let bench = try await Bench(subscribers: 1)
        let peer = bench.peers[0]
        var last: RTPPacket?
        for i in 0..<50 {
            _ = try await bench.forward(ssrc: 1, sequence: UInt16(1000 + i), timestamp: UInt32(90_000 + 3000 * i), key: i == 0,
                                        now: .milliseconds(33 * i))
            last = try #require(try peer.receiveRTP())
        }
        // New source, 2 s later, with unrelated numbering near the wrap.
        let consumer = bench.consumers[0]
        try await bench.loop.submit { consumer.unbind(); consumer.bind(to: Bench.source) }.get()
        _ = try await bench.forward(ssrc: 2, sequence: 65500, timestamp: 4_000_000_000, key: true,
                                    now: .milliseconds(33 * 49) + .seconds(2))
        let next = try #require(try peer.receiveRTP())
        #expect(next.sequenceNumber == last!.sequenceNumber &+ 1)  // no gap for the subscriber to NACK
        #expect(next.timestamp &- last!.timestamp == 180_000)  // 2 s at 90 kHz
        #expect(try await bench.loop.submit { consumer.source }.get() == 2)
        await bench.shutdown()
    }

    /// Inactive consumers get nothing; moving one in and out, or removing one, leaves the
    /// others' slots (their SSRC, their numbering) as they were.
    @Test func activeInactiveAndRemoval() async throws {
        let bench = try await Bench(subscribers: 3)
        let (a, b, c) = (bench.consumers[0], bench.consumers[1], bench.consumers[2])
        _ = try await bench.forward(ssrc: 5, sequence: 1, timestamp: 0, key: true, now: .zero)
        var seq: [UInt16] = []
        for peer in bench.peers { seq.append(try #require(try peer.receiveRTP()).sequenceNumber) }
        try await bench.loop.submit { b.isActive = false }.get()
        #expect(try await bench.loop.submit { (bench.table.activeCount, a.isActive, b.isActive, c.isActive) }.get() == (2, true, false, true))
        _ = try await bench.forward(ssrc: 5, sequence: 2, timestamp: 3000, key: false, now: .milliseconds(33))
        #expect(try bench.peers[0].receiveRTP()?.sequenceNumber == seq[0] &+ 1)
        #expect(try bench.peers[2].receiveRTP()?.sequenceNumber == seq[2] &+ 1)
        #expect(try bench.peers[1].receiveRTP() == nil)  // paused: nothing
        try await bench.loop.submit { a.close(); b.isActive = true }.get()
        #expect(try await bench.loop.submit { (bench.table.count, bench.table.activeCount, a.isActive) }.get() == (2, 2, false))
        _ = try await bench.forward(ssrc: 5, sequence: 3, timestamp: 6000, key: false, now: .milliseconds(66))
        #expect(try bench.peers[0].receiveRTP() == nil)  // removed
        let bp = try #require(try bench.peers[1].receiveRTP())
        #expect(bp.ssrc == 0xC001 && bp.sequenceNumber == seq[1] &+ 2)  // its numbering continued
        #expect(try bench.peers[2].receiveRTP()?.sequenceNumber == seq[2] &+ 2)
        #expect(try await bench.loop.submit { (a.packets, b.packets, c.packets) }.get() == (2, 2, 3))
        await bench.shutdown()
    }
}
