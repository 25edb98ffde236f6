import CLinux
import Glibc
import ICE
import Logging
import NIOCore
import RTP
import Rings
import Synchronization

/// The data plane of one event loop: one UDP socket shared by every transport of the rooms that
/// live on this loop (ICE-lite, so the bridge never sends checks and one port serves all peers).
/// Everything here runs synchronously on `eventLoop`; the control plane hops onto it.
///
/// Routing (RFC 7983 first byte): STUN requests go to the transport named by the local part of
/// their USERNAME, every other datagram by the remote address a valid check came from.
public final class MediaWorker: @unchecked Sendable {  // confined to `eventLoop`
    public let index: Int
    public let eventLoop: MediaEventLoop
    public let dtlsContext: DTLSContext
    let logger: Logger
    public private(set) var localPort: Int = 0
    /// The address its socket is bound to (where rooms' RTP sources listen too).
    public private(set) var localHost = "127.0.0.1"
    private var socket: UDPSocket? {
        didSet { sendSocket = socket.map { Unmanaged.passUnretained($0) } }
    }
    /// `socket`, unretained: what the send path uses, so that a send counts no reference.
    private var sendSocket: Unmanaged<UDPSocket>?

    private var byUfrag: [String: WebRTCTransport] = [:]
    private var byAddress: [TransportAddress: WebRTCTransport] = [:]
    public private(set) var transports: [String: WebRTCTransport] = [:]
    public internal(set) var drops = DropCounters()
    public private(set) var datagramsReceived: UInt64 = 0
    public private(set) var datagramsSent: UInt64 = 0
    public private(set) var bytesReceived: UInt64 = 0
    public private(set) var bytesSent: UInt64 = 0
    public private(set) var forwarding = ForwardingHistogram()
    /// Feedback the bridge sent to publishers on this loop (kept when their transports go).
    public internal(set) var feedback = FeedbackCounters()
    private var ticker: RepeatedTask?
    /// Tests only: keeps an object alive on the loop.
    var testRetain: AnyObject?
    /// Where a packet is rewritten for one receiver without touching the copy it is kept in
    /// (retransmissions): one per loop, used within one call.
    let scratch = UnsafeMutableRawPointer.allocate(byteCount: ConsumerTable.maxPacket, alignment: 16)

    /// Transports on this worker, readable from any thread (where new viewers go).
    private let transportCount = Atomic<Int>(0)
    // Rings between workers (see WorkerRing): the eventfd other workers write to wake this
    // loop, the rings it drains, who takes their messages, the loops to wake at the next flush.
    let inboxFD: Int32
    private var inbox: [WorkerRing] = []
    private var receivers: [UInt32: any RingReceiver] = [:]
    private var wakes: [Int32] = []
    public private(set) var ringMessagesSent: UInt64 = 0
    public private(set) var ringMessagesReceived: UInt64 = 0

    public init(index: Int, eventLoop: MediaEventLoop, dtlsContext: DTLSContext, logger: Logger) {
        self.index = index
        self.eventLoop = eventLoop
        self.dtlsContext = dtlsContext
        self.logger = logger
        inboxFD = csys_eventfd()
        precondition(inboxFD >= 0, "eventfd failed: \(errno)")
        wakes.reserveCapacity(64)
    }

    deinit {
        Glibc.close(inboxFD)
        scratch.deallocate()
    }

    /// Transports on this worker now (any thread; for placing new participants).
    public var load: Int { transportCount.load(ordering: .relaxed) }

    /// Binds the worker's UDP socket and starts reading it.
    public func start(host: String, port: Int, tickInterval: TimeAmount = .milliseconds(50),
                      segmentationOffload: Bool = true) async throws {
        try await eventLoop.submit { [self] in
            let socket = try UDPSocket(host: host, port: port, segmentationOffload: segmentationOffload)
            self.socket = socket
            localPort = socket.localPort
            localHost = host
            eventLoop.registerReadable(fd: socket.fd) { [unowned self] in readable() }
            ticker = eventLoop.scheduleRepeatedTask(initialDelay: tickInterval, delay: tickInterval) { [self] _ in
                tick()
            }
        }.get()
    }

    public func stop() async {
        try? await eventLoop.submit { [self] in
            ticker?.cancel()
            for t in Array(transports.values) { t.close() }
            flush()
            if !inbox.isEmpty { eventLoop.unregister(fd: inboxFD) }
            inbox.removeAll()
            receivers.removeAll()
            if let socket { eventLoop.unregister(fd: socket.fd) }
            socket = nil
        }.get()
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
        transportCount.add(1, ordering: .relaxed)
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
        if transports[transport.id] === transport {
            transports[transport.id] = nil
            transportCount.subtract(1, ordering: .relaxed)
        }
        if byUfrag[transport.localCredentials.ufrag] === transport { byUfrag[transport.localCredentials.ufrag] = nil }
        for key in transport.validatedAddresses where byAddress[key] === transport { byAddress[key] = nil }
    }

    // MARK: data plane

    /// The socket is readable: drain it in batches of `UDPSocket.readBatch`, then send
    /// everything the batch produced with one `sendmmsg`.
    private func readable() {
        guard let socket else { return }
        let start = ContinuousClock.now
        var total = 0
        while true {
            let n = socket.receiveBatch()
            if n == 0 { break }
            total += n
            for i in 0..<n {
                let d = socket.datagram(i)
                guard !d.truncated else { drops.count(.oversize); continue }
                guard let from = d.from else { continue }
                receive(d.bytes, length: d.length, from: from)
            }
            if n < UDPSocket.readBatch { break }
        }
        flush()
        if total > 0 {
            forwarding.record(seconds: (ContinuousClock.now - start).inSeconds / Double(total), packets: total)
        }
    }

    /// One datagram, decrypted and rewritten in place in the socket's receive slot.
    func receive(_ bytes: UnsafeMutableRawPointer, length: Int, from key: TransportAddress) {
        datagramsReceived &+= 1
        bytesReceived &+= UInt64(length)
        guard length > 0 else { return }
        let raw = UnsafeRawBufferPointer(start: bytes, count: length)
        switch PacketKind(firstByte: bytes.load(as: UInt8.self)) {
        case .srtp:
            guard let t = byAddress[key] else { drops.count(.srtpFromUnknownAddress); return }
            t.receiveSRTP(bytes, length: length)
        case .stun:
            // Rare (checks, then one consent check every few seconds): routed by USERNAME.
            guard STUN.isSTUN(raw), let username = STUN.peekUsername(raw) else { drops.count(.malformedSTUN); return }
            let local = username.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
            guard let t = byUfrag[local] else { drops.count(.stunUnknownUsername); return }
            t.receiveSTUN(raw, from: key, now: .now)
        case .dtls:
            guard let t = byAddress[key] else { drops.count(.dtlsFromUnknownAddress); return }
            guard DTLSRecord.isWellFormed(raw) else { drops.count(.dtlsMalformed); return }
            t.receiveDTLS(raw, from: key)
        case .unknown:
            drops.count(.unknownFirstByte)
        }
    }

    /// Queues a datagram that needs no SRTP (STUN, DTLS).
    func sendUnprotected(_ bytes: UnsafeRawBufferPointer, to address: TransportAddress) {
        guard let socket, bytes.count <= UDPSocket.slotSize else { return }
        let slot = socket.nextSendSlot()
        slot.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        socket.commitSend(length: bytes.count, to: address)
        datagramsSent &+= 1
        bytesSent &+= UInt64(bytes.count)
    }

    /// Copies `bytes` into the next send slot, protects it there with `protect`
    /// (pointer, length, capacity) -> new length, and queues it. Allocation-free.
    @inline(__always)
    func sendProtected(_ bytes: UnsafeRawBufferPointer, to address: TransportAddress,
                       protect: (UnsafeMutableRawPointer, Int, Int) throws(SRTPError) -> Int) -> Bool {
        guard let sendSocket, bytes.count <= UDPSocket.slotSize - 64 else { return false }
        return sendSocket._withUnsafeGuaranteedRef { socket in
            let slot = socket.nextSendSlot()
            slot.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            let length: Int
            do { length = try protect(slot, bytes.count, UDPSocket.slotSize) } catch {
                drops.count(.sendFailed)
                return false
            }
            socket.commitSend(length: length, to: address)
            datagramsSent &+= 1
            bytesSent &+= UInt64(length)
            return true
        }
    }

    /// Sends what is queued: wakes the loops this one queued ring messages for (one eventfd
    /// write each), then one sendmmsg. Called after every read batch, timer and control call.
    /// Public for Benchmarks/Micro, whose fan-out benchmark ends each packet as a read batch does.
    public func flush() {
        if !wakes.isEmpty { wakePeers() }
        guard let socket, socket.pending > 0 else { return }
        socket.flush()
    }

    // MARK: rings between workers

    /// Takes ring messages from `ring` (another worker → this one). On this loop.
    func addInbox(_ ring: WorkerRing) {
        eventLoop.preconditionInEventLoop()
        precondition(ring.destination == index && ring.wakeFD == inboxFD)
        if inbox.isEmpty { eventLoop.registerReadable(fd: inboxFD) { [unowned self] in drainInbox() } }
        inbox.append(ring)
    }

    /// Ring messages for `token` go to `receiver`. On this loop.
    func register(receiver: any RingReceiver, token: UInt32) {
        eventLoop.preconditionInEventLoop()
        receivers[token] = receiver
    }

    func unregister(receiverToken token: UInt32) {
        receivers[token] = nil
    }

    /// The slot to fill for one message on `ring` (this worker → another), or nil when the ring
    /// is full (counted). Follow with `commitMessage`.
    @inline(__always)
    func reserveMessage(on ring: WorkerRing) -> RingMessage? {
        guard let m = ring.reserve() else { drops.count(.workerRingFull); return nil }
        return m
    }

    /// Publishes the message; the other loop is woken at the next `flush`.
    @inline(__always)
    func commitMessage(on ring: WorkerRing) {
        ring.commit()
        ringMessagesSent &+= 1
        if !wakes.contains(ring.wakeFD) { wakes.append(ring.wakeFD) }
    }

    /// Writes `fd` (an eventfd another thread waits on) at the next `flush`, once however many
    /// times this is called before it.
    @inline(__always)
    func wakeAtFlush(_ fd: Int32) {
        if !wakes.contains(fd) { wakes.append(fd) }
    }

    private func wakePeers() {
        for fd in wakes {
            var one: UInt64 = 1
            _ = Glibc.write(fd, &one, 8)
        }
        wakes.removeAll(keepingCapacity: true)
    }

    /// Another worker queued messages: take everything there is, then send what they produced.
    private func drainInbox() {
        var value: UInt64 = 0
        _ = Glibc.read(inboxFD, &value, 8)
        let now = ContinuousClock.now
        var more = false
        for ring in inbox {
            var n = 0
            while n < ring.capacity, let m = ring.peek() {
                if let receiver = receivers[m.token] { receiver.receive(m, from: ring.source, now: now) }
                ring.release()
                n += 1
            }
            ringMessagesReceived &+= UInt64(n)
            if n == ring.capacity { more = true }
        }
        // Never more than a ring's worth per wake-up, so that the socket is read too: come back.
        if more {
            var one: UInt64 = 1
            _ = Glibc.write(inboxFD, &one, 8)
        }
        flush()
    }

    /// Datagrams the kernel refused to send.
    public var sendFailures: UInt64 { socket?.sendFailures ?? 0 }
    /// Datagrams sent inside GSO messages, and those messages.
    public var segmentation: (datagrams: UInt64, messages: UInt64) {
        (socket?.segmentedDatagrams ?? 0, socket?.segmentedMessages ?? 0)
    }

    private func tick() {
        let now = ContinuousClock.now
        for (_, t) in transports { t.tick(now: now) }
        flush()
    }
}
