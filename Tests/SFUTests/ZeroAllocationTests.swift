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

    /// The cross-worker path: a streamer packet read on the home worker, rewritten for the
    /// viewer there and copied into the ring to worker 1, whose loop is woken, rewrites and
    /// sends it to the viewer it serves. Counted on both loops.
    @Test func steadyStateSpreadFanOutAllocatesNothing() async throws {
        let room = try await SpreadTestRoom()
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
        print("allocations per packet forwarded across workers: \(Double(allocations) / 2000)")
        await room.shutdown()
    }
}
