/// Guessing: a 4-digit pin falls to 10000 tries. After `limit` failed attempts (a wrong pin,
/// secret, API key or token signature) from one address on one room (or on the API, for a path
/// outside rooms) within `window`, that address's calls there are refused with 429
/// `too_many_attempts` until the window that started with its first failure ends. Other
/// addresses and other rooms are not affected. At most `maxTracked` address-room pairs are
/// kept (the oldest windows go first), so a flood of addresses cannot grow memory.
public actor FailedAttempts {
    public struct Key: Hashable, Sendable {
        public var address: String
        public var room: String?
        public init(address: String, room: String?) {
            self.address = address
            self.room = room
        }
    }

    private struct Entry {
        var count: Int
        var since: ContinuousClock.Instant
    }

    public let limit: Int
    public let window: Duration
    public let maxTracked: Int
    private var entries: [Key: Entry] = [:]

    /// The codes that count as a guess.
    public static let guesses: Set<String> = [
        "wrong_pin", "wrong_secret", "unauthorized", "bearer_not_recognized", "token_bad_signature", "token_unsigned",
    ]

    public init(limit: Int, window: Duration, maxTracked: Int = 10_000) {
        self.limit = limit
        self.window = window
        self.maxTracked = maxTracked
    }

    /// How long `key` is still refused, nil if it is not.
    public func blocked(_ key: Key, now: ContinuousClock.Instant) -> Duration? {
        guard let e = entries[key] else { return nil }
        let end = e.since + window
        guard now < end else {
            entries[key] = nil
            return nil
        }
        return e.count >= limit ? end - now : nil
    }

    public func failed(_ key: Key, now: ContinuousClock.Instant) {
        if var e = entries[key], now < e.since + window {
            e.count += 1
            entries[key] = e
            return
        }
        if entries.count >= maxTracked { prune(now: now) }
        entries[key] = Entry(count: 1, since: now)
    }

    /// Drops the ended windows; if that is not enough, the oldest half.
    private func prune(now: ContinuousClock.Instant) {
        entries = entries.filter { now < $0.value.since + window }
        if entries.count >= maxTracked {
            let keep = entries.sorted { $0.value.since > $1.value.since }.prefix(maxTracked / 2)
            entries = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
    }

    public var tracked: Int { entries.count }
}

