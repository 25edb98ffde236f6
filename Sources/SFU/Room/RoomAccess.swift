/// A room's protection: a `pin` to join and a `secret` to manage (distinct), compared in
/// constant time; and who is banned from rejoining after a kick, until when.
struct RoomAccess: Sendable {
    var pin: String?
    var secret: String?
    /// User id → when the ban ends.
    private(set) var bans: [String: ContinuousClock.Instant] = [:]

    init(pin: String? = nil, secret: String? = nil) {
        self.pin = pin
        self.secret = secret
    }

    /// Whether `given` opens what `expected` guards (nothing guarded: always).
    static func matches(_ expected: String?, _ given: String?) -> Bool {
        guard let expected else { return true }
        guard let given else { return false }
        return constantTimeEqual(Array(expected.utf8), Array(given.utf8))
    }

    mutating func ban(_ user: String, until: ContinuousClock.Instant) { bans[user] = until }

    func isBanned(_ user: String?, now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        guard let user, let until = bans[user], until > now else { return nil }
        return until
    }
}

/// Compares without an early exit (the time does not tell how much of a guess was right; only
/// the length shows).
func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    var diff = UInt8(truncatingIfNeeded: a.count ^ b.count)
    for i in 0..<max(a.count, b.count) {
        diff |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
    }
    return diff == 0
}
