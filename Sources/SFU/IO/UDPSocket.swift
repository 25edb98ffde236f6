import CLinux
import Glibc
import ICE

/// A non-blocking UDP socket with preallocated batches: `recvmmsg` into fixed slots and
/// `sendmmsg` from fixed slots. Nothing here allocates after init. Confined to one event loop.
///
/// With segmentation offload on, a flush coalesces the datagrams queued for one destination
/// (equal sizes but the last, as a video frame's packets are) into one UDP GSO message
/// (`UDP_SEGMENT`, Linux 4.18): one trip down the stack for up to `maxSegments` packets.
final class UDPSocket {
    let fd: Int32
    private(set) var localPort: Int = 0

    static let slotSize = 2048
    /// Datagrams read per `recvmmsg`.
    static let readBatch = 32
    /// Datagrams queued before a `sendmmsg` is forced. Large, so that when the loop falls
    /// behind, one flush holds several packets per viewer for GSO to coalesce.
    static let writeBatch = 2048
    /// GSO limits: segments per message, and bytes per message (an IP datagram's 64 KiB).
    static let maxSegments: Int32 = 64
    static let maxSegmentedBytes: Int32 = 65_000
    /// Open-addressing table of the destinations of one flush (a power of two > writeBatch).
    private static let tableSize = 4096

    private let rx: UnsafeMutableRawPointer
    private let rxHeaders: UnsafeMutablePointer<csys_mmsghdr>
    private let rxIOV: UnsafeMutablePointer<iovec>
    private let rxAddresses: UnsafeMutablePointer<sockaddr_storage>
    private let tx: UnsafeMutableRawPointer
    private let txHeaders: UnsafeMutablePointer<csys_mmsghdr>
    private let txIOV: UnsafeMutablePointer<iovec>
    private let txAddresses: UnsafeMutablePointer<sockaddr_storage>
    /// Queued datagrams in `tx`.
    private(set) var pending = 0
    private(set) var sendFailures: UInt64 = 0
    /// Whether flushes coalesce per destination (turned off for good if the route refuses GSO).
    private(set) var segmentationOffload: Bool
    /// Datagrams that left inside a GSO message of two or more, and such messages.
    private(set) var segmentedDatagrams: UInt64 = 0
    private(set) var segmentedMessages: UInt64 = 0

    // Per flush, for coalescing: the destination of each queued slot, the message it joins, and
    // per message its first slot, segment count, segment size, bytes, whether it can grow, and
    // where its iovecs start in `msgIOV`.
    private let txDestinations: UnsafeMutablePointer<TransportAddress>
    private let slotMessage: UnsafeMutablePointer<Int32>
    private let msgFirst: UnsafeMutablePointer<Int32>
    private let msgCount: UnsafeMutablePointer<Int32>
    private let msgSegment: UnsafeMutablePointer<Int32>
    private let msgBytes: UnsafeMutablePointer<Int32>
    private let msgOpen: UnsafeMutablePointer<Bool>
    private let msgOffset: UnsafeMutablePointer<Int32>
    private let msgIOV: UnsafeMutablePointer<iovec>
    private let msgHeaders: UnsafeMutablePointer<csys_mmsghdr>
    private let msgControl: UnsafeMutableRawPointer
    private let controlSpace: Int
    private let tableGeneration: UnsafeMutablePointer<UInt32>
    private let tableMessage: UnsafeMutablePointer<Int32>
    private var generation: UInt32 = 0

    enum SocketError: Error, CustomStringConvertible {
        case invalidAddress(String)
        case system(String, Int32)
        var description: String {
            switch self {
            case .invalidAddress(let a): "invalid listen address \(a)"
            case .system(let call, let e): "\(call): \(String(cString: strerror(e)))"
            }
        }
    }

    /// `reuseAddress: false`: the bind fails if another socket has the port (an RTP source's
    /// port is its own).
    init(host: String, port: Int, segmentationOffload: Bool = true, reuseAddress: Bool = true) throws {
        var storage = sockaddr_storage()
        var length: socklen_t
        let family: Int32
        if host.contains(":") {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = UInt16(port).bigEndian
            guard inet_pton(AF_INET6, host, &a.sin6_addr) == 1 else { throw SocketError.invalidAddress(host) }
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: a, as: sockaddr_in6.self) }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            family = AF_INET6
        } else {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = UInt16(port).bigEndian
            guard inet_pton(AF_INET, host, &a.sin_addr) == 1 else { throw SocketError.invalidAddress(host) }
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: a, as: sockaddr_in.self) }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            family = AF_INET
        }
        let s = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { throw SocketError.system("socket", errno) }
        var one: Int32 = 1
        if reuseAddress { setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, 4) }
        var size: Int32 = 4 << 20
        // Large buffers absorb bursts; the FORCE variants need CAP_NET_ADMIN, else best effort.
        if setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &size, 4) != 0 { setsockopt(s, SOL_SOCKET, SO_RCVBUF, &size, 4) }
        if setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &size, 4) != 0 { setsockopt(s, SOL_SOCKET, SO_SNDBUF, &size, 4) }
        let bound = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, length) } }
        guard bound == 0 else {
            let e = errno
            close(s)
            throw SocketError.system("bind \(host):\(port)", e)
        }
        _ = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &length) } }
        let port = Int(UInt16(bigEndian: withUnsafeBytes(of: &storage) { $0.load(fromByteOffset: 2, as: UInt16.self) }))

        fd = s
        rx = .allocate(byteCount: Self.readBatch * Self.slotSize, alignment: 16)
        rxHeaders = .allocate(capacity: Self.readBatch)
        rxIOV = .allocate(capacity: Self.readBatch)
        rxAddresses = .allocate(capacity: Self.readBatch)
        tx = .allocate(byteCount: Self.writeBatch * Self.slotSize, alignment: 16)
        txHeaders = .allocate(capacity: Self.writeBatch)
        txIOV = .allocate(capacity: Self.writeBatch)
        txAddresses = .allocate(capacity: Self.writeBatch)
        for i in 0..<Self.readBatch {
            rxIOV[i] = iovec(iov_base: rx + i * Self.slotSize, iov_len: Self.slotSize)
        }
        for i in 0..<Self.writeBatch {
            txIOV[i] = iovec(iov_base: tx + i * Self.slotSize, iov_len: 0)
        }
        localPort = port
        self.segmentationOffload = segmentationOffload
        txDestinations = .allocate(capacity: Self.writeBatch)
        txDestinations.initialize(repeating: .v4(0, port: 0), count: Self.writeBatch)
        slotMessage = .allocate(capacity: Self.writeBatch)
        msgFirst = .allocate(capacity: Self.writeBatch)
        msgCount = .allocate(capacity: Self.writeBatch)
        msgSegment = .allocate(capacity: Self.writeBatch)
        msgBytes = .allocate(capacity: Self.writeBatch)
        msgOpen = .allocate(capacity: Self.writeBatch)
        msgOffset = .allocate(capacity: Self.writeBatch)
        msgIOV = .allocate(capacity: Self.writeBatch)
        msgHeaders = .allocate(capacity: Self.writeBatch)
        controlSpace = Int(csys_udp_segment_space())
        msgControl = .allocate(byteCount: Self.writeBatch * controlSpace, alignment: 16)
        tableGeneration = .allocate(capacity: Self.tableSize)
        tableGeneration.initialize(repeating: 0, count: Self.tableSize)
        tableMessage = .allocate(capacity: Self.tableSize)
        tableMessage.initialize(repeating: 0, count: Self.tableSize)
    }

    private var closed = false

    /// Closes the descriptor now (the port is free at once), not when the last reference goes.
    func closeNow() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }

    deinit {
        if !closed { Glibc.close(fd) }
        rx.deallocate(); rxHeaders.deallocate(); rxIOV.deallocate(); rxAddresses.deallocate()
        tx.deallocate(); txHeaders.deallocate(); txIOV.deallocate(); txAddresses.deallocate()
        txDestinations.deallocate(); slotMessage.deallocate(); msgFirst.deallocate(); msgCount.deallocate()
        msgSegment.deallocate(); msgBytes.deallocate(); msgOpen.deallocate(); msgOffset.deallocate()
        msgIOV.deallocate(); msgHeaders.deallocate(); msgControl.deallocate()
        tableGeneration.deallocate(); tableMessage.deallocate()
    }

    // MARK: receive

    /// Reads up to `readBatch` datagrams; returns how many (0 when the socket is drained).
    func receiveBatch() -> Int {
        for i in 0..<Self.readBatch {
            rxHeaders[i] = csys_mmsghdr(msg_hdr: msghdr(msg_name: UnsafeMutableRawPointer(rxAddresses + i),
                                                   msg_namelen: socklen_t(MemoryLayout<sockaddr_storage>.size),
                                                   msg_iov: rxIOV + i, msg_iovlen: 1,
                                                   msg_control: nil, msg_controllen: 0, msg_flags: 0),
                                   msg_len: 0)
        }
        let n = csys_recvmmsg(fd, rxHeaders, UInt32(Self.readBatch))
        return n > 0 ? Int(n) : 0
    }

    /// The i-th datagram of the last batch: bytes (mutable, ours until the next batch) and sender.
    @inline(__always)
    func datagram(_ i: Int) -> (bytes: UnsafeMutableRawPointer, length: Int, truncated: Bool, from: TransportAddress?) {
        let h = rxHeaders[i]
        return (rx + i * Self.slotSize, Int(h.msg_len), h.msg_hdr.msg_flags & Int32(MSG_TRUNC) != 0,
                Self.address(rxAddresses + i))
    }

    static func address(_ s: UnsafePointer<sockaddr_storage>) -> TransportAddress? {
        let raw = UnsafeRawPointer(s)
        switch Int32(s.pointee.ss_family) {
        case AF_INET:
            let a = raw.load(as: sockaddr_in.self)
            return .v4(UInt32(bigEndian: a.sin_addr.s_addr), port: UInt16(bigEndian: a.sin_port))
        case AF_INET6:
            let hi = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            let lo = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
            return .v6(hi, lo, port: UInt16(bigEndian: raw.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
        default:
            return nil
        }
    }

    // MARK: send

    /// The next free send slot (`slotSize` bytes), flushing first if the batch is full.
    @inline(__always)
    func nextSendSlot() -> UnsafeMutableRawPointer {
        if pending == Self.writeBatch { flush() }
        return tx + pending * Self.slotSize
    }

    /// Queues the `length` bytes written into `nextSendSlot()` for `to`.
    func commitSend(length: Int, to address: TransportAddress) {
        let i = pending
        txIOV[i].iov_len = length
        let nameLength: socklen_t
        switch address {
        case .v4(let ip, let port):
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = port.bigEndian
            a.sin_addr.s_addr = ip.bigEndian
            UnsafeMutableRawPointer(txAddresses + i).storeBytes(of: a, as: sockaddr_in.self)
            nameLength = socklen_t(MemoryLayout<sockaddr_in>.size)
        case .v6(let hi, let lo, let port):
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &a.sin6_addr) {
                $0.storeBytes(of: hi.bigEndian, toByteOffset: 0, as: UInt64.self)
                $0.storeBytes(of: lo.bigEndian, toByteOffset: 8, as: UInt64.self)
            }
            UnsafeMutableRawPointer(txAddresses + i).storeBytes(of: a, as: sockaddr_in6.self)
            nameLength = socklen_t(MemoryLayout<sockaddr_in6>.size)
        }
        txHeaders[i] = csys_mmsghdr(msg_hdr: msghdr(msg_name: UnsafeMutableRawPointer(txAddresses + i), msg_namelen: nameLength,
                                               msg_iov: txIOV + i, msg_iovlen: 1,
                                               msg_control: nil, msg_controllen: 0, msg_flags: 0),
                               msg_len: 0)
        txDestinations[i] = address
        pending += 1
    }

    /// Sends everything queued: one `sendmmsg` per batch, coalescing per destination when
    /// segmentation offload is on. A full socket buffer drops the rest (counted): media is late
    /// anyway, and the data plane never blocks.
    func flush() {
        guard pending > 0 else { return }
        if !segmentationOffload || pending == 1 || !flushSegmented() {
            flushSingly(txHeaders, count: pending)
        }
        pending = 0
    }

    private func flushSingly(_ headers: UnsafeMutablePointer<csys_mmsghdr>, count: Int) {
        var sent = 0
        while sent < count {
            let n = csys_sendmmsg(fd, headers + sent, UInt32(min(count - sent, 1024)))
            if n > 0 {
                sent += Int(n)
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                // EAGAIN, or an error for the datagram at `sent` (e.g. ICMP unreachable): skip it.
                sendFailures &+= 1
                sent += 1
            }
        }
    }

    @inline(__always)
    private static func bucket(_ a: TransportAddress) -> Int {
        var h: UInt64
        switch a {
        case .v4(let ip, let port): h = UInt64(ip) << 16 | UInt64(port)
        case .v6(let hi, let lo, let port): h = hi ^ (lo &* 0xff51_afd7_ed55_8ccd) ^ UInt64(port)
        }
        h = (h ^ (h >> 29)) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: h >> 52) & (tableSize - 1)
    }

    /// Groups the queued datagrams into GSO messages, in order per destination. Returns false
    /// (and sends nothing) when no two datagrams coalesce, so the caller sends them singly.
    private func flushSegmented() -> Bool {
        generation &+= 1
        if generation == 0 {
            tableGeneration.update(repeating: 0, count: Self.tableSize)
            generation = 1
        }
        var messages = 0
        for i in 0..<pending {
            let length = Int32(truncatingIfNeeded: txIOV[i].iov_len)
            let destination = txDestinations[i]
            var b = Self.bucket(destination)
            var found: Int32 = -1
            while tableGeneration[b] == generation {
                let m = tableMessage[b]
                if txDestinations[Int(msgFirst[Int(m)])] == destination { found = m; break }
                b = (b + 1) & (Self.tableSize - 1)
            }
            if found >= 0 {
                let k = Int(found)
                if msgOpen[k], length <= msgSegment[k], msgCount[k] < Self.maxSegments,
                   msgBytes[k] + length <= Self.maxSegmentedBytes {
                    slotMessage[i] = found
                    msgCount[k] += 1
                    msgBytes[k] += length
                    if length < msgSegment[k] { msgOpen[k] = false }  // a short segment ends a message
                    continue
                }
            }
            msgFirst[messages] = Int32(i)
            msgCount[messages] = 1
            msgSegment[messages] = length
            msgBytes[messages] = length
            msgOpen[messages] = true
            slotMessage[i] = Int32(messages)
            tableGeneration[b] = generation
            tableMessage[b] = Int32(messages)
            messages += 1
        }
        if messages == pending { return false }

        // Each message's iovecs side by side, in queue order.
        var offset: Int32 = 0
        for k in 0..<messages {
            msgOffset[k] = offset
            offset += msgCount[k]
            msgCount[k] = 0
        }
        for i in 0..<pending {
            let k = Int(slotMessage[i])
            msgIOV[Int(msgOffset[k] + msgCount[k])] = txIOV[i]
            msgCount[k] += 1
        }
        for k in 0..<messages {
            let first = Int(msgFirst[k])
            let count = Int(msgCount[k])
            var control: UnsafeMutableRawPointer? = nil
            var controlLength = 0
            if count > 1 {
                control = msgControl + k * controlSpace
                controlLength = Int(csys_udp_segment_cmsg(control, UInt16(msgSegment[k])))
                segmentedMessages &+= 1
                segmentedDatagrams &+= UInt64(count)
            }
            msgHeaders[k] = csys_mmsghdr(
                msg_hdr: msghdr(msg_name: UnsafeMutableRawPointer(txAddresses + first),
                                msg_namelen: txHeaders[first].msg_hdr.msg_namelen,
                                msg_iov: msgIOV + Int(msgOffset[k]), msg_iovlen: count,
                                msg_control: control, msg_controllen: controlLength, msg_flags: 0),
                msg_len: 0)
        }
        var sent = 0
        while sent < messages {
            let n = csys_sendmmsg(fd, msgHeaders + sent, UInt32(min(messages - sent, 1024)))
            if n > 0 {
                sent += Int(n)
                continue
            }
            let e = errno
            if n < 0 && e == EINTR { continue }
            if msgCount[sent] > 1 && (e == EIO || e == EINVAL || e == ENOPROTOOPT || e == EOPNOTSUPP) {
                // This route cannot segment (no checksum offload, IPsec…): send the rest singly, for good.
                segmentationOffload = false
                for k in sent..<messages {
                    let first = Int(msgFirst[k])
                    for j in 0..<Int(msgCount[k]) {
                        msgHeaders[0] = csys_mmsghdr(
                            msg_hdr: msghdr(msg_name: UnsafeMutableRawPointer(txAddresses + first),
                                            msg_namelen: txHeaders[first].msg_hdr.msg_namelen,
                                            msg_iov: msgIOV + Int(msgOffset[k]) + j, msg_iovlen: 1,
                                            msg_control: nil, msg_controllen: 0, msg_flags: 0),
                            msg_len: 0)
                        flushSingly(msgHeaders, count: 1)
                    }
                }
                return true
            }
            sendFailures &+= 1
            sent += 1
        }
        return true
    }
}
