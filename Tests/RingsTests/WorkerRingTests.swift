import Foundation
import Synchronization
import Testing
import Rings

@Suite struct WorkerRingTests {
    @Test func aFullRingRefusesUntilTheConsumerFreesASlot() {
        let ring = WorkerRing(source: 0, destination: 1, wakeFD: -1, capacity: 4)
        for i in 0..<4 {
            let m = try! #require(ring.reserve())
            m.a = UInt32(i)
            #expect(m.setPayload(UnsafeRawBufferPointer(start: nil, count: 0)))
            ring.commit()
        }
        #expect(ring.reserve() == nil)
        #expect(ring.peek()?.a == 0)
        ring.release()
        #expect(ring.reserve() != nil)
        [UInt8](repeating: 1, count: WorkerRing.maxPayload + 1).withUnsafeBytes { #expect(!ring.reserve()!.setPayload($0)) }
    }

    /// One thread pushes, another pops: every message arrives once, in order, with its bytes.
    @Test func producerAndConsumerOnTwoThreads() async {
        let ring = WorkerRing(source: 0, destination: 1, wakeFD: -1, capacity: 64)
        let total = 200_000
        let finished = Atomic<Int>(0)
        let errors = Atomic<Int>(0)
        Thread.detachNewThread {
            var i = 0
            while i < total {
                guard let m = ring.reserve() else { continue }
                m.a = UInt32(i)
                var word = UInt64(i) &* 0x9E37_79B9_7F4A_7C15
                _ = withUnsafeBytes(of: &word) { m.setPayload($0) }
                ring.commit()
                i += 1
            }
            finished.add(1, ordering: .sequentiallyConsistent)
        }
        Thread.detachNewThread {
            var i = 0
            while i < total {
                guard let m = ring.peek() else { continue }
                let word = m.payload.loadUnaligned(as: UInt64.self)
                if m.a != UInt32(i) || m.length != 8 || word != UInt64(i) &* 0x9E37_79B9_7F4A_7C15 {
                    errors.add(1, ordering: .relaxed)
                }
                ring.release()
                i += 1
            }
            finished.add(1, ordering: .sequentiallyConsistent)
        }
        while finished.load(ordering: .sequentiallyConsistent) < 2 { try? await Task.sleep(for: .milliseconds(5)) }
        #expect(errors.load(ordering: .relaxed) == 0)
        #expect(ring.peek() == nil)
    }
}
