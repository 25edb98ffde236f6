import CLinux
import Dispatch
import Glibc
import NIOConcurrencyHelpers
import NIOCore

/// A SwiftNIO `EventLoop` of the bridge's own, for the data plane: one thread running `epoll`,
/// on which the media sockets are read with our own `recvmmsg` into preallocated buffers. NIO's
/// `DatagramChannel` allocates per datagram (a boxed `SocketAddress` and its description), which
/// the forwarding path cannot afford. Futures, promises, `submit` and scheduled tasks work as on
/// any NIO loop, so the control plane hops onto it the usual way.
public final class MediaEventLoop: EventLoop, @unchecked Sendable {  // shared state under `lock`
    private let epfd: Int32
    private let wakeFD: Int32
    private let lock = NIOLock()
    private var tasks: [@Sendable () -> Void] = []
    private var scheduled: [ScheduledItem] = []
    private var nextTaskID: UInt64 = 0
    private var stopping = false
    private var thread = pthread_t()
    private var threadID: pthread_t?
    private let started = DispatchSemaphore(value: 0)
    private var stoppedCallbacks: [(DispatchQueue, @Sendable ((any Error)?) -> Void)] = []

    // Loop-thread state.
    private var handlers: [Int32: () -> Void] = [:]
    private var runnable: [@Sendable () -> Void] = []
    private var due: [ScheduledItem] = []
    private let events: UnsafeMutablePointer<Int32>
    private static let maxEvents: Int32 = 64

    private struct ScheduledItem {
        var deadline: NIODeadline
        var id: UInt64
        var run: () -> Void
        var fail: (any Error) -> Void
    }

    public let name: String

    public init(name: String) {
        self.name = name
        epfd = csys_epoll_create()
        wakeFD = csys_eventfd()
        precondition(epfd >= 0 && wakeFD >= 0, "epoll_create1/eventfd failed: \(errno)")
        events = .allocate(capacity: Int(Self.maxEvents))
        csys_epoll_add_readable(epfd, wakeFD)
        tasks.reserveCapacity(64)
        runnable.reserveCapacity(64)
        let me = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { arg in
            let loop = Unmanaged<MediaEventLoop>.fromOpaque(arg!).takeRetainedValue()
            loop.run()
            return nil
        }, me)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        started.wait()
    }

    deinit {
        events.deallocate()
        Glibc.close(epfd)
        Glibc.close(wakeFD)
    }

    // MARK: file descriptors (loop thread only)

    /// Calls `handler` on this loop whenever `fd` is readable (level-triggered).
    public func registerReadable(fd: Int32, _ handler: @escaping () -> Void) {
        preconditionInEventLoop()
        csys_epoll_add_readable(epfd, fd)
        handlers[fd] = handler
    }

    public func unregister(fd: Int32) {
        preconditionInEventLoop()
        csys_epoll_del(epfd, fd)
        handlers[fd] = nil
    }

    // MARK: EventLoop

    public var inEventLoop: Bool {
        guard let threadID else { return false }
        return pthread_equal(threadID, pthread_self()) != 0
    }

    public func execute(_ task: @escaping @Sendable () -> Void) {
        lock.withLock { tasks.append(task) }
        wake()
    }

    public var now: NIODeadline { .now() }

    @discardableResult
    public func scheduleTask<T>(deadline: NIODeadline, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        let promise = makePromise(of: T.self)
        let id: UInt64 = lock.withLock {
            nextTaskID &+= 1
            let item = ScheduledItem(deadline: deadline, id: nextTaskID,
                                     run: { do { promise.assumeIsolatedUnsafeUnchecked().succeed(try task()) } catch { promise.fail(error) } },
                                     fail: { promise.fail($0) })
            let index = scheduled.firstIndex { $0.deadline > deadline } ?? scheduled.endIndex
            scheduled.insert(item, at: index)
            return nextTaskID
        }
        wake()
        return Scheduled(promise: promise) { [self] in
            let removed = lock.withLock { () -> Bool in
                guard let i = scheduled.firstIndex(where: { $0.id == id }) else { return false }
                scheduled.remove(at: i)
                return true
            }
            if removed { promise.fail(EventLoopError.cancelled) }
        }
    }

    @discardableResult
    public func scheduleTask<T>(in amount: TimeAmount, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        scheduleTask(deadline: .now() + amount, task)
    }

    public func preconditionInEventLoop(file: StaticString, line: UInt) {
        precondition(inEventLoop, "not on event loop \(name)", file: file, line: line)
    }

    public func preconditionNotInEventLoop(file: StaticString, line: UInt) {
        precondition(!inEventLoop, "on event loop \(name)", file: file, line: line)
    }

    // MARK: EventLoopGroup

    public func next() -> any EventLoop { self }
    public func any() -> any EventLoop { self }
    public func makeIterator() -> EventLoopIterator { EventLoopIterator([self]) }

    public func shutdownGracefully(queue: DispatchQueue, _ callback: @escaping @Sendable ((any Error)?) -> Void) {
        lock.withLock {
            stopping = true
            stoppedCallbacks.append((queue, callback))
        }
        wake()
    }

    /// Stops the loop and waits for its thread.
    public func syncShutdown() {
        precondition(!inEventLoop)
        lock.withLock { stopping = true }
        wake()
        pthread_join(thread, nil)
    }

    // MARK: the loop

    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    private func run() {
        threadID = pthread_self()
        started.signal()
        while true {
            let timeout: Int32 = lock.withLock {
                if stopping || !tasks.isEmpty { return 0 }
                guard let first = scheduled.first else { return -1 }
                let ns = first.deadline.uptimeNanoseconds &- min(first.deadline.uptimeNanoseconds, NIODeadline.now().uptimeNanoseconds)
                return Int32(clamping: (ns + 999_999) / 1_000_000)
            }
            let n = csys_epoll_wait(epfd, events, Self.maxEvents, timeout)
            if n > 0 {
                for i in 0..<Int(n) {
                    let fd = events[i]
                    if fd == wakeFD {
                        var value: UInt64 = 0
                        _ = read(wakeFD, &value, 8)
                    } else if let handler = handlers[fd] {
                        handler()
                    }
                }
            }
            // Due scheduled tasks, then submitted ones; both lists swap out under the lock.
            let now = NIODeadline.now()
            lock.withLock {
                while let first = scheduled.first, first.deadline <= now {
                    due.append(scheduled.removeFirst())
                }
                swap(&tasks, &runnable)
            }
            for item in due { item.run() }
            due.removeAll(keepingCapacity: true)
            for task in runnable { task() }
            runnable.removeAll(keepingCapacity: true)

            let stop: [(DispatchQueue, @Sendable ((any Error)?) -> Void)]? = lock.withLock {
                guard stopping, tasks.isEmpty else { return nil }
                swap(&scheduled, &due)
                return stoppedCallbacks
            }
            if let stop {
                for item in due { item.fail(EventLoopError.shutdown) }
                for (queue, callback) in stop { queue.async { callback(nil) } }
                return
            }
        }
    }
}
