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
}
