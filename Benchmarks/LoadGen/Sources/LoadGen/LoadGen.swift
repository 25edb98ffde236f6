import ArgumentParser
import CLoadGen
import Foundation

@main
struct LoadGen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadgen",
        abstract: "One streamer and N WebRTC viewers in one process, against bridged or Janus 1.1.2.")

    enum Target: String, ExpressibleByArgument, CaseIterable {
        case bridged, bridgedRTP = "bridged-rtp", janusStreaming = "janus-streaming", janusVideoroom = "janus-videoroom"

        /// The server is bridged (viewers join through its API).
        var isBridged: Bool { self == .bridged || self == .bridgedRTP }
    }

    @Option(help: "bridged (a WebRTC streamer), bridged-rtp (a room fed by plain RTP on ports 5002/5004, as Janus's mountpoint), janus-streaming or janus-videoroom")
    var target: Target = .bridged
    @Option(help: "Control API base URL (default: http://127.0.0.1:8080 for bridged, http://127.0.0.1:8088/janus for Janus)") var url: String?
    @Option(help: "bridged API key, if it has one") var apiKey: String?
    @Option(help: "Viewers joining at once") var viewers = 50
    @Option(help: "Seconds of steady state measured") var duration = 10
    @Option(help: "Seconds to settle after every viewer received media") var warmup = 3
    @Option(help: "Seconds allowed for the burst of joins") var joinTimeout = 60
    @Option(help: "Video bitrate, kbit/s") var videoKbps = 2500
    @Option(help: "Opus bitrate, kbit/s") var audioKbps = 48
    @Option var width = 1280
    @Option var height = 720
    @Option var fps = 30
    @Option(help: "Seconds of media encoded at start and looped") var loopSeconds = 4
    @Option(help: "Frames between key frames") var keyFrameInterval = 60
    @Option(help: "Microseconds between the packets of one frame (0: a burst)") var paceUs = 1000
    @Option(help: "PID of the server process, for CPU and RSS") var serverPid: Int32?
    @Option(help: "Room (bridged) or mountpoint id (janus-streaming) or room number (janus-videoroom)") var room: String?
    @Option(help: "Write the result as JSON here") var json: String?
    @Option(help: "Free-form label stored in the result (e.g. the server configuration)") var label = ""
    @Option(help: "Concurrent HTTP connections for the burst of joins") var connections = 64
    @Option(help: "bridged: streaming rooms besides the measured one (ids <room>-x1…), each with its own streamer sending the same media, no viewers")
    var extraStreamers = 0
    @Flag(help: "bridged: the streamer sends three encodings (a SIM group of three SSRCs, the same pictures) and viewer k is bounded to encoding k % 3")
    var simulcast = false
    @Flag(help: "Viewers negotiate transport-cc (the extension and the feedback): the server numbers every packet it sends them; they send no feedback")
    var transportCC = false
    @Flag(help: "bridged: record each extra room (not the measured one) from once every streamer sends until the end; fails if a recording drops packets or fails")
    var record = false

    func validate() throws {
        if extraStreamers < 0 { throw ValidationError("--extra-streamers must be 0 or more") }
        if (extraStreamers > 0 || record) && target != .bridged {
            throw ValidationError("--extra-streamers and --record are for the bridged target")
        }
        if simulcast && target != .bridged { throw ValidationError("--simulcast is for the bridged target") }
        if record && extraStreamers == 0 { throw ValidationError("--record records the extra rooms: give --extra-streamers") }
    }

    func run() async throws {
        let source = try MediaSource(width: width, height: height, fps: fps, videoKbps: videoKbps, audioKbps: audioKbps,
                                     seconds: loopSeconds, keyFrameInterval: keyFrameInterval, pacingNs: Int64(paceUs) * 1000)
        log(String(format: "source: %d packets per %d s loop, VP8 %.0f kbit/s (%d key frames), Opus %.0f kbit/s",
                   source.packets.count, loopSeconds, source.videoBitrate / 1000, source.keyFrames, source.audioBitrate / 1000))
        let engine = try Engine(source: source)
        engine.start()
        let http = HTTP(connections: connections)
        let run = Run(options: self, engine: engine, http: http)
        let result = try await run.execute()
        engine.stop()
        let data = try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys])
        if let json { try data.write(to: URL(fileURLWithPath: json)) }
        print(String(decoding: data, as: UTF8.self))
        if let failures = result["recording_failures"] as? [String], !failures.isEmpty {
            for f in failures { log("RECORDING FAILURE: \(f)") }
            throw LoadGenError.recording("\(failures.count) recording failure(s), first: \(failures[0])")
        }
    }
}

func log(_ s: String) {
    FileHandle.standardError.write(Data(("loadgen: " + s + "\n").utf8))
}

/// Percentile of a sorted array (nearest rank).
func percentile(_ sorted: [Double], _ q: Double) -> Double? {
    guard !sorted.isEmpty else { return nil }
    let rank = max(0, min(sorted.count - 1, Int((Double(sorted.count) * q).rounded(.up)) - 1))
    return sorted[rank]
}

struct PeerSummary: Sendable {
    var connected: Bool
    var failure: String?
    var profile: String?
    var joinMs: Double?
    var firstVideoMs: Double?
    var expected: Int64
    var received: Int64
    var outOfOrder: Int64
    var bytes: Int64
}

/// One measured run: streamer up, burst of viewers, warm-up, steady window, figures.
struct Run: Sendable {
    let options: LoadGen
    let engine: Engine
    let http: HTTP

    func execute() async throws -> [String: Any] {
        let o = options
        let target = o.target
        var janus: JanusControl?
        let bridged = BridgedControl(base: o.url ?? "http://127.0.0.1:8080", http: http, apiKey: o.apiKey)
        let room = o.room ?? (target.isBridged ? "bench" : target == .janusStreaming ? "1" : "1234")
        let extraRooms = (0..<o.extraStreamers).map { "\(room)-x\($0 + 1)" }
        if !target.isBridged {
            let j = JanusControl(base: o.url ?? "http://127.0.0.1:8088/janus", http: http)
            try await j.connect()
            janus = j
        }

        // The streamer.
        var publisherID: Int64 = 0
        switch target {
        case .bridged:
            try await bridged.createRoom(room)
            let peer = try Peer(viewer: false, controlling: true)
            let offer = peer.offer(fingerprint: engine.fingerprint, send: (engine.audioSSRC, engine.videoSSRC), simulcast: o.simulcast)
            peer.remote = try Peer.parse(try await bridged.join(room: room, role: "streamer", offer: offer))
            engine.simulcast = o.simulcast
            engine.add(peer)
            try await waitConnected(peer, what: "streamer")
            engine.addStreamer(.webrtc(peer))
            // The extra streamers, each in its own room, connected one after the other.
            for room in extraRooms {
                try await bridged.createRoom(room)
                let peer = try Peer(viewer: false, controlling: true)
                let offer = peer.offer(fingerprint: engine.fingerprint, send: (engine.audioSSRC, engine.videoSSRC))
                peer.remote = try Peer.parse(try await bridged.join(room: room, role: "streamer", offer: offer))
                engine.add(peer)
                try await waitConnected(peer, what: "streamer of \(room)")
                engine.addStreamer(.webrtc(peer))
            }
            if !extraRooms.isEmpty { log("\(extraRooms.count) extra streamers connected") }
        case .bridgedRTP:
            // The same plain RTP as Janus's streaming mountpoint gets: audio to 5002, VP8 (PT 100) to 5004.
            try await bridged.createRoom(room, source: ["rtp": ["video": ["codec": "vp8", "port": 5004, "payload_type": 100],
                                                                "audio": ["codec": "opus", "port": 5002]]])
            var port: UInt16 = 0
            let fd = lg_udp_socket(&port)
            engine.videoPT = 100
            engine.addStreamer(.plain(fd: fd, audioPort: 5002, videoPort: 5004))
        case .janusStreaming:
            var port: UInt16 = 0
            let fd = lg_udp_socket(&port)
            engine.videoPT = 100
            engine.addStreamer(.plain(fd: fd, audioPort: 5002, videoPort: 5004))
        case .janusVideoroom:
            let j = janus!
            let handle = try await j.attach("janus.plugin.videoroom")
            let joined = try await j.message(handle: handle, body: ["request": "join", "ptype": "publisher",
                                                                    "room": Int(room) ?? 1234, "display": "loadgen"])
            guard let data = (joined["plugindata"] as? [String: Any])?["data"] as? [String: Any],
                  let id = (data["id"] as? NSNumber)?.int64Value else { throw LoadGenError.control("videoroom join: \(joined)") }
            publisherID = id
            let peer = try Peer(viewer: false, controlling: true)
            let offer = peer.offer(fingerprint: engine.fingerprint, send: (engine.audioSSRC, engine.videoSSRC))
            let published = try await j.message(handle: handle, body: ["request": "publish", "audio": true, "video": true],
                                                jsep: ["type": "offer", "sdp": offer])
            guard let answer = (published["jsep"] as? [String: Any])?["sdp"] as? String else {
                throw LoadGenError.control("videoroom publish: no answer in \(published)")
            }
            peer.remote = try Peer.parse(answer)
            engine.add(peer)
            try await waitConnected(peer, what: "publisher")
            engine.addStreamer(.webrtc(peer))
        }
        engine.startStreaming()
        try await Task.sleep(for: .seconds(1))

        // One recording per extra room, every streamer sending.
        var recordingIDs: [(room: String, id: String)] = []
        var writerThreads: Set<Int> = []
        if o.record {
            let before = o.serverPid.map { Set(threadCPU(pid: $0).keys) } ?? []
            recordingIDs = try await withThrowingTaskGroup(of: (String, String).self) { group in
                for room in extraRooms { group.addTask { (room, try await bridged.startRecording(room: room)) } }
                var list: [(room: String, id: String)] = []
                for try await r in group { list.append(r) }
                return list.sorted { $0.room < $1.room }
            }
            // Each recording starts one writer thread: the server's new threads.
            if let pid = o.serverPid { writerThreads = Set(threadCPU(pid: pid).keys).subtracting(before) }
            log("\(recordingIDs.count) recordings started, \(writerThreads.count) new server threads")
        }
        let janusClient = janus
        let feed = publisherID

        // The burst of viewers.
        let rssBefore = o.serverPid.map { lg_process_rss_bytes($0) } ?? -1
        let cpuBeforeJoins = o.serverPid.map { lg_process_cpu_ns($0) } ?? -1
        let viewers = try (0..<o.viewers).map { _ in try Peer(viewer: true, controlling: target.isBridged) }
        let joinStart = lg_monotonic_ns()
        let errors = await withTaskGroup(of: String?.self) { group in
            for (k, peer) in viewers.enumerated() {
                group.addTask {
                    peer.requestSent = lg_realtime_ns()
                    do {
                        switch target {
                        case .bridged, .bridgedRTP:
                            let offer = peer.offer(fingerprint: engine.fingerprint, send: nil, transportCC: o.transportCC)
                            let joined = try await bridged.joinWithID(room: room, role: "viewer", offer: offer)
                            peer.remote = try Peer.parse(joined.answer)
                            if o.simulcast { try await bridged.setMaxSpatial(room: room, participant: joined.id, k % 3) }
                            engine.add(peer)
                        case .janusStreaming, .janusVideoroom:
                            let j = janusClient!
                            let plugin = target == .janusStreaming ? "janus.plugin.streaming" : "janus.plugin.videoroom"
                            let handle = try await j.attach(plugin)
                            let body: [String: Any] = target == .janusStreaming
                                ? ["request": "watch", "id": Int(room) ?? 1]
                                : ["request": "join", "ptype": "subscriber", "room": Int(room) ?? 1234,
                                   "streams": [["feed": feed]]]
                            let event = try await j.message(handle: handle, body: body)
                            guard let offer = (event["jsep"] as? [String: Any])?["sdp"] as? String else {
                                throw LoadGenError.control("no offer in \(event)")
                            }
                            peer.remote = try Peer.parse(offer)
                            let answer = peer.answer(to: offer, fingerprint: engine.fingerprint, transportCC: o.transportCC)
                            engine.add(peer)
                            _ = try await j.message(handle: handle, body: ["request": "start"], jsep: ["type": "answer", "sdp": answer])
                        }
                        return nil
                    } catch {
                        return "\(error)"
                    }
                }
            }
            var list: [String] = []
            for await e in group { if let e { list.append(e) } }
            return list
        }
        if !errors.isEmpty { log("\(errors.count) joins failed, first: \(errors[0])") }

        // Until every viewer has media (or the timeout).
        let deadline = joinStart + Int64(o.joinTimeout) * 1_000_000_000
        while lg_monotonic_ns() < deadline {
            let waiting = await engine.ask { e in e.allPeers().filter { $0.isViewer && ($0.firstPacket == 0 || $0.firstVideo == 0) }.count }
            if waiting == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let joinSeconds = Double(lg_monotonic_ns() - joinStart) / 1e9
        log(String(format: "%d viewers joined in %.1f s; warm-up %d s", o.viewers, joinSeconds, o.warmup))
        try await Task.sleep(for: .seconds(o.warmup))

        // The steady window.
        let recorded0 = try await recordingTotals(bridged, recordingIDs)
        let threads0 = o.serverPid.map { threadCPU(pid: $0) } ?? [:]
        let machine0 = machineCPU()
        let cpu0 = o.serverPid.map { lg_process_cpu_ns($0) } ?? -1
        let self0 = lg_self_cpu_ns()
        let t0 = lg_monotonic_ns()
        await engine.ask { e in
            e.stats.reset()
            e.stats.measuring = true
            for p in e.allPeers() where p.isViewer { p.beginWindow(); p.windowBytesBase = p.bytesReceived }
        }
        try await Task.sleep(for: .seconds(o.duration))
        let summaries = await engine.ask { e -> [PeerSummary] in
            e.stats.measuring = false
            return e.allPeers().filter(\.isViewer).map { p in
                var failure: String?
                if case .failed(let why) = p.state { failure = why }
                let streams = [p.streams.0, p.streams.1].filter(\.used)
                let expected = streams.reduce(Int64(0)) { $0 + max(0, $1.maxExtended - max($1.windowBase, -1)) }
                return PeerSummary(
                    connected: p.isConnected, failure: failure, profile: p.profile.map { "\($0)" },
                    joinMs: p.firstPacket > 0 ? Double(p.firstPacket - p.requestSent) / 1e6 : nil,
                    firstVideoMs: p.firstVideo > 0 ? Double(p.firstVideo - p.requestSent) / 1e6 : nil,
                    expected: expected, received: streams.reduce(0) { $0 + $1.windowReceived },
                    outOfOrder: streams.reduce(0) { $0 + $1.windowOutOfOrder },
                    bytes: p.bytesReceived - p.windowBytesBase)
            }
        }
        let t1 = lg_monotonic_ns()
        let cpu1 = o.serverPid.map { lg_process_cpu_ns($0) } ?? -1
        let self1 = lg_self_cpu_ns()
        let machine1 = machineCPU()
        let threads1 = o.serverPid.map { threadCPU(pid: $0) } ?? [:]
        let rssAfter = o.serverPid.map { lg_process_rss_bytes($0) } ?? -1
        let recorded1 = try await recordingTotals(bridged, recordingIDs)
        let stats = await engine.ask { e in
            (p50: e.stats.delayPercentile(0.5), p99: e.stats.delayPercentile(0.99), max: Double(e.stats.delayMax) / 1e6,
             samples: e.stats.delayCount, auth: e.stats.authFailures, sent: e.stats.packetsSent, extraSent: e.stats.extraPacketsSent)
        }

        // The recordings as the API shows them, then stopped (files flushed and closed).
        var recordingList: [[String: Any]] = []
        var recordingFailures: [String] = []
        for (r, id) in recordingIDs {
            var entry: [String: Any] = ["room": r, "id": id]
            do {
                guard let info = try await bridged.recordings(room: r).first(where: { $0["id"] as? String == id }) else {
                    throw LoadGenError.recording("recording \(id) of \(r) is not listed")
                }
                let state = info["state"] as? String ?? "?"
                let dropped = (info["dropped"] as? NSNumber)?.int64Value ?? -1
                entry["state"] = state
                entry["packets"] = (info["packets"] as? NSNumber)?.int64Value ?? -1
                entry["bytes"] = (info["bytes"] as? NSNumber)?.int64Value ?? -1
                entry["dropped"] = dropped
                if let error = info["error"] as? String { entry["error"] = error }
                if dropped != 0 { recordingFailures.append("\(r)/\(id): \(dropped) packets dropped") }
                if state != "recording" {
                    recordingFailures.append("\(r)/\(id): state \(state)\((info["error"] as? String).map { " (\($0))" } ?? "")")
                }
                let stopped = try await bridged.stopRecording(room: r, id: id)
                entry["bytes_after_stop"] = (stopped["bytes"] as? NSNumber)?.int64Value ?? -1
                entry["packets_after_stop"] = (stopped["packets"] as? NSNumber)?.int64Value ?? -1
                entry["dropped_after_stop"] = (stopped["dropped"] as? NSNumber)?.int64Value ?? -1
                entry["state_after_stop"] = stopped["state"] as? String ?? "?"
                entry["files"] = stopped["files"] as? [String] ?? []
                if let d = (stopped["dropped"] as? NSNumber)?.int64Value, d != dropped {
                    recordingFailures.append("\(r)/\(id): \(d) packets dropped by the stop")
                }
                if stopped["state"] as? String == "failed" { recordingFailures.append("\(r)/\(id): failed at stop") }
            } catch {
                recordingFailures.append("\(r)/\(id): \(error)")
            }
            recordingList.append(entry)
        }
        await janusClient?.close()
        if target.isBridged {
            await bridged.deleteRoom(room)
            for r in extraRooms { await bridged.deleteRoom(r) }
        }

        // Figures.
        let window = Double(t1 - t0) / 1e9
        let received = summaries.reduce(Int64(0)) { $0 + $1.received }
        let expected = summaries.reduce(Int64(0)) { $0 + $1.expected }
        let ooo = summaries.reduce(Int64(0)) { $0 + $1.outOfOrder }
        let bytes = summaries.reduce(Int64(0)) { $0 + $1.bytes }
        let lost = max(0, expected - received)
        let joins = summaries.compactMap(\.joinMs).sorted()
        let videos = summaries.compactMap(\.firstVideoMs).sorted()
        var result: [String: Any] = [
            "target": target.rawValue, "label": o.label, "viewers": o.viewers,
            "viewers_connected": summaries.filter(\.connected).count,
            "viewers_with_media": summaries.filter { $0.joinMs != nil }.count,
            "join_errors": errors.count,
            "window_s": window,
            "streamer_packets_per_s": Double(stats.sent) / window,
            "forwarded_packets": received,
            "forwarded_packets_per_s": Double(received) / window,
            "forwarded_bits_per_s": Double(bytes * 8) / window,
            "loss_pct": expected > 0 ? Double(lost) * 100 / Double(expected) : 100,
            // Packets the viewers got out of those the streamer sent in the window, times the
            // viewers: a server that falls behind (its socket queue growing) shows here before
            // it shows as loss.
            "delivered_pct": stats.sent > 0 ? Double(received) * 100 / (Double(stats.sent) * Double(o.viewers)) : 0,
            "out_of_order_pct": received > 0 ? Double(ooo) * 100 / Double(received) : 0,
            "auth_failures": stats.auth,
            "delay_samples": stats.samples,
            "generator_cpu_pct": Double(self1 - self0) / 1e9 / window * 100,
            "source": ["video_kbps": engine.source.videoBitrate / 1000, "audio_kbps": engine.source.audioBitrate / 1000,
                       "width": o.width, "height": o.height, "fps": o.fps, "pace_us": o.paceUs],
            "srtp_profiles": Dictionary(grouping: summaries.compactMap(\.profile), by: { $0 }).mapValues(\.count),
        ]
        if let p50 = stats.p50, let p99 = stats.p99 {
            result["delay_ms"] = ["p50": p50, "p99": p99, "max": stats.max]
        }
        if let p50 = percentile(joins, 0.5), let p99 = percentile(joins, 0.99) {
            result["join_ms"] = ["p50": p50, "p99": p99, "max": joins.last!]
        }
        if let p50 = percentile(videos, 0.5), let p99 = percentile(videos, 0.99) {
            result["first_video_ms"] = ["p50": p50, "p99": p99]
        }
        if let failure = summaries.compactMap(\.failure).first { result["first_failure"] = failure }
        result["extra_streamers"] = o.extraStreamers
        result["extra_streamer_packets_per_s"] = Double(stats.extraSent) / window
        result["recordings"] = recordingIDs.count
        if !recordingIDs.isEmpty {
            let span = Double(recorded1.at - recorded0.at) / 1e9
            let sum = { (key: String) in recordingList.reduce(Int64(0)) { $0 + (($1[key] as? Int64) ?? 0) } }
            result["recording"] = [
                // Over the window (the API read just before and just after it).
                "packets_per_s": Double(recorded1.packets - recorded0.packets) / span,
                "bytes_per_s": Double(recorded1.bytes - recorded0.bytes) / span,
                "window_packets": recorded1.packets - recorded0.packets,
                // At the end, every recording.
                "packets": sum("packets"), "bytes": sum("bytes"), "dropped": sum("dropped"),
                "bytes_after_stop": sum("bytes_after_stop"),
                "list": recordingList,
            ] as [String: Any]
            result["recording_failures"] = recordingFailures
        }
        if cpu0 >= 0, cpu1 >= 0 {
            let cpu = Double(cpu1 - cpu0) / 1e9
            result["server_cpu_s"] = cpu
            result["server_cpu_pct"] = cpu / window * 100
            result["cpu_us_per_packet"] = received > 0 ? cpu * 1e6 / Double(received) : nil
            result["join_cpu_s"] = Double(cpu0 - cpuBeforeJoins) / 1e9
            // The server's CPU by thread (event loop, recorder writers, …), % of a core each.
            let threads = threadCPUDelta(threads0, threads1)
            result["server_threads"] = threads.map {
                ["tid": $0.tid, "name": $0.name, "cpu_pct": Double($0.ns) / 1e9 / window * 100,
                 "recorder": writerThreads.contains($0.tid)] as [String: Any]
            }
            if !writerThreads.isEmpty {
                // The recordings' writer threads (the threads the recordings started), together.
                result["recorder_threads"] = writerThreads.count
                result["recorder_threads_cpu_pct"] = Double(threads.filter { writerThreads.contains($0.tid) }.reduce(0) { $0 + $1.ns })
                    / 1e9 / window * 100
            }
        }
        if machine0.count == machine1.count, !machine0.isEmpty {
            // Every CPU's busy time over the window, % of a core each, and what neither the server
            // nor the generator used (other processes on this machine, kernel threads): a busy
            // neighbour distorts the figures.
            let busy = zip(machine0, machine1).map { Double($1 - $0) / 1e9 / window * 100 }
            result["machine_cpu_pct"] = busy
            if cpu0 >= 0, cpu1 >= 0 {
                let others = busy.reduce(0, +) - Double(cpu1 - cpu0) / 1e9 / window * 100 - Double(self1 - self0) / 1e9 / window * 100
                result["other_cpu_pct"] = max(0, others)
            }
        }
        if rssBefore > 0, rssAfter > 0 {
            result["server_rss_mb"] = Double(rssAfter) / 1_048_576
            result["server_rss_before_viewers_mb"] = Double(rssBefore) / 1_048_576
            result["rss_per_viewer_kb"] = Double(rssAfter - rssBefore) / 1024 / Double(max(1, o.viewers))
        }
        return result
    }

    /// Packets and bytes recorded so far, over every recording, and when (monotonic ns, the
    /// middle of the requests).
    private func recordingTotals(_ bridged: BridgedControl, _ ids: [(room: String, id: String)]) async throws
        -> (packets: Int64, bytes: Int64, at: Int64) {
        guard !ids.isEmpty else { return (0, 0, 0) }
        let start = lg_monotonic_ns()
        let lists = try await withThrowingTaskGroup(of: [JSONObject].self) { group in
            for (room, _) in ids { group.addTask { try await bridged.recordings(room: room) } }
            var all: [JSONObject] = []
            for try await l in group { all += l }
            return all
        }
        let end = lg_monotonic_ns()
        var packets: Int64 = 0, bytes: Int64 = 0
        for info in lists where ids.contains(where: { $0.id == info["id"] as? String }) {
            packets += (info["packets"] as? NSNumber)?.int64Value ?? 0
            bytes += (info["bytes"] as? NSNumber)?.int64Value ?? 0
        }
        return (packets, bytes, (start + end) / 2)
    }

    private func waitConnected(_ peer: Peer, what: String) async throws {
        for _ in 0..<200 {
            let state = await engine.ask { _ in "\(peer.state)" }
            if state == "connected" { return }
            if state.hasPrefix("failed") { throw LoadGenError.setup("\(what): \(state)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw LoadGenError.setup("\(what) did not connect in 10 s")
    }
}
