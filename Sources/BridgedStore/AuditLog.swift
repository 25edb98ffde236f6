import Foundation

/// Writes audit entries to the store in the background, so that recording one never waits
/// for the disk: `record` only queues it.
///
/// Up to `queueLimit` entries wait while the disk is slow; beyond that the oldest waiting ones
/// are dropped and counted (`dropped`), rather than holding requests. `flush` waits until
/// everything queued before it is written (what `GET /v1/audit` does first, so a client reads
/// its own calls).
public final class AuditLog: Sendable {
    enum Item: Sendable {
        case entry(AuditEntry)
        case flush(CheckedContinuation<Void, Never>)
    }

    /// The entries written between two trims of the table (`Store.trimAudit`): a trim costs one
    /// indexed DELETE, so the table exceeds its limit by at most this many rows.
    public static let trimEvery = 1000

    let store: Store
    let continuation: AsyncStream<Item>.Continuation
    let writer: Task<Void, Never>
    let droppedCount = Counter()

    /// `onError`: called with each failed write (logged by the caller); the entry is lost.
    public init(store: Store, queueLimit: Int = 10_000, onError: @escaping @Sendable (any Error) -> Void = { _ in }) {
        self.store = store
        let (stream, continuation) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .bufferingNewest(max(1, queueLimit)))
        self.continuation = continuation
        writer = Task {
            var sinceTrim = 0
            do { try await store.trimAudit() } catch { onError(error) }
            for await item in stream {
                guard case .entry(let entry) = item else {
                    if case .flush(let done) = item { done.resume() }
                    continue
                }
                do { try await store.appendAudit([entry]) } catch { onError(error) }
                sinceTrim += 1
                if sinceTrim >= Self.trimEvery {
                    sinceTrim = 0
                    do { try await store.trimAudit() } catch { onError(error) }
                }
            }
        }
    }

    /// Queues an entry; returns at once.
    public func record(_ entry: AuditEntry) {
        enqueue(.entry(entry))
    }

    /// Returns once every entry recorded before the call is written (or failed).
    public func flush() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            enqueue(.flush(done))
        }
    }

    /// Entries dropped because the queue was full.
    public var dropped: Int { droppedCount.value }

    /// Writes what is queued, then stops the writer.
    public func finish() async {
        continuation.finish()
        await writer.value
    }

    private func enqueue(_ item: Item) {
        switch continuation.yield(item) {
        case .enqueued: break
        case .dropped(let old):
            // The oldest waiting item made room; a flush among them must not wait for ever.
            if case .flush(let done) = old { done.resume() } else { droppedCount.increment() }
        case .terminated:
            if case .flush(let done) = item { done.resume() }
        @unknown default: break
        }
    }
}

/// A thread-safe counter.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    var value: Int { lock.withLock { n } }
    func increment() { lock.withLock { n += 1 } }
}
