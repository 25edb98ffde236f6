import Foundation
import Glibc
import RTP

/// The info header of an `.mjr` file (`{"t","c","s","u",…}`, see `MJR`).
public struct MJRHeader: Sendable, Equatable {
    /// "a" → audio, "v" → video (Janus also writes "d" for data).
    public var kind: MediaKind?
    /// The codec name, lowercased ("opus", "vp8", "vp9", "h264", "av1").
    public var codec: String
    /// Wall-clock µs when the file was created.
    public var created: Int64
    /// Wall-clock µs when the first packet arrived: the base of every record's milliseconds.
    public var firstPacket: Int64

    /// A header with these fields.
    public init(kind: MediaKind?, codec: String, created: Int64, firstPacket: Int64) {
        self.kind = kind
        self.codec = codec
        self.created = created
        self.firstPacket = firstPacket
    }

    private struct JSON: Decodable {
        var t: String
        var c: String
        var s: Int64?
        var u: Int64?
    }

    /// Parses the JSON of the info header; nil if it is not the object Janus writes.
    init?(json: ArraySlice<UInt8>) {
        guard let j = try? JSONDecoder().decode(JSON.self, from: Data(json)) else { return nil }
        kind = j.t == "a" ? .audio : j.t == "v" ? .video : nil
        codec = j.c.lowercased()
        created = j.s ?? 0
        firstPacket = j.u ?? j.s ?? 0
    }
}

/// One record of an `.mjr` file: the RTP packet and its arrival, in ms after the first packet.
public struct MJRRecord: Sendable, Equatable {
    /// Arrival, ms after the file's first packet (the header's `firstPacket`).
    public var milliseconds: UInt32
    /// The decrypted RTP packet as received (the recorder's SSRC, sequence and timestamp).
    public var rtp: [UInt8]
}

/// Reads an `.mjr` file record by record through a fixed 256 KiB window, so that a recording of
/// hundreds of MB never sits in memory. A file cut anywhere (a process killed with `kill -9`
/// mid-write) reads as the whole records before the cut: a short or garbled tail ends the file
/// and is counted in `trailingBytes`, never thrown.
public final class MJRReader {
    /// The file read.
    public let path: String
    /// nil when the file ends before its info header (killed before the first packet).
    public private(set) var header: MJRHeader?
    /// Bytes after the last whole record, known once `next()` has returned nil.
    public private(set) var trailingBytes = 0

    private let fd: Int32
    private var window: [UInt8]
    /// The unread bytes are window[start..<end].
    private var start = 0
    private var end = 0
    /// File offset of window[0].
    private var consumed = 0
    private var eof = false
    private var done = false

    /// Room for the largest record (10 + 65535 bytes) several times over.
    static let windowSize = 256 * 1024
    static let meet: [UInt8] = Array("MEET".utf8)

    /// Opens the file and reads the magic and the info header.
    public init(path: String) throws(PlayableError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            throw e == ENOENT ? .fileMissing(path) : .unreadable(path, e)
        }
        self.fd = fd
        window = [UInt8](repeating: 0, count: Self.windowSize)
        guard try fill(MJR.magic.count) else {
            // Shorter than the magic: a file created and killed before its first flush.
            finish()
            return
        }
        guard window[start..<start + MJR.magic.count].elementsEqual(MJR.magic) else {
            throw .notMJR(path)
        }
        start += MJR.magic.count
        guard try fill(2) else { finish(); return }
        let n = Int(window[start]) << 8 | Int(window[start + 1])
        guard try fill(2 + n) else { finish(); return }
        guard let h = MJRHeader(json: window[start + 2..<start + 2 + n]) else { throw .notMJR(path) }
        header = h
        start += 2 + n
    }

    deinit { close(fd) }

    /// The next whole record, or nil at the end of the file (or at a cut or garbled record).
    public func next() throws(PlayableError) -> MJRRecord? {
        guard !done, header != nil else { return nil }
        guard try fill(MJR.packetPrefixLength),
              window[start..<start + 4].elementsEqual(Self.meet) else { finish(); return nil }
        let ms = UInt32(window[start + 4]) << 24 | UInt32(window[start + 5]) << 16
            | UInt32(window[start + 6]) << 8 | UInt32(window[start + 7])
        let n = Int(window[start + 8]) << 8 | Int(window[start + 9])
        guard try fill(MJR.packetPrefixLength + n) else { finish(); return nil }
        let body = start + MJR.packetPrefixLength
        let record = MJRRecord(milliseconds: ms, rtp: Array(window[body..<body + n]))
        start = body + n
        return record
    }

    /// Stops reading; what is left is the tail.
    private func finish() {
        done = true
        var st = stat()
        trailingBytes = fstat(fd, &st) == 0 ? Int(st.st_size) - (consumed + start) : end - start
    }

    /// Makes at least `count` unread bytes available; false when the file ends first.
    private func fill(_ count: Int) throws(PlayableError) -> Bool {
        while end - start < count {
            if eof { return false }
            if start > 0 {
                window.withUnsafeMutableBytes { w in
                    if end > start { memmove(w.baseAddress!, w.baseAddress! + start, end - start) }
                }
                end -= start
                consumed += start
                start = 0
            }
            let got = window.withUnsafeMutableBytes { w in read(fd, w.baseAddress! + end, w.count - end) }
            if got < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path, errno)
            }
            if got == 0 { eof = true } else { end += got }
        }
        return true
    }
}
