// A reference point for the fan-out figures, not bridged code: what the kernel charges for the
// worker's flush. A nonblocking UDP socket like UDPSocket's (4 MiB send buffer) sends N
// 1216-byte datagrams (1200 + the GCM tag) to the loopback sink with one sendmmsg, N = 1, 10,
// 100: the syscall that ends each Forward-1-packet-to-N-viewers iteration.

import Benchmark
import CMicroLinux
import Glibc

final class SendmmsgBench {
    static let size = 1216
    let count: Int
    let fd: Int32
    let sink: Int32
    let slots: UnsafeMutableRawPointer
    let headers: UnsafeMutablePointer<micro_mmsghdr>
    let iov: UnsafeMutablePointer<iovec>
    let address: UnsafeMutablePointer<sockaddr_in>
    var failures = 0

    init(datagrams count: Int) {
        self.count = count
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
        slots = .allocate(byteCount: count * Self.size, alignment: 64)
        slots.initializeMemory(as: UInt8.self, repeating: 0xAB, count: count * Self.size)
        iov = .allocate(capacity: count)
        headers = .allocate(capacity: count)
        for i in 0..<count {
            iov[i] = iovec(iov_base: slots + i * Self.size, iov_len: Self.size)
            headers[i] = micro_mmsghdr(
                msg_hdr: msghdr(msg_name: UnsafeMutableRawPointer(address), msg_namelen: socklen_t(MemoryLayout<sockaddr_in>.size),
                                msg_iov: iov + i, msg_iovlen: 1, msg_control: nil, msg_controllen: 0, msg_flags: 0),
                msg_len: 0)
        }
    }

    deinit {
        close(fd)
        close(sink)
        slots.deallocate()
        headers.deallocate()
        iov.deallocate()
        address.deallocate()
    }

    /// Sends the N datagrams, as UDPSocket.flush does (a failed datagram is skipped and counted).
    @inline(__always)
    func send() {
        var sent = 0
        while sent < count {
            let n = Int(micro_sendmmsg(fd, headers + sent, UInt32(count - sent)))
            if n > 0 { sent += n } else { failures += 1; sent += 1 }
        }
    }
}

func registerLoopbackBenchmarks() {
    for n in [1, 10, 100] {
        var bench: SendmmsgBench?
        Benchmark("Reference-loopback-sendmmsg-\(n)x1216B",
                  configuration: configuration(scalingFactor: n == 1 ? .kilo : .one, maxDuration: .seconds(2),
                                               warmupIterations: n == 1 ? 3 : 100)) { benchmark in
            let state = bench!
            for _ in benchmark.scaledIterations {
                state.send()
            }
        } setup: {
            bench = SendmmsgBench(datagrams: n)
        } teardown: {
            precondition(bench?.failures == 0, "sendmmsg failed \(bench?.failures ?? -1) times")
            bench = nil
        }
    }
}
