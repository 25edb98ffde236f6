import RTP

/// Room kinds. `echo` sends each peer's media back to it; more kinds come with rooms.
public enum RoomKind: String, Sendable, Codable, CaseIterable {
    /// Each peer's media comes back to it (like Janus's EchoTest).
    case echo
    /// One streamer, any number of viewers (like Janus's streaming plugin).
    case streaming
    /// Every member publishes and receives the others (like Janus's videoroom).
    case conference
}

/// A room as the control API shows it.
public struct RoomInfo: Sendable, Codable, Equatable {
    public var id: String
    public var kind: RoomKind
    public var description: String?
    public var participants: [ParticipantInfo]
    /// Conference rooms: every published track.
    public var tracks: [ConferenceTrackInfo]? = nil
    /// Conference rooms: the member limit.
    public var maxMembers: Int? = nil
    /// Streaming rooms: the viewer limit, if they have one.
    public var maxViewers: Int? = nil
    /// Each publisher's bitrate limit (bits per second), if the room has one.
    public var maxBitrate: Int? = nil
    /// Streaming rooms fed by plain RTP: its ports, senders and counters.
    public var source: SourceInfo? = nil
}

/// A participant as the control API shows it: state, transport, tracks and counters.
public struct ParticipantInfo: Sendable, Codable, Equatable {
    public var id: String
    public var display: String?
    public var role: ParticipantRole
    public var state: String
    public var dtlsRole: String
    public var srtpProfile: String?
    public var remoteAddress: String?
    public var tracks: [TrackInfo]
    public var packetsReceived: UInt64
    public var bytesReceived: UInt64
    public var packetsSent: UInt64
    public var bytesSent: UInt64
    public var rtcpReceived: UInt64
    public var rtcpSent: UInt64
    public var keyFrameRequests: UInt64
    public var addressChanges: UInt64
    /// Why the participant does not get something it asked for, if it does not.
    public var notice: String?
    public var bitrateInBps: UInt64 = 0
    public var bitrateOutBps: UInt64 = 0
    /// Packets lost: on the way in (publishers, from the bridge's reception statistics) or on
    /// the way out (viewers, from their receiver reports).
    public var packetsLost: Int64 = 0
    /// Latest loss fraction in percent, same direction as `packetsLost`.
    public var lossPercent: Double = 0
    /// The user id it joined with, and whether it moderates the room.
    public var userId: String? = nil
    public var moderator: Bool? = nil
    /// Congestion feedback on what it sends: transport-cc packets the bridge sent it; its
    /// bitrate limit (bits per second); for a publisher with REMB but no transport-cc, the
    /// bridge's estimate of its uplink; the REMBs that carried the lower of the two.
    public var transportFeedbackSent: UInt64 = 0
    public var maxBitrate: UInt64? = nil
    public var estimatedBitrate: UInt64? = nil
    /// The bridge's estimate of its downlink (transport-cc feedback on what the bridge sends
    /// it), bits per second, and the probes sent to find it.
    public var estimatedDownlink: UInt64? = nil
    public var downlinkProbes: UInt64 = 0
    public var bitrateLimitsSent: UInt64 = 0
    /// A publisher: packets lost on its uplink that the bridge asked for again (NACK, each
    /// request counts), and those that came.
    public var packetsRequested: UInt64 = 0
    public var packetsRecovered: UInt64 = 0
    /// Of those, the packets given up on (each ends in a key-frame request where the
    /// publisher sends RTX), and the RTX packets that carried a repair.
    public var packetsGivenUp: UInt64 = 0
    public var retransmissionsReceived: UInt64 = 0
}

extension ParticipantInfo {
    /// The transport's part of a participant's description; the room fills in the tracks.
    init(transport: WebRTCTransport, id: String, display: String?, role: ParticipantRole, keyFrameRequests: UInt64) {
        self.init(id: id, display: display, role: role, state: transport.state.name,
                  dtlsRole: transport.dtlsRole == .server ? "server" : "client",
                  srtpProfile: transport.srtpProfile.map(profileName),
                  remoteAddress: transport.remoteAddress.map { "\($0)" }, tracks: [],
                  packetsReceived: transport.counters.packetsReceived, bytesReceived: transport.counters.bytesReceived,
                  packetsSent: transport.counters.packetsSent, bytesSent: transport.counters.bytesSent,
                  rtcpReceived: transport.counters.rtcpReceived, rtcpSent: transport.counters.rtcpSent,
                  keyFrameRequests: keyFrameRequests, addressChanges: transport.counters.addressChanges, notice: nil,
                  bitrateInBps: transport.bitrateIn, bitrateOutBps: transport.bitrateOut)
        transportFeedbackSent = transport.transportFeedbackSent
    }
}

public struct TrackInfo: Sendable, Codable, Equatable {
    public var mid: String
    public var kind: MediaKind
    public var direction: String
    public var codec: String?
    public var inboundSSRC: UInt32?
    public var outboundSSRC: UInt32?
    public var packets: UInt64
    /// Conference rooms: the track forwarded in this section, and whether it is paused (by the
    /// member, or over its last-N video limit).
    public var track: String? = nil
    public var paused: Bool? = nil
    /// Conference rooms, published sections: microphone, camera or screen.
    public var source: TrackSource? = nil
    /// A published simulcast section: its encodings, lowest first.
    public var encodings: [EncodingInfo]? = nil
    /// A received video section: the encoding it is sent (0 the lowest; nil before the first
    /// key frame) and the limits set on it (`POST …/video`).
    public var layer: Int? = nil
    public var maxSpatial: Int? = nil
    public var maxTemporal: Int? = nil
    /// VP8 simulcast: the highest temporal layer it is sent, where fewer than all (its bound,
    /// or its downlink estimate on the lowest encoding).
    public var temporal: Int? = nil
}

/// One simulcast encoding a publisher sends.
public struct EncodingInfo: Sendable, Codable, Equatable {
    /// 0 the lowest.
    public var layer: Int
    public var rid: String?
    public var ssrc: UInt32
    /// What its last key frame stated (VP8).
    public var width: Int?
    public var height: Int?
    public var packets: UInt64
}

/// A subscriber's bounds on the video it is sent (`POST …/participants/{pid}/video`): the
/// highest simulcast encoding (0 the lowest) and VP8 temporal layer, and whether it is paused.
/// nil leaves a bound as it is; `clear` lifts the bounds.
public struct VideoLayers: Sendable, Equatable {
    public var maxSpatial: Int?
    public var maxTemporal: Int?
    public var paused: Bool?
    /// Lift `max_spatial` / `max_temporal` (the JSON said null).
    public var clearSpatial = false
    public var clearTemporal = false

    public init(maxSpatial: Int? = nil, maxTemporal: Int? = nil, paused: Bool? = nil, clearSpatial: Bool = false,
                clearTemporal: Bool = false) {
        self.maxSpatial = maxSpatial
        self.maxTemporal = maxTemporal
        self.paused = paused
        self.clearSpatial = clearSpatial
        self.clearTemporal = clearTemporal
    }

    /// Takes the bounds `other` sets or lifts; those it leaves out stay.
    public mutating func applyBounds(of other: VideoLayers) {
        if other.clearSpatial { maxSpatial = nil } else if let s = other.maxSpatial { maxSpatial = s }
        if other.clearTemporal { maxTemporal = nil } else if let t = other.maxTemporal { maxTemporal = t }
    }
}

/// A track published in a conference room (`GET /v1/rooms/{id}`).
public struct ConferenceTrackInfo: Sendable, Codable, Equatable {
    /// "<participant>/<mid>": what subscriptions name.
    public var id: String
    public var participant: String
    public var mid: String
    public var kind: MediaKind
    public var source: TrackSource
    public var codec: String?
    public var packets: UInt64
}

/// Data-plane health, summed over workers.
public struct ServerStats: Sendable, Codable, Equatable {
    public var workers: Int
    public var ports: [Int]
    public var rooms: Int
    public var transports: Int
    public var datagramsReceived: UInt64
    public var datagramsSent: UInt64
    public var bytesReceived: UInt64
    public var bytesSent: UInt64
    public var participants: [String: Int]
    public var dropped: [String: UInt64]
    public var forwarding: ForwardingHistogram
    /// Datagrams sent inside UDP GSO messages of two or more (see UDPSocket), and those messages.
    public var segmentedDatagrams: UInt64 = 0
    public var segmentedMessages: UInt64 = 0
    /// Feedback sent to publishers: transport-cc packets, NACK packets, REMBs.
    public var feedback = FeedbackCounters()
    /// What the downlink estimates do: receivers with one and the sum of their estimates
    /// (bits per second), the probes sent, the simulcast video copies on each encoding, and
    /// those sent fewer than all their temporal layers.
    public var downlink = DownlinkStats()
}

public struct DownlinkStats: Sendable, Codable, Equatable {
    public var receivers = 0
    public var estimateSum: UInt64 = 0
    public var probes: UInt64 = 0
    public var copiesByLayer: [String: Int] = [:]
    public var copiesWithFewerTemporalLayers = 0

    public init() {}

    /// A participant's part: its estimate and probes, and its received video tracks.
    mutating func add(_ p: ParticipantInfo) {
        if let e = p.estimatedDownlink {
            receivers += 1
            estimateSum += e
        }
        probes += p.downlinkProbes
        for t in p.tracks where t.kind == .video {
            if let layer = t.layer { copiesByLayer[String(layer), default: 0] += 1 }
            if t.temporal != nil { copiesWithFewerTemporalLayers += 1 }
        }
    }
}

/// Congestion and loss feedback the bridge sent to publishers, counted per worker.
public struct FeedbackCounters: Sendable, Codable, Equatable {
    public var transportFeedback: UInt64 = 0
    public var lossRequests: UInt64 = 0
    public var bitrateLimits: UInt64 = 0

    public init() {}

    static func + (a: Self, b: Self) -> Self {
        var s = a
        s.transportFeedback &+= b.transportFeedback
        s.lossRequests &+= b.lossRequests
        s.bitrateLimits &+= b.bitrateLimits
        return s
    }
}
