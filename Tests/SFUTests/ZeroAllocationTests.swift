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
        let peer = try await EchoTestPeer(profile: profile)
        let loop = peer.loop
        #expect(try peer.exchange(300) >= 290)  // warm-up: tables, slots, SRTP state

        // The hops onto the loop that start and stop the counter cost a future completion each:
        // measured with no traffic in between, and subtracted.
        try await loop.submit { malloc_counter_start() }.get()
        let baseline = try await loop.submit { malloc_counter_stop() }.get()
        try await loop.submit { malloc_counter_start() }.get()
        let echoed = try peer.exchange(2000)
        let counted = try await loop.submit { malloc_counter_stop() }.get()
        #expect(baseline <= 4, "the start/stop hops alone allocated \(baseline) times")
        let allocations = counted - min(counted, baseline)
        #expect(echoed >= 1990, "echoed \(echoed) of 2000")
        #expect(allocations == 0, "\(allocations) allocations on the event loop for 2000 forwarded packets")
        print("allocations per forwarded packet (\(profile)): \(Double(allocations) / 2000)")
        await peer.shutdown()
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
