import FileRecording
import Foundation
@testable import Recording
import Synchronization
import Testing
@testable import SFU

/// A recording whose writer is held up (as by a slow disk) never holds up forwarding: viewers
/// on both workers get every packet while the recorder's ring fills; what does not fit is
/// dropped, counted and reported, and what fitted is written.
struct SlowDiskTests {
    @Test func aStalledWriterCostsTheViewersNothing() async throws {
        let room = try await SpreadTestRoom()
        let directory = NSTemporaryDirectory() + "slow-disk-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        mkdir(directory, 0o755)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let reports = Mutex<[UInt64]>([])
        let recorder = try Recorder(id: "slow", room: "r", directory: directory, capacity: 64,
                                    onDropped: { total in reports.withLock { $0.append(total) } })
        recorder.stallForTesting = 300_000  // 0.3 s per round: far slower than the packets come
        try recorder.start()
        let home = room.room
        try await room.loops[0].submit { home.startRecording(recorder, now: .now) }.get()
        var forwarded = 0
        for _ in 0..<2000 where try room.forwardOne() { forwarded += 1 }
        #expect(forwarded >= 1990, "both viewers got \(forwarded) of 2000 while the writer was stalled")
        try await room.loops[0].submit { home.stopRecording() }.get()
        recorder.stallForTesting = 0
        await recorder.stop()
        #expect(recorder.dropped > 1000, "dropped \(recorder.dropped)")
        #expect(recorder.packets > 0 && UInt64(recorder.packets) + recorder.dropped >= 2000)
        #expect(reports.withLock { $0 }.first ?? 0 > 0)
        #expect(try await room.drops()[.workerRingFull] == 0)
        await room.shutdown()
    }
}
