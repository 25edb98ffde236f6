// A reference point for the fan-out figures, not bridged code: what the kernel charges per
// datagram when the worker's socket sends its batch. A nonblocking UDP socket like UDPSocket's
// (4 MiB send buffer) queues 1216-byte datagrams (1200 + the GCM tag) to the loopback sink and
// sends them with one sendmmsg per 256, as UDPSocket does; the time is per datagram.

import Benchmark
import CMicroLinux
import Glibc

final class SendmmsgBench {
    static let batch = 256
    static let size = 1216
    let fd: Int32
    let sink: Int32
    let slots: UnsafeMutableRawPointer
    let headers: UnsafeMutablePointer<micro_mmsghdr>
    let iov: UnsafeMutablePointer<iovec>
    let address: UnsafeMutablePointer<sockaddr_in>
    var pending = 0
    var failures = 0

    init() {
        let (sink, port) = loopbackSink()
        self.sink = sink
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        precondition(fd >= 0, "socket: \(errno)")
        var size: Int32 = 4 << 20
        if setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, 4) != 0 { setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, 4) }
        address = .allocate(capacity: 1)
        address.initialize(to: sockaddr_in())
        address.pointee.sin_family = sa_family_t(AF_INET)
        address.pointee.sin_port = port.bigEndian
        address.pointee.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        slots = .allocate(byteCount: Self.batch * Self.size, alignment: 64)
        slots.initializeMemory(as: UInt8.self, repeating: 0xAB, count: Self.batch * Self.size)
        iov = .allocate(capacity: Self.batch)
        headers = .allocate(capacity: Self.batch)
        for i in 0..<Self.batch {
            iov[i] = iovec(iov_base: slots + i * Self.size, iov_len: Self.size)
            headers[i] = micro_mmsghdr(
                msg_hdr: msghdr(msg_name: UnsafeMutableRawPointer(address), msg_namelen: socklen_t(MemoryLayout<sockaddr_in>.size),
                                msg_iov: iov + i, msg_iovlen: 1, msg_control: nil, msg_controllen: 0, msg_flags: 0),
                msg_len: 0)
        }
    }

    /// Queues one datagram; sends the batch when it is full.
    @inline(__always)
    func queue() {
        pending += 1
        guard pending == Self.batch else { return }
        var sent = 0
        while sent < pending {
            let n = Int(micro_sendmmsg(fd, headers + sent, UInt32(pending - sent)))
            if n > 0 { sent += n } else { failures += 1; sent += 1 }
        }
        pending = 0
    }
}

func registerLoopbackBenchmarks() {
    let bench = SendmmsgBench()
    Benchmark("Reference loopback UDP sendmmsg 1216B per datagram", configuration: configuration()) { benchmark in
        for _ in benchmark.scaledIterations {
            bench.queue()
        }
        precondition(bench.failures == 0, "sendmmsg failed \(bench.failures) times")
    }
}
