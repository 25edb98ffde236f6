import RTP

/// Where a streaming room's media comes from when it is not a WebRTC streamer: plain RTP from an
/// encoder (ffmpeg `-f rtp`, a GStreamer pipeline, a hardware encoder), the way Janus's RTP
/// mountpoints are fed. `{"rtp": {"video": {"codec", "port"?, "payload_type"?}, "audio": {…}}}`.
public struct SourceSettings: Codable, Sendable, Equatable {
    public var rtp: RTPSourceSettings?

    public init(rtp: RTPSourceSettings? = nil) { self.rtp = rtp }
}

/// The tracks of a plain RTP source: each on its own UDP port (the one given, inside the
/// configured range, or one the bridge picks there and reports back).
public struct RTPSourceSettings: Codable, Sendable, Equatable {
    public struct Track: Codable, Sendable, Equatable {
        /// `vp8`, `vp9`, `h264`, `av1` (video) or `opus` (audio), any case.
        public var codec: String
        public var port: Int?
        /// The payload type the encoder sends (default: the usual one for the codec, e.g. 96
        /// for VP8 as ffmpeg sends it, 111 for Opus). Packets of another payload type are dropped.
        public var payloadType: Int?

        public init(codec: String, port: Int? = nil, payloadType: Int? = nil) {
            self.codec = codec
            self.port = port
            self.payloadType = payloadType
        }
    }

    public var video: Track?
    public var audio: Track?
    /// The encoder sends SRTP with these keys (both tracks); plain RTP without.
    public var srtp: SRTPKeying?

    public init(video: Track? = nil, audio: Track? = nil, srtp: SRTPKeying? = nil) {
        self.video = video
        self.audio = audio
        self.srtp = srtp
    }

    /// Codec name (as SDP writes it), clock rate, channels, and the default payload type.
    static let codecs: [String: (kind: MediaKind, name: String, clockRate: Int, channels: Int?, payloadType: UInt8)] = [
        "vp8": (.video, "VP8", 90000, nil, 96),
        "vp9": (.video, "VP9", 90000, nil, 98),
        "h264": (.video, "H264", 90000, nil, 102),
        "av1": (.video, "AV1", 90000, nil, 45),
        "opus": (.audio, "opus", 48000, 2, 111),
    ]

    /// The tracks in order (video, then audio) as the sections viewers are bound to, or why
    /// the settings cannot be used.
    func sections(ports: ClosedRange<Int>) throws(ControlError) -> [(track: Track, media: NegotiatedMedia)] {
        var out: [(Track, NegotiatedMedia)] = []
        for (kind, track) in [(MediaKind.video, video), (.audio, audio)] {
            guard let track else { continue }
            guard let codec = Self.codecs[track.codec.lowercased()], codec.kind == kind else {
                let allowed = Self.codecs.filter { $0.value.kind == kind }.keys.sorted()
                throw .invalidSource(.codec(field: "source.rtp.\(kind.rawValue)", codec: track.codec, allowed: allowed))
            }
            if let port = track.port, !ports.contains(port) {
                throw .invalidSource(.port(field: "source.rtp.\(kind.rawValue)", port: port, allowed: ports))
            }
            if let pt = track.payloadType, !(0...127).contains(pt) || (64...95).contains(pt) {
                throw .invalidSource(.payloadType(field: "source.rtp.\(kind.rawValue)", pt))
            }
            let pt = track.payloadType.map { UInt8($0) } ?? codec.payloadType
            var media = NegotiatedMedia(mid: kind.rawValue, kind: kind, direction: .recvonly,
                                        codecs: [.init(payloadType: pt, name: codec.name, clockRate: codec.clockRate, channels: codec.channels)],
                                        extensions: [:], remoteSSRCs: [], localSSRC: nil, rejected: false)
            media.pictureLossIndication = kind == .video
            out.append((track, media))
        }
        if let v = video?.port, v == audio?.port {
            throw .invalidSource(.samePort(v))
        }
        guard !out.isEmpty else { throw .invalidSource(.noTracks) }
        return out
    }
}
