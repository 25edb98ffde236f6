import Foundation
import Glibc
import RTP

/// Appends one track's packets to an `.mjr` file. Records go into a fixed buffer and reach the
/// file with one `write` per `flush()` (the owner flushes at least once a second, so a crash
/// loses at most that) or when the buffer fills. Not thread-safe: one owner (the recorder's
/// writer thread, never an event loop).
public final class MJRWriter {
    public enum WriteError: Error, Equatable, CustomStringConvertible {
        case open(String, Int32)
        case write(Int32)
        public var description: String {
            switch self {
            case .open(let path, let e): "cannot create \(path): \(String(cString: strerror(e)))"
            case .write(let e): "write failed: \(String(cString: strerror(e)))"
            }
        }
    }

    public let path: String
    public let kind: MediaKind
    public let codec: String
    /// Wall-clock µs when the writer was created (the header's `s`).
    public let created: Int64
    private let fd: Int32
    private var buffer: UnsafeMutableRawPointer
    private let capacity = 256 * 1024
    private var used = 0
    private var firstPacketMonotonic: Int64?
    private var extensions: [(id: UInt8, uri: String)]
    public private(set) var packets = 0
    public private(set) var bytesWritten = 0

    /// Creates the file (it must not exist) and writes the magic.
    public init(path: String, kind: MediaKind, codec: String, created: Int64,
                extensions: [(id: UInt8, uri: String)] = []) throws(WriteError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .open(path, errno) }
        self.fd = fd
        self.path = path
        self.kind = kind
        self.codec = codec
        self.created = created
        self.extensions = extensions
        buffer = .allocate(byteCount: capacity, alignment: 16)
        MJR.magic.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        used = MJR.magic.count
    }

    deinit {
        try? flush()
        close(fd)
        buffer.deallocate()
    }

    /// One decrypted RTP packet. `wallMicros` (epoch µs) stamps the header before the first packet;
    /// `monotonicNanos` gives each record its time since the first. Packets over 1500 bytes are
    /// skipped (janus-pp-rec would drop them).
    public func append(_ rtp: UnsafeRawBufferPointer, wallMicros: Int64, monotonicNanos: Int64) throws(WriteError) {
        guard rtp.count >= 12, rtp.count <= MJR.maxPacket else { return }
        if firstPacketMonotonic == nil {
            firstPacketMonotonic = monotonicNanos
            let header = MJR.infoHeader(kind: kind, codec: codec, created: created, firstPacket: wallMicros,
                                        extensions: extensions)
            try reserve(header.count)
            header.withUnsafeBytes { (buffer + used).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            used += header.count
        }
        try reserve(MJR.packetPrefixLength + rtp.count)
        let ms = UInt32(clamping: max(0, monotonicNanos - firstPacketMonotonic!) / 1_000_000)
        MJR.writePacketPrefix(into: buffer + used, milliseconds: ms, length: rtp.count)
        (buffer + used + MJR.packetPrefixLength).copyMemory(from: rtp.baseAddress!, byteCount: rtp.count)
        used += MJR.packetPrefixLength + rtp.count
        packets += 1
    }

    /// Writes what is buffered.
    public func flush() throws(WriteError) {
        var done = 0
        while done < used {
            let n = write(fd, buffer + done, used - done)
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                // Keep what did not go out at the front: a later flush retries it.
                if done > 0 { buffer.copyMemory(from: buffer + done, byteCount: used - done); used -= done; bytesWritten += done }
                throw .write(e)
            }
            done += n
        }
        bytesWritten += used
        used = 0
    }

    private func reserve(_ n: Int) throws(WriteError) {
        if used + n > capacity { try flush() }
    }
}
