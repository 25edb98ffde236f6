import Foundation
import CMallocCounter
import FileRecording
import Glibc
import ICE
import NIOCore
import NIOPosix
import Recording
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
        let peer = try await EchoTestPeer(profile: profile)
        let loop = peer.loop
        #expect(try peer.exchange(300) >= 290)  // warm-up: tables, slots, SRTP state

        // Starting and stopping the counter, with no traffic in between: should be nothing, and
        // is subtracted.
        let counter = LoopAllocationCounter([loop])
        await counter.start()
        let baseline = await counter.stop()[0]
        await counter.start()
        let echoed = try peer.exchange(2000)
        let counted = await counter.stop()[0]
        #expect(baseline <= 4, "the start/stop hops alone allocated \(baseline) times")
        let allocations = counted - min(counted, baseline)
        #expect(echoed >= 1990, "echoed \(echoed) of 2000")
        #expect(allocations == 0, "\(allocations) allocations on the event loop for 2000 forwarded packets")
        print("allocations per forwarded packet (\(profile)): \(Double(allocations) / 2000)")
        await peer.shutdown()
    }

    /// transport-cc: recording 2000 arrivals (a loss every tenth packet, some reordered) and
    /// writing feedback every 20 packets allocate nothing. (The echo test above records each
    /// packet's transport-wide number on the worker's loop too.)
    @Test func transportFeedbackAllocatesNothing() {
        var recorder = TransportFeedbackRecorder(extensionID: 3)
        defer { recorder.deallocate() }
        var bytes = 0
        func run(_ range: Range<Int>) {
            for i in range where i % 10 != 3 {
                let seq = UInt16(truncatingIfNeeded: i % 10 == 5 ? i + 1 : i % 10 == 6 ? i - 1 : i)
                recorder.received(sequence: seq, ssrc: 7, at: Int64(i) * 1_000)
                if i % 20 == 19 { recorder.flush { bytes += $0.count } }
            }
        }
        run(0..<300)  // warm-up
        malloc_counter_start()
        run(300..<2300)
        let allocations = malloc_counter_stop()
        #expect(allocations == 0, "\(allocations) allocations for 2000 packets and 100 feedback packets")
        #expect(bytes > 0 && recorder.feedbackWritten >= 100)
    }

    /// The cross-worker path: a streamer packet read on the home worker, rewritten for the
    /// viewer there and copied into the ring to worker 1, whose loop is woken, rewrites and
    /// sends it to the viewer it serves. Counted on both loops. With a recording running, each
    /// packet is also copied into the recorder's ring (its writer thread is not counted).
    @Test(arguments: [false, true])
    func steadyStateSpreadFanOutAllocatesNothing(recording: Bool) async throws {
        let room = try await SpreadTestRoom()
        var recorder: Recorder?
        let directory = NSTemporaryDirectory() + "zero-alloc-rec-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        if recording {
            mkdir(directory, 0o755)
            let r = try Recorder(id: "rec", room: "r", directory: directory)
            try r.start()
            let home = room.room
            try await room.loops[0].submit { home.startRecording(r, now: .now) }.get()
            recorder = r
        }
        var warm = 0
        for _ in 0..<300 where try room.forwardOne() { warm += 1 }
        #expect(warm >= 290)  // warm-up: tables, slots, SRTP state, ring slots

        let counter = LoopAllocationCounter(room.loops)
        await counter.start()
        let baseline = await counter.stop().reduce(0, +)
        await counter.start()
        var forwarded = 0
        for _ in 0..<2000 where try room.forwardOne() { forwarded += 1 }
        let counts = await counter.stop()
        let counted = counts.reduce(0, +)
        #expect(baseline <= 8, "the start/stop hops alone allocated \(baseline) times")
        let allocations = counted - min(counted, baseline)
        #expect(forwarded >= 1990, "both viewers got \(forwarded) of 2000")
        #expect(allocations == 0, "\(counts) allocations on the two loops for 2000 packets forwarded across workers")
        #expect(try await room.drops()[.workerRingFull] == 0)
        print("allocations per packet forwarded across workers (recording: \(recording)): \(Double(allocations) / 2000)")
        if let recorder {
            let home = room.room
            try await room.loops[0].submit { home.stopRecording() }.get()
            await recorder.stop()
            #expect(recorder.dropped == 0)
            #expect(recorder.packets >= 2000, "recorded \(recorder.packets)")
            for f in recorder.files { unlink(f) }
            rmdir(directory)
        }
        await room.shutdown()
    }

    /// The conference path: one member's camera packet read, kept for NACKs, and fanned out to
    /// the other member's copy (rewritten, protected, sent) through the track's consumer table.
    /// The timers are off (as in the streaming test): on a slow machine the window can span a
    /// tick, and a tick's reports and events are not per packet.
    @Test func steadyStateConferenceForwardAllocatesNothing() async throws {
        let pair = try await ConferencePair(timers: false)
        var warm = 0
        for _ in 0..<300 where try pair.forwardOne() { warm += 1 }
        #expect(warm >= 290)  // warm-up: tables, slots, SRTP state
        let loop = pair.server.workers[0].eventLoop
        let counter = LoopAllocationCounter([loop])
        await counter.start()
        let baseline = await counter.stop()[0]
        // Up to three windows of 2000 packets: an allocation per packet shows in every one (2000
        // of them); a stray one of the worker's own 100 ms timer (consent, DTLS) does not repeat.
        var forwarded = 0
        var allocations = UInt64.max
        for _ in 0..<3 where allocations > 0 {
            await counter.start()
            forwarded = 0
            for _ in 0..<2000 where try pair.forwardOne() { forwarded += 1 }
            let counted = await counter.stop()[0]
            allocations = counted - min(counted, baseline)
        }
        #expect(baseline <= 4, "the start/stop hops alone allocated \(baseline) times")
        #expect(forwarded >= 1990, "the subscriber got \(forwarded) of 2000")
        #expect(allocations == 0, "\(allocations) allocations on the event loop for 2000 packets forwarded in a conference")
        print("allocations per packet forwarded in a conference: \(Double(allocations) / 2000)")
        await pair.shutdown()
    }

    /// Simulcast through real transports: three encodings of VP8 with picture IDs, TL0PICIDX
    /// and temporal layers, two subscribers whose bounds change every 100 packets (a switch at
    /// each key frame of the encoding wanted, numbering rewritten, a temporal layer dropped):
    /// 2000 packets, counted on the loop's thread.
    @Test func simulcastSwitchingAllocatesNothing() async throws {
        let bench = try await ConsumerTableTests.Bench(subscribers: 2)
        let counts = try await bench.loop.submit { () -> (warm: Int, allocations: UInt64, switches: Int) in
            let (table, worker, consumers) = (bench.table, bench.worker, bench.consumers)
            // Transport-wide sequence numbers on egress (a block added to each copy).
            for c in consumers { c.transport.stampTransportSequence(extensionID: 5) }
            var packet = [UInt8](repeating: 0, count: 200)
            var switches = 0
            func run(_ range: Range<Int>) {
                for i in range {
                    let layer = UInt8(i % 3), frame = i / 3
                    if i % 100 == 0 {
                        consumers[0].maxSpatial = (i / 100) % 3
                        consumers[1].maxTemporal = (i / 100) % 2
                        consumers[1].estimateLayer = (i / 100) % 2 == 0 ? nil : (i / 200) % 2
                        switches += 1
                    }
                    let key = frame % 30 == 0
                    packet.withUnsafeMutableBytes { raw in
                        raw[0] = 0x80; raw[1] = 96
                        raw.storeBytes(of: UInt16(truncatingIfNeeded: frame).bigEndian, toByteOffset: 2, as: UInt16.self)
                        raw.storeBytes(of: UInt32(truncatingIfNeeded: frame * 3000).bigEndian, toByteOffset: 4, as: UInt32.self)
                        raw.storeBytes(of: (0xA0 + UInt32(layer)).bigEndian, toByteOffset: 8, as: UInt32.self)
                        // Descriptor: X, I (15-bit picture ID), L, T; then the VP8 header (P=0 on a key frame).
                        (raw[12], raw[13], raw[14], raw[15]) = (0x90, 0xE0, 0x80 | UInt8(frame >> 8 & 0x7F), UInt8(frame & 0xFF))
                        (raw[16], raw[17], raw[18]) = (UInt8(frame / 4 & 0xFF), UInt8(frame % 2) << 6, key ? 0x00 : 0x01)
                        (raw[21], raw[22], raw[23], raw[24], raw[25]) = (0x9D, 0x01, 0x2A, 0x40, 0x01)
                        let view = try! RTPPacketView(parsing: raw)
                        _ = table.forward(view, codec: .vp8, clockRate: 90000, now: .milliseconds(11 * i), layer: layer, layers: 3)
                    }
                    if i % 16 == 15 { worker.flush() }
                }
            }
            run(0..<600)  // warm-up
            let before = consumers.map(\.packets)
            let stampedBefore = consumers.map(\.transport.packetsStamped)
            malloc_counter_start()
            run(600..<2600)
            let allocations = malloc_counter_stop()
            worker.flush()
            let sent = Int(consumers.map(\.packets).reduce(0, +) - before.reduce(0, +))
            let stamped = Int(consumers.map(\.transport.packetsStamped).reduce(0, +) - stampedBefore.reduce(0, +))
            #expect(stamped == sent, "\(stamped) of \(sent) copies numbered")
            return (sent, allocations, switches)
        }.get()
        #expect(counts.warm > 500, "only \(counts.warm) copies sent")
        #expect(counts.allocations == 0,
                "\(counts.allocations) allocations for 2000 simulcast packets, numbered for transport-cc, with \(counts.switches) bound changes")
        print("allocations per simulcast packet: \(Double(counts.allocations) / 2000)")
        await bench.shutdown()
    }

    /// The GSO flush (grouping per destination, building the messages) allocates nothing.
    @Test func segmentedFlushAllocatesNothing() throws {
        let sender = try UDPSocket(host: "127.0.0.1", port: 0, segmentationOffload: true)
        let receivers = [try UDPSocket(host: "127.0.0.1", port: 0), try UDPSocket(host: "127.0.0.1", port: 0)]
        func burst() {
            for i in 0..<400 {
                let slot = sender.nextSendSlot()
                slot.initializeMemory(as: UInt8.self, repeating: UInt8(truncatingIfNeeded: i), count: 1100)
                sender.commitSend(length: i % 50 == 49 ? 300 : 1100, to: .v4(0x7F00_0001, port: UInt16(receivers[i & 1].localPort)))
            }
            sender.flush()
            for r in receivers { while r.receiveBatch() > 0 {} }
        }
        burst()  // warm-up
        malloc_counter_start()
        for _ in 0..<20 { burst() }
        let allocations = malloc_counter_stop()
        #expect(sender.segmentedDatagrams > 0)
        #expect(allocations == 0, "\(allocations) allocations for 20 flushes of 400 datagrams")
    }
}
