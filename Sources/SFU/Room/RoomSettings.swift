/// A room's settings: what `POST /v1/rooms` is given beside the id, kind and description, what
/// `MediaServer.createRoom` applies, and what bridged stores for a permanent room (as this
/// type's JSON). A new room option is a property here and the code of the room that uses it.
///
/// Coding: every key is optional (absent: the default below). The property names are
/// camelCase; bridged's coders convert them to and from snake_case (`max_members`,
/// `music_on_hold`, `single_access`).
public struct RoomSettings: Codable, Sendable, Equatable {
    /// Record every streamer from the moment it publishes.
    public var record: Bool
    /// Conference rooms: at most this many members (never above `maxMembersPerRoom`).
    public var maxMembers: Int?
    /// Streaming rooms: at most this many viewers (a viewer over it is refused).
    public var maxViewers: Int?
    /// Conference rooms: music on hold for a member alone.
    public var musicOnHold: Bool
    /// Needed to join (`pin`) and to manage the room (`secret`: delete it, record, kick, mute).
    public var pin: String?
    public var secret: String?
    /// Conference rooms: every member but moderators waits in the lobby until admitted.
    public var lobby: Bool
    /// Stored by bridged and re-created at its next start; never expires idle.
    public var permanent: Bool
    /// Streaming rooms: the user ids that may stream ("*" anyone, "moderators" any
    /// moderator). With it, a streamer arriving while another streams waits on standby and
    /// takes over when that one leaves.
    public var streamers: [String]?
    /// One connection per user id: a second join is refused or replaces the first.
    public var singleAccess: SingleAccess?
    /// Streaming rooms: fed by plain RTP (an encoder) instead of a WebRTC streamer.
    public var source: SourceSettings?
    /// The most each publisher (streamer, member) may send, in bits per second: told to it
    /// in REMB, which a browser's estimate never exceeds. A participant may be given a lower one.
    public var maxBitrate: Int?

    public init(record: Bool = false, maxMembers: Int? = nil, musicOnHold: Bool = false, pin: String? = nil,
                secret: String? = nil, lobby: Bool = false, permanent: Bool = false, streamers: [String]? = nil,
                singleAccess: SingleAccess? = nil, source: SourceSettings? = nil, maxBitrate: Int? = nil) {
        self.record = record
        self.maxMembers = maxMembers
        self.musicOnHold = musicOnHold
        self.pin = pin
        self.secret = secret
        self.lobby = lobby
        self.permanent = permanent
        self.streamers = streamers
        self.singleAccess = singleAccess
        self.source = source
        self.maxBitrate = maxBitrate
    }

    enum CodingKeys: String, CodingKey {
        case record, maxMembers, maxViewers, musicOnHold, pin, secret, lobby, permanent, streamers, singleAccess, source, maxBitrate
    }

    /// Absent keys take their defaults. A `single_access` that is neither "refuse" nor
    /// "replace" is `ControlError.invalidOption` (400 `invalid_option` in the API).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        record = try c.decodeIfPresent(Bool.self, forKey: .record) ?? false
        maxMembers = try c.decodeIfPresent(Int.self, forKey: .maxMembers)
        maxViewers = try c.decodeIfPresent(Int.self, forKey: .maxViewers)
        musicOnHold = try c.decodeIfPresent(Bool.self, forKey: .musicOnHold) ?? false
        pin = try c.decodeIfPresent(String.self, forKey: .pin)
        secret = try c.decodeIfPresent(String.self, forKey: .secret)
        lobby = try c.decodeIfPresent(Bool.self, forKey: .lobby) ?? false
        permanent = try c.decodeIfPresent(Bool.self, forKey: .permanent) ?? false
        streamers = try c.decodeIfPresent([String].self, forKey: .streamers)
        if let value = try c.decodeIfPresent(String.self, forKey: .singleAccess) {
            guard let parsed = SingleAccess(rawValue: value) else {
                throw ControlError.invalidOption(.singleAccess(value))
            }
            singleAccess = parsed
        }
        source = try c.decodeIfPresent(SourceSettings.self, forKey: .source)
        maxBitrate = try c.decodeIfPresent(Int.self, forKey: .maxBitrate)
    }
}
