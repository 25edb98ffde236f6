import ICE
import Logging
import NIOCore
import NIOPosix
import RTP

/// The data plane of one event loop: one UDP socket shared by every transport of the rooms that
/// live on this loop (ICE-lite, so the bridge never sends checks and one port serves all peers).
/// Everything here runs synchronously on `eventLoop`; the control plane hops onto it.
///
/// Routing (RFC 7983 first byte): STUN requests go to the transport named by the local part of
/// their USERNAME, every other datagram by the remote address a valid check came from.
public final class MediaWorker: @unchecked Sendable {  // confined to `eventLoop`
    public let index: Int
    public let eventLoop: any EventLoop
    public let dtlsContext: DTLSContext
    let logger: Logger
    public private(set) var localPort: Int = 0
    private var channel: (any Channel)?
    fileprivate var context: ChannelHandlerContext?
    private var needsFlush = false

    private var byUfrag: [String: WebRTCTransport] = [:]
    private var byAddress: [TransportAddress: WebRTCTransport] = [:]
    public private(set) var transports: [String: WebRTCTransport] = [:]
    public internal(set) var drops = DropCounters()
    public private(set) var datagramsReceived: UInt64 = 0
    public private(set) var datagramsSent: UInt64 = 0

    /// Ingress working copy: datagrams are decrypted and rewritten here, never in NIO's buffer.
    private let scratch: UnsafeMutableRawPointer
    static let scratchCapacity = 2048
    /// Reused egress buffers. A slot is written again only after NIO has sent it (every read
    /// batch ends with a flush), so its storage is unique and `clear()` does not reallocate.
    private var pool: [ByteBuffer?]
    private var poolIndex = 0
    static let poolSize = 1024
    private var ticker: RepeatedTask?
    /// Tests only: keeps an object alive on the loop.
    var testRetain: AnyObject?

    public init(index: Int, eventLoop: any EventLoop, dtlsContext: DTLSContext, logger: Logger) {
        self.index = index
        self.eventLoop = eventLoop
        self.dtlsContext = dtlsContext
        self.logger = logger
        self.scratch = .allocate(byteCount: Self.scratchCapacity, alignment: 16)
        let allocator = ByteBufferAllocator()
        self.pool = (0..<Self.poolSize).map { _ in allocator.buffer(capacity: Self.scratchCapacity) }
    }

    deinit { scratch.deallocate() }

    /// Binds the worker's UDP socket.
    public func start(host: String, port: Int, tickInterval: TimeAmount = .milliseconds(100)) async throws {
        let channel = try await DatagramBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
            .channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
            .channelOption(.datagramVectorReadMessageCount, value: 32)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 32 * Self.scratchCapacity))
            .channelOption(.maxMessagesPerRead, value: 4)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(MediaChannelHandler(worker: self))
                }
            }
            .bind(host: host, port: port).get()
        self.channel = channel
        try await eventLoop.submit { [self] in
            localPort = channel.localAddress?.port ?? port
            ticker = eventLoop.scheduleRepeatedTask(initialDelay: tickInterval, delay: tickInterval) { [self] _ in
                tick()
            }
        }.get()
    }

    public func stop() async {
        try? await eventLoop.submit { [self] in
            ticker?.cancel()
            for t in Array(transports.values) { t.close() }
            flushIfNeeded()
        }.get()
        try? await channel?.close()
    }

    // MARK: transports (control plane, on the loop)

    /// Creates a transport for a peer and registers its ufrag. Must run on `eventLoop`.
    public func makeTransport(id: String, iceCredentials: ICECredentials, remoteCredentials: ICECredentials?,
                              dtlsRole: DTLSConnection.Role, remoteFingerprint: [UInt8],
                              consentTimeout: Duration) throws(DTLSError) -> WebRTCTransport {
        eventLoop.preconditionInEventLoop()
        let dtls = try DTLSConnection(context: dtlsContext, role: dtlsRole, remoteFingerprint: remoteFingerprint)
        let agent = ICELiteAgent(local: iceCredentials, remote: remoteCredentials, consentTimeout: consentTimeout)
        let t = WebRTCTransport(id: id, worker: self, ice: agent, dtls: dtls)
        transports[id] = t
        byUfrag[iceCredentials.ufrag] = t
        return t
    }

    func route(_ key: TransportAddress, to transport: WebRTCTransport) {
        byAddress[key] = transport
    }

    func rekey(_ transport: WebRTCTransport, oldUfrag: String) {
        byUfrag[oldUfrag] = nil
        byUfrag[transport.localCredentials.ufrag] = transport
    }

    func remove(_ transport: WebRTCTransport) {
        transports[transport.id] = nil
        if byUfrag[transport.localCredentials.ufrag] === transport { byUfrag[transport.localCredentials.ufrag] = nil }
        for key in transport.validatedAddresses where byAddress[key] === transport { byAddress[key] = nil }
    }

    // MARK: data plane

    fileprivate func receive(_ envelope: AddressedEnvelope<ByteBuffer>) {
        datagramsReceived &+= 1
        let length = envelope.data.readableBytes
        guard length > 0 else { return }
        guard length <= Self.scratchCapacity - 64 else { drops.count(.oversize); return }
        envelope.data.withUnsafeReadableBytes { src in
            scratch.copyMemory(from: src.baseAddress!, byteCount: length)
        }
        guard let key = TransportAddress(envelope.remoteAddress) else { return }
        let bytes = UnsafeRawBufferPointer(start: scratch, count: length)
        switch PacketKind(firstByte: scratch.load(as: UInt8.self)) {
        case .srtp:
            guard let t = byAddress[key] else { drops.count(.srtpFromUnknownAddress); return }
            t.receiveSRTP(scratch, length: length)
        case .stun:
            // Rare (checks, then one consent check every few seconds): routed by USERNAME.
            guard STUN.isSTUN(bytes), let username = STUN.peekUsername(bytes) else { drops.count(.malformedSTUN); return }
            let local = username.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
            guard let t = byUfrag[local] else { drops.count(.stunUnknownUsername); return }
            t.receiveSTUN(bytes, from: envelope.remoteAddress, key: key, now: .now)
        case .dtls:
            guard let t = byAddress[key] else { drops.count(.dtlsFromUnknownAddress); return }
            t.receiveDTLS(bytes, from: envelope.remoteAddress)
        case .unknown:
            drops.count(.unknownFirstByte)
        }
    }

    /// Tests only: one datagram through the data plane as if NIO had read it, then the flush.
    func receiveForTesting(_ envelope: AddressedEnvelope<ByteBuffer>) {
        beginReadBatch()
        receive(envelope)
        flushIfNeeded()
    }

    /// Queues a datagram that needs no SRTP (STUN, DTLS). Cold path: allocates its buffer.
    func sendUnprotected(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        write(buffer, to: address)
    }

    /// Copies `bytes` into a pooled egress buffer, protects it there with `protect`
    /// (pointer, length, capacity) -> new length, and queues it. No allocation in steady state.
    func sendProtected(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress,
                       protect: (UnsafeMutableRawPointer, Int, Int) throws(SRTPError) -> Int) -> Bool {
        guard context != nil else { return false }
        let slot = poolIndex
        poolIndex = (poolIndex &+ 1) & (Self.poolSize - 1)
        guard var buffer = pool[slot].take() else { return false }
        buffer.clear()
        var failed = false
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bytes.count + 64) { out in
            out.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            do {
                return try protect(out.baseAddress!, bytes.count, out.count)
            } catch {
                failed = true
                return 0
            }
        }
        pool[slot] = buffer
        if failed { drops.count(.sendFailed); return false }
        write(buffer, to: address)
        return true
    }

    private func write(_ buffer: ByteBuffer, to address: SocketAddress) {
        guard let context else { return }
        context.write(NIOAny(AddressedEnvelope(remoteAddress: address, data: buffer)), promise: nil)
        datagramsSent &+= 1
        needsFlush = true
        if !inReadBatch { flushIfNeeded() }
    }

    private var inReadBatch = false
    fileprivate func beginReadBatch() { inReadBatch = true }

    /// Flushes queued writes: one sendmmsg for everything a read batch produced.
    fileprivate func flushIfNeeded() {
        inReadBatch = false
        guard needsFlush, let context else { return }
        needsFlush = false
        context.flush()
    }

    private func tick() {
        let now = ContinuousClock.now
        for (_, t) in transports { t.tick(now: now) }
        flushIfNeeded()
    }
}

/// Hands every datagram of the worker's socket to the worker, and flushes once per read batch.
final class MediaChannelHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let worker: MediaWorker

    init(worker: MediaWorker) { self.worker = worker }

    func handlerAdded(context: ChannelHandlerContext) { worker.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { worker.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        worker.beginReadBatch()
        worker.receive(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        worker.flushIfNeeded()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port unreachable and the like surface here; the socket stays open.
        worker.drops.count(.sendFailed)
    }
}
