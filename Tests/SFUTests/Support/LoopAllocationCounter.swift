import CMallocCounter
import Synchronization
@testable import SFU

/// Turns the per-thread allocation counter on and off on event loops with `execute` and an
/// atomic the test polls, not with `submit(...).get()`: completing a future on the loop
/// allocates there or not depending on whether the awaiting side has registered its callback
/// yet, a race that made the count vary by an allocation or two from run to run.
final class LoopAllocationCounter: Sendable {
    let loops: [MediaEventLoop]
    private let done = Atomic<Int>(0)
    private let count = Atomic<UInt64>(0)

    init(_ loops: [MediaEventLoop]) { self.loops = loops }

    func start() async {
        done.store(0, ordering: .sequentiallyConsistent)
        for loop in loops {
            loop.execute { [self] in
                malloc_counter_start()
                done.add(1, ordering: .sequentiallyConsistent)
            }
        }
        while done.load(ordering: .sequentiallyConsistent) < loops.count { try? await Task.sleep(for: .milliseconds(1)) }
    }

    /// Allocations per loop since `start`.
    func stop() async -> [UInt64] {
        var out: [UInt64] = []
        for loop in loops {
            done.store(0, ordering: .sequentiallyConsistent)
            loop.execute { [self] in
                count.store(malloc_counter_stop(), ordering: .sequentiallyConsistent)
                done.store(1, ordering: .sequentiallyConsistent)
            }
            while done.load(ordering: .sequentiallyConsistent) == 0 { try? await Task.sleep(for: .milliseconds(1)) }
            out.append(count.load(ordering: .sequentiallyConsistent))
        }
        return out
    }
}
