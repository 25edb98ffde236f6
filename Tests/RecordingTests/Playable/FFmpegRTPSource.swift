import Foundation
import Glibc
import RTP

extension PlayableTests {
    /// Real RTP from Debian's ffmpeg: it encodes a test pattern and sends it with its RTP
    /// packetizer (`-f rtp`) to a loopback UDP port of ours; returns the datagrams in arrival
    /// order. `-re` paces it at real time so that the socket buffer never overflows.
    static func ffmpegRTP(_ encode: [String]) throws -> [RTPPacket] {
        func udpSocket() -> (Int32, UInt16) {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    _ = bind(fd, $0, len)
                    _ = getsockname(fd, $0, &len)
                }
            }
            var timeout = timeval(tv_sec: 1, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            return (fd, UInt16(bigEndian: addr.sin_port))
        }
        let (media, port) = udpSocket()
        let (rtcp, rtcpPort) = udpSocket()
        defer {
            close(media)
            close(rtcp)
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        p.arguments = ["-nostdin", "-v", "error", "-re"] + encode
            + ["-f", "rtp", "rtp://127.0.0.1:\(port)?rtcpport=\(rtcpPort)&pkt_size=1200"]
        p.standardOutput = FileHandle.nullDevice  // the SDP
        p.standardError = FileHandle.nullDevice
        try p.run()
        var packets: [RTPPacket] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let n = buffer.withUnsafeMutableBytes { recv(media, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                if let packet = try? buffer.withUnsafeBytes({ try RTPPacket(parsing: UnsafeRawBufferPointer(rebasing: $0[..<n])) }) {
                    packets.append(packet)
                }
            } else if !p.isRunning {
                break
            }
        }
        p.waitUntilExit()
        return packets
    }

    /// The captured packets as the recorder writes them: one SSRC, sequence numbers from 1,
    /// timestamps from 0, each arriving at its timestamp's time (90 kHz).
    static func recorded(_ packets: [RTPPacket]) -> [(ms: Int64, rtp: [UInt8])] {
        guard let first = packets.first else { return [] }
        return packets.map { p in
            var q = p
            q.ssrc = 0x1234
            q.sequenceNumber = p.sequenceNumber &- first.sequenceNumber &+ 1
            q.timestamp = p.timestamp &- first.timestamp
            return (Int64(q.timestamp / 90), q.serialized())
        }
    }
}
