import RTP

/// One track a peer publishes: a negotiated media section (a microphone, a camera, a screen)
/// and the RTP streams that carry it (one SSRC, or one per simulcast encoding), learnt on
/// their first packets. `consumers` holds the subscribers' copies where the track is consumed
/// directly (conference rooms, echo); a streaming room maps its streamer's tracks onto its
/// viewers' copies itself. Confined to its peer's loop.
final class Producer {
    /// "<participant>/<mid>": how the API and the msid name it (the bridge's own: its name).
    let id: String
    /// The publisher's section: its codecs and header extensions.
    let media: NegotiatedMedia
    var mid: String { media.mid }
    var kind: MediaKind { media.kind }
    let source: TrackSource
    /// The peer that publishes it; nil for the bridge's own (music on hold).
    private(set) weak var peer: Peer?
    private(set) var streams: [InboundStream] = []
    /// The subscribers' copies its packets go to.
    let consumers = ConsumerTable()
    /// A moderator muted it: not forwarded, not recorded.
    var muted = false
    /// Its publisher waits in the lobby: not forwarded.
    var held = false
    /// While its publisher is recorded (and it is a microphone or a camera): where its packets
    /// are also copied.
    var recorder: (any RecordingSink)?
    /// Audio: the negotiated ID of the RFC 6464 audio-level extension.
    let audioLevelID: UInt8?

    init(id: String, media: NegotiatedMedia, source: TrackSource, peer: Peer?) {
        self.id = id
        self.media = media
        self.source = source
        self.peer = peer
        audioLevelID = media.kind == .audio ? media.extensions.first { $0.value == Capabilities.audioLevelURI }?.key : nil
    }

    var codec: NegotiatedMedia.Codec? { media.codecs.first }
    /// What a member's recording holds: its microphone and camera (one file per kind).
    var isRecordable: Bool { source == .microphone || source == .camera }
    var packets: UInt64 { streams.reduce(0) { $0 + $1.packets } }

    func stream(ssrc: UInt32) -> InboundStream? { streams.first { $0.ssrc == ssrc } }

    func add(_ stream: InboundStream) { streams.append(stream) }

    /// Simulcast, each second: the highest encoding that sent packets since the last call
    /// becomes every stream's `best` (kept when none did).
    func updateBestEncoding() {
        guard streams.count > 1 else { return }
        var best: UInt8?
        for s in streams {
            if s.packets != s.packetsAtTick { best = max(best ?? 0, s.layer) }
            s.packetsAtTick = s.packets
        }
        if let best { for s in streams { s.best = best } }
    }

    /// Simulcast: once every encoding's key frame told its size, the encodings are numbered
    /// by width, lowest first, whatever order the offer listed them in (browsers' pages list
    /// them either way). A consumer whose encoding's number changed restarts on a key frame.
    func rankEncodings() {
        guard streams.count > 1, streams.count == Int(streams[0].layers), streams.allSatisfy({ $0.frameSize != nil }) else { return }
        let ranked = streams.sorted { ($0.frameSize!.width, $0.layer) < ($1.frameSize!.width, $1.layer) }
        for (i, s) in ranked.enumerated() where s.layer != UInt8(i) { s.layer = UInt8(i) }
    }

    /// A key frame of this (video) track from its publisher, at most once per stream's interval
    /// (`force`: at once, e.g. a subscriber resumed); on one stream (`ssrc`) or all.
    func requestKeyFrame(ssrc: UInt32? = nil, now: ContinuousClock.Instant, force: Bool = false) {
        guard kind == .video, let peer else { return }
        for stream in streams where ssrc == nil || stream.ssrc == ssrc {
            guard stream.limiter.shouldRequest(now: now) || force else { continue }
            peer.sendKeyFrameRequest(stream)
        }
    }
}
