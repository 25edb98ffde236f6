/// One whole encoded frame out of a depacketizer.
struct DepacketizedFrame: Sendable, Equatable {
    /// What the container stores: the VP8/VP9 frame, an H.264 access unit in Annex B, an Opus
    /// packet.
    var data: [UInt8]
    var isKeyFrame: Bool
    /// The coded size, when the frame tells it (key frames).
    var width: Int? = nil
    var height: Int? = nil
    /// The decoder configuration the container header needs (H.264: Annex-B SPS and PPS), on
    /// key frames.
    var configuration: [UInt8]? = nil
    /// Duration in ms when the payload tells it (Opus).
    var durationMilliseconds: Int = 0
}

/// What a depacketizer makes of one frame's payloads.
enum Depacketized: Sendable, Equatable {
    case frame(DepacketizedFrame)
    /// Nothing to show but nothing wrong (H.264 parameter sets alone, padding).
    case none
    /// The payloads do not form a frame (a fragment missing, a malformed descriptor).
    case invalid
}

/// Turns the RTP payloads of one frame (same timestamp, sequence order, none missing) into the
/// frame the codec's decoder takes.
protocol Depacketizer {
    /// RTP clock rate of the payload format.
    var clockRate: Int { get }
    /// Every packet is a whole frame and frames do not depend on each other (audio): no
    /// frame assembly, no waiting for key frames.
    var packetIsFrame: Bool { get }
    /// Whether `payload` is the first packet of a frame, so that a frame whose first packet
    /// follows a loss is known whole all the same.
    func startsFrame(_ payload: [UInt8]) -> Bool
    /// The number of the frame `payload` belongs to, where the payload format carries one
    /// that goes up by one per frame (VP8's picture ID), and its modulus: a loss between two
    /// frames numbered one apart took no frame (padding, bandwidth probes).
    func frameNumber(_ payload: [UInt8]) -> (value: Int, modulus: Int)?
    mutating func depacketize(_ payloads: [[UInt8]]) -> Depacketized
}

extension Depacketizer {
    func frameNumber(_ payload: [UInt8]) -> (value: Int, modulus: Int)? { nil }
}

enum Depacketizers {
    /// The depacketizer for a codec name of an `.mjr` info header.
    static func make(codec: String) -> (any Depacketizer)? {
        switch codec {
        case "opus": OpusDepacketizer()
        case "vp8": VP8Depacketizer()
        case "vp9": VP9Depacketizer()
        case "h264": H264Depacketizer()
        case "av1", "av1x": AV1Depacketizer()
        default: nil
        }
    }
}
