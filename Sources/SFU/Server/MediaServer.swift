import Foundation
import Logging
import NIOCore
import NIOPosix
import Rings

/// The control plane's entry point into the SFU: rooms and participants, one command vocabulary
/// for every front end (HTTP API, later janus-compat). Each room lives on one worker's event loop
/// (its home); a streaming room's viewers may also be on other workers (`spreadViewers`), in one
/// `ViewerGroup` per worker. Every call here hops onto the loop of the part it concerns.
///
/// The commands are grouped by what they concern, one file each: rooms, participants,
/// moderation, conference signaling, recordings, viewer placement, statistics.
public actor MediaServer {
    public let configuration: MediaConfiguration
    public nonisolated let workers: [MediaWorker]
    public nonisolated let certificate: DTLSCertificate
    /// Everything that happens, for the signaling server (`GET /v1/events`).
    public nonisolated let events = EventBus()
    let loops: [MediaEventLoop]
    let logger: Logger
    /// Every room, by id.
    var rooms: [String: RoomEntry] = [:]
    private var housekeeping: Task<Void, Never>?
    private var recovery: Task<Void, Never>?
    /// Round robin over workers for new rooms.
    var nextWorker = 0
    /// Per worker: the addresses its candidates carry.
    var candidateAddresses: [[String]] = []
    /// Spread viewers: rooms' tokens on the rings, the rings by (from, to) worker.
    var nextToken: UInt32 = 1
    var rings: [Int: Task<WorkerRing, Never>] = [:]
    /// Playable files being built (awaited at shutdown).
    var finishing: [String: Task<[FinishedRecording], Never>] = [:]
    /// Where recordings go (nil: this server cannot record).
    let recordingBackend: (any RecordingBackend)?
    /// Joins under way per worker: counted as load until their transport exists.
    var joining: [Int] = []

    public init(configuration: MediaConfiguration, recordings: (any RecordingBackend)? = nil,
                logger: Logger = Logger(label: "bridged.sfu")) throws {
        self.configuration = configuration
        self.logger = logger
        recordingBackend = recordings
        let certificate = try DTLSCertificate()
        let context = try DTLSContext(certificate: certificate)
        self.certificate = certificate
        let count = configuration.endpoints.isEmpty ? max(1, configuration.workers) : configuration.endpoints.count
        let loops = (0..<count).map { MediaEventLoop(name: "media-\($0)") }
        self.loops = loops
        joining = [Int](repeating: 0, count: count)
        self.workers = (0..<count).map { i in
            MediaWorker(index: i, eventLoop: loops[i], dtlsContext: context, logger: logger)
        }
    }

    /// Binds every worker's socket.
    public func start() async throws {
        candidateAddresses = []
        for w in workers {
            let (host, port) = configuration.endpoints.isEmpty
                ? (configuration.listenAddress, configuration.port == 0 ? 0 : configuration.port + w.index)
                : configuration.endpoints[w.index]
            try await w.start(host: host, port: port, tickInterval: Self.timeAmount(configuration.tickInterval),
                              segmentationOffload: configuration.segmentationOffload)
            candidateAddresses.append(Self.candidateAddresses(for: configuration, listenAddress: host))
        }
        housekeeping = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                await self?.expireIdleRooms(now: .now)
                await self?.stopSilentRecordings(now: .now)
            }
        }
        // Recordings a dead process left unfinished become playable now, in the background.
        recovery = recordingBackend?.recoverUnfinished(in: configuration.recordingDirectory, events: events)
        logger.info("media workers listening", metadata: [
            "ports": "\(workers.map(\.localPort))",
            "candidates": "\(candidateAddresses)",
        ])
    }

    public func shutdown() async {
        housekeeping?.cancel()
        for id in Array(rooms.keys) { try? await deleteRoom(id: id, reason: .shutdown) }
        // Playable files being built are finished (what is not, the next start recovers).
        await recovery?.value
        for task in finishing.values { _ = await task.value }
        for w in workers { await w.stop() }
        for loop in loops { try? await loop.shutdownGracefully() }
    }

    /// The addresses candidates carry: announced ones, else the listen address, else every
    /// interface address (plus loopback when configured).
    static func candidateAddresses(for c: MediaConfiguration, listenAddress: String) -> [String] {
        if !c.announcedAddresses.isEmpty { return c.announcedAddresses }
        if listenAddress != "0.0.0.0" && listenAddress != "::" { return [listenAddress] }
        var out: [String] = []
        for device in (try? System.enumerateDevices()) ?? [] {
            guard case .v4 = device.address, let ip = device.address?.ipAddress else { continue }
            if ip.hasPrefix("127.") { continue }
            if !out.contains(ip) { out.append(ip) }
        }
        if c.loopbackCandidates || out.isEmpty { out.append("127.0.0.1") }
        return out
    }

    static func timeAmount(_ d: Duration) -> TimeAmount {
        .nanoseconds(Int64(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000))
    }

    static func randomID() -> String {
        let chars = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<12).map { _ in chars.randomElement()! })
    }

    // MARK: the loops

    /// Runs `body` on the part's loop, then sends what it queued (PLIs to a streamer,
    /// close_notify to a leaving peer) now, not at the next read batch.
    func onLoop<T: Sendable>(part: any RoomPart, _ body: @escaping @Sendable (any RoomPart) -> T) async -> T {
        // Only fails when the loop is shut down, which happens after every room is closed.
        try! await part.worker.eventLoop.submit {
            let result = body(part)
            part.worker.flush()
            return result
        }.get()
    }

    func onLoop<T: Sendable>(_ room: any Room, _ body: @escaping @Sendable (any Room) -> T) async -> T {
        try! await room.worker.eventLoop.submit {
            let result = body(room)
            room.worker.flush()
            return result
        }.get()
    }

    /// `onLoop` for a body that throws: its error comes back here.
    func onLoop<T: Sendable>(_ room: any Room, throwing body: @escaping @Sendable (any Room) throws(ControlError) -> T) async throws(ControlError) -> T {
        let result: Result<T, ControlError> = await onLoop(room) { r in
            do throws(ControlError) { return .success(try body(r)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    func onLoop<T: Sendable>(part: any RoomPart, throwing body: @escaping @Sendable (any RoomPart) throws(ControlError) -> T) async throws(ControlError) -> T {
        let result: Result<T, ControlError> = await onLoop(part: part) { p in
            do throws(ControlError) { return .success(try body(p)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    func onLoop<P: RoomPart, T: Sendable>(of part: P, _ body: @escaping @Sendable (P) -> T) async -> T {
        try! await part.worker.eventLoop.submit {
            let result = body(part)
            part.worker.flush()
            return result
        }.get()
    }
}
