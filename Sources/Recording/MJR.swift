// Janus's `.mjr` recording format (record.c, version 2), so that recordings convert with
// Debian's `janus-pp-rec` and Janus users' tooling keeps working:
//
//   "MJR00002"                                       8 bytes, once
//   uint16 L, L bytes of JSON {"t","c","s","u",…}    the info header, before the first packet
//   "MEET", uint32 ms since the first packet, uint16 N, N bytes of decrypted RTP   per packet
//
// All integers big-endian. A file cut anywhere after a whole packet still converts.

import Foundation
import Glibc
import RTP

/// Encodes the parts of an `.mjr` file into caller-provided buffers; no I/O, no allocation per
/// packet, time passed in.
public enum MJR {
    public static let magic: [UInt8] = Array("MJR00002".utf8)
    /// "MEET", time, length.
    public static let packetPrefixLength = 10

    /// The info header: its 2-byte length and the JSON. `created` and `firstPacket` are wall-clock
    /// µs since the Unix epoch; `extensions` are the recorded RTP header-extension IDs (so that
    /// janus-pp-rec finds the audio level and video orientation).
    public static func infoHeader(kind: MediaKind, codec: String, created: Int64, firstPacket: Int64,
                                  extensions: [(id: UInt8, uri: String)] = []) -> [UInt8] {
        var json = "{\"t\": \"\(kind == .audio ? "a" : "v")\", \"c\": \"\(jsonEscaped(codec))\", \"s\": \(created), \"u\": \(firstPacket)"
        if !extensions.isEmpty {
            json += ", \"x\": {" + extensions.map { "\"\($0.id)\": \"\(jsonEscaped($0.uri))\"" }.joined(separator: ", ") + "}"
        }
        json += "}"
        let body = Array(json.utf8)
        return [UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
    }

    /// Writes the 10-byte prefix of one packet at `into`.
    @inline(__always)
    public static func writePacketPrefix(into p: UnsafeMutableRawPointer, milliseconds: UInt32, length: Int) {
        p.storeBytes(of: UInt32(0x4D45_4554).bigEndian, as: UInt32.self)  // "MEET"
        p.storeBytes(of: milliseconds.bigEndian, toByteOffset: 4, as: UInt32.self)
        p.storeBytes(of: UInt16(truncatingIfNeeded: length).bigEndian, toByteOffset: 8, as: UInt16.self)
    }

    /// The largest RTP packet a record holds (janus-pp-rec skips bigger ones).
    public static let maxPacket = 1500

    private static func jsonEscaped(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}

/// What a parsed `.mjr` holds (tests, recovery).
public struct MJRFile: Sendable {
    public struct Packet: Sendable, Equatable {
        public var milliseconds: UInt32
        public var rtp: [UInt8]
    }
    public var info: String?
    public var packets: [Packet] = []
    /// Bytes after the last whole record (a write cut short).
    public var trailingBytes = 0

    public enum ParseError: Error, Equatable { case notMJR }

    /// Parses a whole file; a truncated last record is tolerated and counted in `trailingBytes`.
    public init(bytes: [UInt8]) throws(ParseError) {
        guard bytes.count >= 8, Array(bytes[0..<8]) == MJR.magic else { throw .notMJR }
        var at = 8
        while at < bytes.count {
            if info == nil {
                guard at + 2 <= bytes.count else { break }
                let n = Int(bytes[at]) << 8 | Int(bytes[at + 1])
                guard at + 2 + n <= bytes.count else { break }
                info = String(decoding: bytes[at + 2..<at + 2 + n], as: UTF8.self)
                at += 2 + n
                continue
            }
            guard at + MJR.packetPrefixLength <= bytes.count, Array(bytes[at..<at + 4]) == Array("MEET".utf8) else { break }
            let ms = UInt32(bytes[at + 4]) << 24 | UInt32(bytes[at + 5]) << 16 | UInt32(bytes[at + 6]) << 8 | UInt32(bytes[at + 7])
            let n = Int(bytes[at + 8]) << 8 | Int(bytes[at + 9])
            guard at + MJR.packetPrefixLength + n <= bytes.count else { break }
            packets.append(Packet(milliseconds: ms, rtp: Array(bytes[at + 10..<at + 10 + n])))
            at += MJR.packetPrefixLength + n
        }
        trailingBytes = bytes.count - at
    }
}
