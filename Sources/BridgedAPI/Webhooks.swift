import COpenSSL
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import SFU
import Synchronization

/// Webhooks: every bridge event, as the JSON the events WebSocket carries, POSTed to each
/// configured URL with `X-Bridged-Signature: sha256=<hex HMAC-SHA256 of the body with the
/// secret>` and `X-Bridged-Seq`. One delivery at a time per URL, in `seq` order (so in order
/// per room); a failure (no answer in 5 s, a 5xx, 408, 429) is retried with backoff (0.25 s
/// doubling to 30 s), a 4xx gives up on that event.
///
/// Nothing waits for a receiver: each URL reads its own bounded subscription of the event bus
/// (`queue` events); while a receiver is slow or down, the oldest waiting events are dropped,
/// counted, and reported with a `webhook_dropped` event at most every 10 s.
final class Webhooks: Sendable {
    struct Target: Sendable {
        var url: URL
        var secret: String
    }

    struct Counters: Sendable {
        var delivered: UInt64 = 0
        var dropped: UInt64 = 0
        var failed: UInt64 = 0
        var retries: UInt64 = 0
    }

    let targets: [Target]
    let queue: Int
    let events: EventBus
    let logger: Logger
    private let counters = Mutex<[String: Counters]>([:])
    private let tasks = Mutex<[Task<Void, Never>]>([])
    private let session: URLSession

    init(targets: [Target], queue: Int, events: EventBus, logger: Logger) {
        self.targets = targets
        self.queue = queue
        self.events = events
        self.logger = logger
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = 5
        config.httpMaximumConnectionsPerHost = 1
        session = URLSession(configuration: config)
    }

    /// Per URL: delivered, dropped (queue full), failed (given up), retries.
    var snapshot: [String: Counters] { counters.withLock { $0 } }

    func start() {
        for target in targets {
            let (id, stream) = events.subscribe(bufferSize: queue)
            let task = Task { [self] in
                await deliver(stream, to: target)
                events.unsubscribe(id)
            }
            let monitor = Task { [self] in await watchDrops(subscriber: id, target: target) }
            tasks.withLock { $0 += [task, monitor] }
        }
    }

    func stop() {
        for t in tasks.withLock({ $0 }) { t.cancel() }
    }

    private func deliver(_ stream: AsyncStream<EventRecord>, to target: Target) async {
        let key = target.url.absoluteString
        for await event in stream {
            if Task.isCancelled { return }
            await post(BridgeEvent(event), to: target, key: key)
        }
    }

    /// Every 2 s: events the URL's subscription dropped (its receiver behind) are counted and,
    /// at most every 10 s, reported.
    private func watchDrops(subscriber id: UInt64, target: Target) async {
        let key = target.url.absoluteString
        var seen: UInt64 = 0
        var reported: UInt64 = 0
        var lastReport = ContinuousClock.now - .seconds(60)
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(2))
            let now = events.dropped(subscriber: id)
            if now > seen {
                let more = now - seen
                count(key) { $0.dropped += more }
                seen = now
            }
            if seen > reported, ContinuousClock.now - lastReport >= .seconds(10) {
                events.emit(.eventsDropped(subscriber: key, count: seen - reported))
                logger.warning("webhook events dropped", metadata: ["url": "\(key)", "count": "\(seen - reported)"])
                reported = seen
                lastReport = .now
            }
        }
    }

    private func post(_ event: BridgeEvent, to target: Target, key: String) async {
        guard let body = try? JSON.encoder.encode(event) else { return }
        var request = URLRequest(url: target.url)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("sha256=" + Self.hmacSHA256(key: Array(target.secret.utf8), data: body), forHTTPHeaderField: "X-Bridged-Signature")
        request.setValue(String(event.seq), forHTTPHeaderField: "X-Bridged-Seq")
        var delay = Duration.milliseconds(250)
        while !Task.isCancelled {
            var retry = true
            do {
                let (_, response) = try await session.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if (200..<300).contains(status) {
                    count(key) { $0.delivered += 1 }
                    return
                }
                retry = status >= 500 || status == 408 || status == 429 || status == 0
                if !retry {
                    count(key) { $0.failed += 1 }
                    logger.warning("webhook refused an event", metadata: ["url": "\(key)", "status": "\(status)", "seq": "\(event.seq)"])
                    return
                }
            } catch {
                // Not reachable, or no answer in time: retry.
            }
            count(key) { $0.retries += 1 }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(30))
        }
    }

    private func count(_ key: String, _ change: (inout Counters) -> Void) {
        counters.withLock { change(&$0[key, default: Counters()]) }
    }

    /// Lowercase hex of HMAC-SHA256(key, data).
    static func hmacSHA256(key: [UInt8], data: Data) -> String {
        var mac = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        var dummy: UInt8 = 0
        data.withUnsafeBytes { d in
            key.withUnsafeBytes { k in
                withUnsafeMutablePointer(to: &dummy) { z in
                    _ = HMAC(EVP_sha256(), k.baseAddress ?? UnsafeRawPointer(z), Int32(k.count),
                             d.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(z), d.count, &mac, &length)
                }
            }
        }
        return mac.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }
}
