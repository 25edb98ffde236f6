import CLinux
import Glibc
import ICE

/// A non-blocking UDP socket with preallocated batches: `recvmmsg` into fixed slots and
/// `sendmmsg` from fixed slots. Nothing here allocates after init. Confined to one event loop.
final class UDPSocket {
    let fd: Int32
    private(set) var localPort: Int = 0

    static let slotSize = 2048
    /// Datagrams read per `recvmmsg`.
    static let readBatch = 32
    /// Datagrams queued before a `sendmmsg` is forced.
    static let writeBatch = 256

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

    init(host: String, port: Int) throws {
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
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, 4)
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
    }

    deinit {
        close(fd)
        rx.deallocate(); rxHeaders.deallocate(); rxIOV.deallocate(); rxAddresses.deallocate()
        tx.deallocate(); txHeaders.deallocate(); txIOV.deallocate(); txAddresses.deallocate()
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
        pending += 1
    }

    /// Sends everything queued: one `sendmmsg` per batch. A full socket buffer drops the rest
    /// (counted): media is late anyway, and the data plane never blocks.
    func flush() {
        var sent = 0
        while sent < pending {
            let n = csys_sendmmsg(fd, txHeaders + sent, UInt32(pending - sent))
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
        pending = 0
    }
}
