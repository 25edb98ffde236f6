/// A room's protection: a `pin` to join and a `secret` to manage (distinct), compared in
/// constant time; who is banned from rejoining after a kick, until when; who may stream; one
/// connection per user or not; and who each participant is (user id, moderator).
struct RoomAccess: Sendable {
    var pin: String?
    var secret: String?
    /// Everyone but moderators (and streamers) waits in the lobby until admitted.
    var lobby: Bool
    /// Streaming rooms: the user ids that may stream ("*": anyone, "moderators": any
    /// moderator); nil: anyone, and a second streamer is refused while one streams.
    var streamers: [String]?
    /// One connection per user id: what a second join does (nil: allowed, unless the
    /// participant asks for single access, which then refuses).
    var singleAccess: SingleAccess?
    /// User id → when the ban ends.
    private(set) var bans: [String: ContinuousClock.Instant] = [:]
    /// Participant id → who it is. Kept for participants that left other than by a kick until
    /// the next look (`MediaServer` checks the room before trusting an entry).
    var people: [String: Person] = [:]

    struct Person: Sendable {
        var userID: String?
        var moderator: Bool
        /// Its join is under way (not in the room yet, but counts for single access).
        var joining: Bool
    }

    init(pin: String? = nil, secret: String? = nil, lobby: Bool = false, streamers: [String]? = nil, singleAccess: SingleAccess? = nil) {
        self.pin = pin
        self.secret = secret
        self.lobby = lobby
        self.streamers = streamers
        self.singleAccess = singleAccess
    }

    func mayStream(userID: String?, moderator: Bool) -> Bool {
        guard let streamers else { return true }
        if streamers.contains("*") { return true }
        if moderator, streamers.contains("moderators") { return true }
        guard let userID else { return false }
        return streamers.contains(userID)
    }

    /// The participants that joined as `user`, joins under way included.
    func participants(of user: String) -> [String] {
        people.filter { $0.value.userID == user }.map(\.key).sorted()
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

/// One connection per user id per room: a second join is refused (409 `already_joined`) or
/// replaces the first (closed with reason `replaced`).
public enum SingleAccess: String, Sendable, Codable, CaseIterable {
    case refuse, replace
}

/// Compares without an early exit (the time does not tell how much of a guess was right; only
/// the length shows).
public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    var diff = UInt8(truncatingIfNeeded: a.count ^ b.count)
    for i in 0..<max(a.count, b.count) {
        diff |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
    }
    return diff == 0
}
