import CLoadGen
import Glibc

/// One packet of the looped stream: its payload (VP8 with its payload descriptor, or Opus), when
/// it leaves within the loop, and the RTP timestamp it carries within the loop.
struct SourcePacket {
    var payload: [UInt8]
    var isVideo: Bool
    var marker: Bool
    var keyFrameStart: Bool
    /// Nanoseconds from the start of the loop.
    var sendOffset: Int64
    /// RTP timestamp from the start of the loop (90 kHz video, 48 kHz audio).
    var timestampOffset: UInt32
}

/// The stream the streamer loops: VP8 encoded once with libvpx and Opus with libopus at start,
/// packetized per RFC 7741 / RFC 7587, with the packets of a frame paced `pacing` apart.
struct MediaSource {
    let packets: [SourcePacket]   // in send order
    let loopDuration: Int64       // ns
    let loopVideoTicks: UInt32
    let loopAudioTicks: UInt32
    let videoBitrate: Double      // bits/s of payload, measured from the encoded frames
    let audioBitrate: Double
    let keyFrames: Int

    static let maxPayload = 1160

    init(width: Int, height: Int, fps: Int, videoKbps: Int, audioKbps: Int, seconds: Int,
         keyFrameInterval: Int, pacingNs: Int64) throws {
        let frameCount = fps * seconds
        var framesPtr: UnsafeMutablePointer<lg_frame>? = nil
        let encoded = lg_encode_vp8(Int32(width), Int32(height), Int32(fps), Int32(videoKbps), Int32(frameCount),
                                    Int32(keyFrameInterval), &framesPtr)
        guard encoded > 0, let frames = framesPtr else { throw LoadGenError.media("libvpx could not encode") }
        let audioCount = seconds * 50
        var audioPtr: UnsafeMutablePointer<lg_frame>? = nil
        let audioEncoded = lg_encode_opus(Int32(audioKbps), Int32(audioCount), &audioPtr)
        guard audioEncoded > 0, let audio = audioPtr else { throw LoadGenError.media("libopus could not encode") }

        var list: [SourcePacket] = []
        var videoBytes = 0, audioBytes = 0, keys = 0
        let frameInterval = 1_000_000_000 / Int64(fps)
        for f in 0..<Int(encoded) {
            let frame = frames[f]
            let bytes = UnsafeRawBufferPointer(start: frame.data, count: Int(frame.len))
            videoBytes += bytes.count
            if frame.keyframe != 0 { keys += 1 }
            // RFC 7741: split into near-equal packets of at most maxPayload bytes with a 1-byte
            // descriptor (S bit on the first, partition 0).
            let chunkCount = (bytes.count + Self.maxPayload - 2) / (Self.maxPayload - 1)
            let chunk = (bytes.count + chunkCount - 1) / chunkCount
            var offset = 0, index = 0
            while offset < bytes.count {
                let end = min(offset + chunk, bytes.count)
                var payload = [UInt8](repeating: 0, count: 1 + end - offset)
                payload[0] = offset == 0 ? 0x10 : 0x00
                payload.withUnsafeMutableBytes { dst in
                    dst.baseAddress!.advanced(by: 1).copyMemory(from: bytes.baseAddress!.advanced(by: offset), byteCount: end - offset)
                }
                list.append(SourcePacket(payload: payload, isVideo: true, marker: end == bytes.count,
                                         keyFrameStart: offset == 0 && frame.keyframe != 0,
                                         sendOffset: Int64(f) * frameInterval + Int64(index) * pacingNs,
                                         timestampOffset: UInt32(f * 90_000 / fps)))
                offset = end
                index += 1
            }
            free(frame.data)
        }
        free(frames)
        for a in 0..<Int(audioEncoded) {
            let p = audio[a]
            audioBytes += Int(p.len)
            list.append(SourcePacket(payload: Array(UnsafeRawBufferPointer(start: p.data, count: Int(p.len))),
                                     isVideo: false, marker: false, keyFrameStart: false,
                                     sendOffset: Int64(a) * 20_000_000, timestampOffset: UInt32(a * 960)))
            free(p.data)
        }
        free(audio)
        list.sort { $0.sendOffset < $1.sendOffset }
        packets = list
        loopDuration = Int64(seconds) * 1_000_000_000
        loopVideoTicks = UInt32(seconds * 90_000)
        loopAudioTicks = UInt32(seconds * 48_000)
        videoBitrate = Double(videoBytes * 8) / Double(seconds)
        audioBitrate = Double(audioBytes * 8) / Double(seconds)
        keyFrames = keys
    }
}

/// What identifies a packet of the loop once a server has rewritten its header: the payload,
/// which no server touches. FNV-1a over the length and the payload's last 16 bytes and first 4.
@inline(__always)
func payloadFingerprint(_ p: UnsafeRawBufferPointer) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    @inline(__always) func mix(_ b: UInt8) { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    let n = p.count
    mix(UInt8(truncatingIfNeeded: n)); mix(UInt8(truncatingIfNeeded: n >> 8))
    for i in 0..<min(4, n) { mix(p[i]) }
    for i in max(0, n - 16)..<n { mix(p[i]) }
    return h
}

enum LoadGenError: Error, CustomStringConvertible {
    case media(String)
    case control(String)
    case setup(String)
    var description: String {
        switch self {
        case .media(let s): return "media: \(s)"
        case .control(let s): return "control: \(s)"
        case .setup(let s): return "setup: \(s)"
        }
    }
}
