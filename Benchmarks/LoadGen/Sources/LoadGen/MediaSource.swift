import CLoadGen
import Foundation
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
        let (videoFrames, audioPackets) = try Self.encoded(width: width, height: height, fps: fps, videoKbps: videoKbps,
                                                           audioKbps: audioKbps, seconds: seconds, keyFrameInterval: keyFrameInterval)
        var list: [SourcePacket] = []
        var videoBytes = 0, audioBytes = 0, keys = 0
        let frameInterval = 1_000_000_000 / Int64(fps)
        for (f, frame) in videoFrames.enumerated() {
          frame.data.withUnsafeBytes { bytes in
            videoBytes += bytes.count
            if frame.key { keys += 1 }
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
                                         keyFrameStart: offset == 0 && frame.key,
                                         sendOffset: Int64(f) * frameInterval + Int64(index) * pacingNs,
                                         timestampOffset: UInt32(f * 90_000 / fps)))
                offset = end
                index += 1
            }
          }
        }
        for (a, p) in audioPackets.enumerated() {
            audioBytes += p.count
            list.append(SourcePacket(payload: p, isVideo: false, marker: false, keyFrameStart: false,
                                     sendOffset: Int64(a) * 20_000_000, timestampOffset: UInt32(a * 960)))
        }
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

struct EncodedFrame { var data: [UInt8]; var key: Bool }

extension MediaSource {
    /// The encoded loop: from the cache file when an earlier run made the same one (encoding
    /// 720p takes seconds), else from libvpx and libopus, then cached.
    static func encoded(width: Int, height: Int, fps: Int, videoKbps: Int, audioKbps: Int, seconds: Int,
                        keyFrameInterval: Int) throws -> ([EncodedFrame], [[UInt8]]) {
        let dir = ProcessInfo.processInfo.environment["LOADGEN_CACHE"] ?? NSTemporaryDirectory()
        let path = "\(dir)/loadgen-vp8-\(width)x\(height)-\(fps)-\(videoKbps)k-kf\(keyFrameInterval)-opus\(audioKbps)k-\(seconds)s.bin"
        if let data = FileManager.default.contents(atPath: path), let decoded = decode([UInt8](data)) { return decoded }
        var framesPtr: UnsafeMutablePointer<lg_frame>? = nil
        let encoded = lg_encode_vp8(Int32(width), Int32(height), Int32(fps), Int32(videoKbps), Int32(fps * seconds),
                                    Int32(keyFrameInterval), &framesPtr)
        guard encoded > 0, let frames = framesPtr else { throw LoadGenError.media("libvpx could not encode") }
        var audioPtr: UnsafeMutablePointer<lg_frame>? = nil
        let audioEncoded = lg_encode_opus(Int32(audioKbps), Int32(seconds * 50), &audioPtr)
        guard audioEncoded > 0, let audio = audioPtr else { throw LoadGenError.media("libopus could not encode") }
        var video: [EncodedFrame] = []
        for i in 0..<Int(encoded) {
            video.append(EncodedFrame(data: Array(UnsafeRawBufferPointer(start: frames[i].data, count: Int(frames[i].len))),
                                      key: frames[i].keyframe != 0))
            free(frames[i].data)
        }
        free(frames)
        var opus: [[UInt8]] = []
        for i in 0..<Int(audioEncoded) {
            opus.append(Array(UnsafeRawBufferPointer(start: audio[i].data, count: Int(audio[i].len))))
            free(audio[i].data)
        }
        free(audio)
        var out: [UInt8] = Array("LGS1".utf8)
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { out.append(contentsOf: $0) } }
        u32(video.count); u32(opus.count)
        for f in video { out.append(f.key ? 1 : 0); u32(f.data.count); out.append(contentsOf: f.data) }
        for p in opus { u32(p.count); out.append(contentsOf: p) }
        FileManager.default.createFile(atPath: path + ".tmp", contents: Data(out))
        _ = rename(path + ".tmp", path)
        return (video, opus)
    }

    private static func decode(_ b: [UInt8]) -> ([EncodedFrame], [[UInt8]])? {
        guard b.count >= 12, Array(b[0..<4]) == Array("LGS1".utf8) else { return nil }
        var at = 4
        func u32() -> Int? {
            guard at + 4 <= b.count else { return nil }
            defer { at += 4 }
            return Int(b[at]) | Int(b[at + 1]) << 8 | Int(b[at + 2]) << 16 | Int(b[at + 3]) << 24
        }
        guard let nv = u32(), let na = u32() else { return nil }
        var video: [EncodedFrame] = [], opus: [[UInt8]] = []
        for _ in 0..<nv {
            guard at < b.count else { return nil }
            let key = b[at] != 0; at += 1
            guard let n = u32(), at + n <= b.count else { return nil }
            video.append(EncodedFrame(data: Array(b[at..<at + n]), key: key)); at += n
        }
        for _ in 0..<na {
            guard let n = u32(), at + n <= b.count else { return nil }
            opus.append(Array(b[at..<at + n])); at += n
        }
        return at == b.count ? (video, opus) : nil
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
    case recording(String)
    var description: String {
        switch self {
        case .media(let s): return "media: \(s)"
        case .control(let s): return "control: \(s)"
        case .setup(let s): return "setup: \(s)"
        case .recording(let s): return "recording: \(s)"
        }
    }
}

// MARK: CPU accounting from /proc (read at the edges of the window only)

/// CPU time (ns) of every thread of a process, by thread id, with the thread's name: from
/// /proc/PID/task/TID/schedstat (time on CPU, ns resolution), else stat (user + system, in
/// clock ticks).
func threadCPU(pid: Int32) -> [Int: (name: String, ns: Int64)] {
    let hz = Int64(sysconf(Int32(_SC_CLK_TCK)))
    var out: [Int: (name: String, ns: Int64)] = [:]
    guard let tids = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return out }
    for t in tids {
        guard let tid = Int(t), let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(t)/stat", encoding: .utf8),
              let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { continue }
        let name = String(stat[stat.index(after: open)..<close])
        if let sched = try? String(contentsOfFile: "/proc/\(pid)/task/\(t)/schedstat", encoding: .utf8),
           let first = sched.split(separator: " ").first, let ns = Int64(first) {
            out[tid] = (name, ns)
            continue
        }
        // After ") ": state(3) … utime(14) stime(15)
        let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
        guard fields.count > 12, let u = Int64(fields[11]), let s = Int64(fields[12]) else { continue }
        out[tid] = (name, (u + s) * (1_000_000_000 / hz))
    }
    return out
}

/// CPU time (ns) of each thread of a process between two `threadCPU` readings, busiest first
/// (threads that did nothing left out). A thread's name is whatever it set with
/// pthread_setname_np, else its creator's.
func threadCPUDelta(_ a: [Int: (name: String, ns: Int64)], _ b: [Int: (name: String, ns: Int64)])
    -> [(tid: Int, name: String, ns: Int64)] {
    b.map { (tid: $0.key, name: $0.value.name, ns: $0.value.ns - (a[$0.key]?.ns ?? 0)) }
        .filter { $0.ns > 0 }.sorted { $0.ns > $1.ns }
}

/// Busy time (everything but idle and iowait, ns) of each CPU, from /proc/stat.
func machineCPU() -> [Int64] {
    let hz = Int64(sysconf(Int32(_SC_CLK_TCK)))
    guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return [] }
    var out: [Int64] = []
    for line in stat.split(separator: "\n") where line.hasPrefix("cpu") && !line.hasPrefix("cpu ") {
        let v = line.split(separator: " ").dropFirst().compactMap { Int64($0) }
        guard v.count >= 8 else { continue }
        // user nice system idle iowait irq softirq steal
        out.append((v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * (1_000_000_000 / hz))
    }
    return out
}
