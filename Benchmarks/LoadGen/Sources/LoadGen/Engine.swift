import CLoadGen
import Foundation
import RTP
import SFU
import Synchronization

/// Maps a payload fingerprint back to the packet of the loop, and remembers when that packet was
/// last sent (CLOCK_REALTIME ns). Written and read on the engine thread only.
final class SourceIndex: @unchecked Sendable {
    private var indexByFingerprint: [UInt64: Int] = [:]
    var sendTimes: [Int64]
    private(set) var ambiguous = 0

    init(_ source: MediaSource) {
        sendTimes = Array(repeating: 0, count: source.packets.count)
        var seen: [UInt64: Int] = [:]
        for (i, p) in source.packets.enumerated() {
            let f = p.payload.withUnsafeBytes { payloadFingerprint($0) }
            if seen[f] != nil { seen[f] = -1; ambiguous += 1 } else { seen[f] = i }
        }
        indexByFingerprint = seen.filter { $0.value >= 0 }
    }

    @inline(__always)
    func sendTime(of fingerprint: UInt64) -> Int64? {
        guard let i = indexByFingerprint[fingerprint] else { return nil }
        let t = sendTimes[i]
        return t > 0 ? t : nil
    }
}

/// Counters for the measurement window, and the one-way delay histogram (10 µs buckets to 1 s).
final class EngineStats: @unchecked Sendable {
    var measuring = false
    var authFailures: Int64 = 0
    var delayBuckets = [Int64](repeating: 0, count: 100_001)
    var delayCount: Int64 = 0
    var delayMax: Int64 = 0
    var packetsSent: Int64 = 0
    var bytesSent: Int64 = 0
    /// Packets the extra streamers sent (not in `packetsSent`, which is the measured room's).
    var extraPacketsSent: Int64 = 0

    @inline(__always)
    func recordDelay(_ ns: Int64) {
        guard ns >= 0 else { return }
        let bucket = min(Int(ns / 10_000), delayBuckets.count - 1)
        delayBuckets[bucket] += 1
        delayCount += 1
        if ns > delayMax { delayMax = ns }
    }

    func delayPercentile(_ q: Double) -> Double? {
        guard delayCount > 0 else { return nil }
        let target = Int64((Double(delayCount) * q).rounded(.up))
        var acc: Int64 = 0
        for (i, c) in delayBuckets.enumerated() {
            acc += c
            if acc >= max(target, 1) { return Double(i) * 0.01 + 0.005 }   // ms, bucket middle
        }
        return nil
    }

    func reset() {
        authFailures = 0
        for i in delayBuckets.indices { delayBuckets[i] = 0 }
        delayCount = 0; delayMax = 0; packetsSent = 0; bytesSent = 0; extraPacketsSent = 0
    }
}

/// How the streamer's packets leave: as SRTP over its WebRTC peer, or as plain RTP to the
/// server's audio and video ports (a Janus RTP mountpoint).
enum Egress {
    case webrtc(Peer)
    case plain(fd: Int32, audioPort: UInt16, videoPort: UInt16)
}

/// One streamer on the engine: where its packets go and where it is in the loop. The first is
/// the measured room's (its send times are stamped for the delay); the others are the extra
/// streamers (`--extra-streamers`), the same packets into rooms without viewers.
struct Streamer {
    var egress: Egress
    var measured: Bool
    var cursor = 0
    var loopStart: Int64 = 0
    var loops: UInt32 = 0
    var audioSeq: UInt16 = 1000
    var videoSeq: UInt16 = 5000
}

/// The single thread that does all media: it sends the looped stream on time and reads every
/// viewer's socket (epoll, recvmmsg with kernel timestamps). Control code hands it work with
/// `run(_:)`.
final class Engine: @unchecked Sendable {
    let source: MediaSource
    let index: SourceIndex
    let stats = EngineStats()
    let dtlsContext: DTLSContext
    let fingerprint: String
    private let epoll: Int32
    private var peers: [Peer] = []
    private let pending = Mutex<[@Sendable (Engine) -> Void]>([])
    private var thread: Thread?
    private let stopped = Mutex(false)
    private let done = DispatchSemaphore(value: 0)

    // Streamers: the measured one first, then the extra ones. Engine thread only.
    private var streamers: [Streamer] = []
    var audioSSRC: UInt32 = 0x1111_0001
    var videoSSRC: UInt32 = 0x2222_0002
    /// Simulcast: each video packet goes out three times, on videoSSRC, +1 and +2 (a SIM
    /// group, lowest first; the same pictures, as the server only forwards them).
    var simulcast = false
    var audioPT: UInt8 = 111
    var videoPT: UInt8 = 96
    private var sendBuffer = [UInt8](repeating: 0, count: 1500)
    private var slots: [lg_slot]
    private var slotMemory: UnsafeMutableRawPointer
    static let batch = 64

    init(source: MediaSource) throws {
        self.source = source
        self.index = SourceIndex(source)
        let certificate = try DTLSCertificate(commonName: "loadgen")
        self.dtlsContext = try DTLSContext(certificate: certificate)
        self.fingerprint = certificate.sha256Fingerprint
        self.epoll = lg_epoll_create()
        let memory = UnsafeMutableRawPointer.allocate(byteCount: Self.batch * 2048, alignment: 16)
        slotMemory = memory
        slots = (0..<Self.batch).map { i in
            lg_slot(buf: memory.advanced(by: i * 2048).assumingMemoryBound(to: UInt8.self), cap: 2048, len: 0,
                    addr: 0, port: 0, rx_ns: 0)
        }
    }

    /// Runs `body` on the engine thread at its next turn.
    func run(_ body: @escaping @Sendable (Engine) -> Void) {
        pending.withLock { $0.append(body) }
    }

    /// Runs `body` on the engine thread and returns its result.
    func ask<T: Sendable>(_ body: @escaping @Sendable (Engine) -> T) async -> T {
        await withCheckedContinuation { (c: CheckedContinuation<T, Never>) in
            run { engine in c.resume(returning: body(engine)) }
        }
    }

    /// Adds a peer whose remote description is known; connectivity checks start at once.
    func add(_ peer: Peer) {
        run { engine in
            engine.attach(peer)
            peer.start(now: lg_monotonic_ns(), context: engine.dtlsContext)
        }
    }

    private func attach(_ peer: Peer) {
        _ = lg_epoll_add(epoll, peer.fd, UInt32(peers.count))
        peers.append(peer)
    }

    func allPeers() -> [Peer] { peers }

    /// Adds a streamer; the first one added is the measured one. Call before `startStreaming`.
    func addStreamer(_ egress: Egress) {
        run { engine in engine.streamers.append(Streamer(egress: egress, measured: engine.streamers.isEmpty)) }
    }

    /// Starts every streamer at once. The extra streamers start at different points of the loop
    /// (streamer k of n at k/n of it), so that their key frames do not all fall on the same
    /// instant as the measured one's.
    func startStreaming() {
        run { engine in
            let now = lg_monotonic_ns()
            let n = Int64(engine.streamers.count)
            for k in engine.streamers.indices {
                let phase = engine.source.loopDuration * Int64(k) / max(1, n)
                engine.streamers[k].loopStart = now - phase
                engine.streamers[k].cursor = engine.source.packets.firstIndex { $0.sendOffset >= phase } ?? 0
            }
            engine.streaming = true
        }
    }
    private var streaming = false

    func start() {
        let t = Thread { [self] in loop(); done.signal() }
        t.name = "loadgen-engine"
        t.stackSize = 8 << 20
        thread = t
        t.start()
    }

    func stop() {
        stopped.withLock { $0 = true }
        done.wait()
    }

    private func loop() {
        var tokens = [UInt32](repeating: 0, count: 256)
        var lastTick: Int64 = 0
        while !stopped.withLock({ $0 }) {
            let work = pending.withLock { list -> [@Sendable (Engine) -> Void] in
                defer { list.removeAll(keepingCapacity: true) }
                return list
            }
            for w in work { w(self) }

            var now = lg_monotonic_ns()
            if streaming { sendDue(now: now) }
            if now - lastTick >= 10_000_000 {
                for p in peers { p.tick(now: now, context: dtlsContext) }
                lastTick = now
            }
            now = lg_monotonic_ns()
            var timeout: Int64 = 5_000_000
            if streaming {
                for k in streamers.indices where streamers[k].cursor < source.packets.count {
                    timeout = min(timeout, max(0, streamers[k].loopStart + source.packets[streamers[k].cursor].sendOffset - now))
                }
            }
            let ready = tokens.withUnsafeMutableBufferPointer { lg_epoll_wait(epoll, $0.baseAddress, 256, timeout) }
            for i in 0..<Int(ready) { drain(peers[Int(tokens[i])]) }
        }
    }

    private func drain(_ peer: Peer) {
        // Bounded so one busy socket cannot starve the sender; epoll is level-triggered.
        for _ in 0..<4 {
            let n = slots.withUnsafeMutableBufferPointer { lg_recv_batch(peer.fd, $0.baseAddress, Int32(Self.batch)) }
            if n <= 0 { return }
            for i in 0..<Int(n) {
                let s = slots[i]
                let buffer = UnsafeMutableRawBufferPointer(start: s.buf, count: Int(s.cap))
                peer.receive(buffer, length: Int(s.len), from: s.addr, port: s.port, context: dtlsContext,
                             stats: stats, rxTime: s.rx_ns != 0 ? s.rx_ns : lg_realtime_ns(), source: index)
            }
            if n < Self.batch { return }
        }
    }

    private func sendDue(now: Int64) {
        for k in streamers.indices { sendDue(streamer: k, now: now) }
    }

    private func sendDue(streamer k: Int, now: Int64) {
        while true {
            if streamers[k].cursor == source.packets.count {
                streamers[k].cursor = 0
                streamers[k].loops += 1
                streamers[k].loopStart += source.loopDuration
            }
            let i = streamers[k].cursor
            guard streamers[k].loopStart + source.packets[i].sendOffset <= now else { return }
            sendPacket(source.packets[i], index: i, streamer: k)
            streamers[k].cursor += 1
        }
    }

    private func sendPacket(_ p: SourcePacket, index i: Int, streamer k: Int) {
        let seq: UInt16
        if p.isVideo {
            seq = streamers[k].videoSeq; streamers[k].videoSeq &+= 1
        } else {
            seq = streamers[k].audioSeq; streamers[k].audioSeq &+= 1
        }
        let loops = streamers[k].loops
        let measured = streamers[k].measured
        let ts = p.isVideo ? p.timestampOffset &+ loops &* source.loopVideoTicks : p.timestampOffset &+ loops &* source.loopAudioTicks
        let length = 12 + p.payload.count
        let egress = streamers[k].egress
        for copy in 0..<(p.isVideo && simulcast ? 3 : 1) {
        let ssrc = p.isVideo ? videoSSRC &+ UInt32(copy) : audioSSRC
        sendBuffer.withUnsafeMutableBytes { b in
            b[0] = 0x80
            b[1] = (p.isVideo ? videoPT : audioPT) | (p.marker ? 0x80 : 0)
            b[2] = UInt8(seq >> 8); b[3] = UInt8(truncatingIfNeeded: seq)
            b[4] = UInt8(ts >> 24); b[5] = UInt8(truncatingIfNeeded: ts >> 16)
            b[6] = UInt8(truncatingIfNeeded: ts >> 8); b[7] = UInt8(truncatingIfNeeded: ts)
            b[8] = UInt8(ssrc >> 24); b[9] = UInt8(truncatingIfNeeded: ssrc >> 16)
            b[10] = UInt8(truncatingIfNeeded: ssrc >> 8); b[11] = UInt8(truncatingIfNeeded: ssrc)
            p.payload.withUnsafeBytes { b.baseAddress!.advanced(by: 12).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            switch egress {
            case .webrtc(let peer):
                guard peer.isConnected, let out = peer.srtpOut,
                      let n = try? out.protectRTP(b.baseAddress!, length: length, capacity: b.count) else { return }
                if measured && copy == 0 { index.sendTimes[i] = lg_realtime_ns() }
                peer.send(UnsafeRawBufferPointer(rebasing: b[0..<n]))
                if measured { if copy == 0 { stats.packetsSent += 1 }; stats.bytesSent += Int64(n) } else { stats.extraPacketsSent += 1 }
            case .plain(let fd, let audioPort, let videoPort):
                index.sendTimes[i] = lg_realtime_ns()
                _ = lg_send(fd, b.baseAddress, Int32(length), 0x7F00_0001, p.isVideo ? videoPort : audioPort)
                stats.packetsSent += 1; stats.bytesSent += Int64(length)
            }
        }
        }
    }

}
