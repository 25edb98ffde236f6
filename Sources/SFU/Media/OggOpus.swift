// An Ogg Opus file (RFC 7845) as a list of Opus packets, for music on hold: the bridge sends
// them as they are (no decoding, no encoding), one RTP packet each, the timestamp advanced by
// each packet's duration (RFC 6716 §3.1, from its TOC byte).
//
//   Ogg page (RFC 3533): "OggS", version 0, header type, granule position (8), serial (4),
//   page sequence (4), CRC (4), segment count N, N lacing values, then the segments. A packet
//   is a run of segments ending with one shorter than 255 (and may continue on the next page).
//   First packet: "OpusHead"; second: "OpusTags"; then audio.

import RTP

public struct OggOpus: Sendable {
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case notOgg
        case notOpus
        case truncated
        case noAudio

        public var description: String {
            switch self {
            case .notOgg: "not an Ogg file (no OggS page)"
            case .notOpus: "not Ogg Opus (the first packet is not OpusHead)"
            case .truncated: "the Ogg file is truncated"
            case .noAudio: "the Ogg Opus file has no audio packets"
            }
        }
    }

    /// Audio packets in order, each with its duration in 48 kHz samples.
    public var packets: [(bytes: [UInt8], samples: Int)]
    public var channels: Int
    /// Samples to drop at the start (the encoder's look-ahead).
    public var preSkip: Int

    public var totalSamples: Int { packets.reduce(0) { $0 + $1.samples } }

    public init(bytes: [UInt8]) throws(ParseError) {
        var logical: [[UInt8]] = []
        var current: [UInt8] = []
        var at = 0
        var serial: UInt32?
        guard bytes.count >= 4, bytes[0..<4].elementsEqual("OggS".utf8) else { throw .notOgg }
        while at < bytes.count {
            guard at + 27 <= bytes.count, bytes[at..<at + 4].elementsEqual("OggS".utf8) else { throw .truncated }
            let pageSerial = UInt32(bytes[at + 14]) | UInt32(bytes[at + 15]) << 8 | UInt32(bytes[at + 16]) << 16 | UInt32(bytes[at + 17]) << 24
            let segments = Int(bytes[at + 26])
            guard at + 27 + segments <= bytes.count else { throw .truncated }
            let lacing = bytes[at + 27..<at + 27 + segments]
            var body = at + 27 + segments
            guard body + lacing.reduce(0, { $0 + Int($1) }) <= bytes.count else { throw .truncated }
            // The first logical stream only (a chained or multiplexed file's others are skipped).
            let mine = serial == nil || serial == pageSerial
            if serial == nil { serial = pageSerial }
            for l in lacing {
                if mine { current += bytes[body..<body + Int(l)] }
                body += Int(l)
                if l < 255 {
                    if mine { logical.append(current) }
                    current = []
                }
            }
            at = body
        }
        guard let head = logical.first, head.count >= 19, head[0..<8].elementsEqual("OpusHead".utf8) else { throw .notOpus }
        channels = Int(head[9])
        preSkip = Int(head[10]) | Int(head[11]) << 8
        packets = logical.dropFirst(2).compactMap { p in
            guard let samples = Self.samples(p) else { return nil }
            return (p, samples)
        }
        guard !packets.isEmpty else { throw .noAudio }
    }

    /// RFC 6716 §3.1: the packet's duration in 48 kHz samples (nil: malformed).
    public static func samples(_ packet: [UInt8]) -> Int? { OpusPacket.samples(packet) }
}
