// Big-endian integer access over raw buffers and byte arrays, in NIO's vocabulary: `get`/`set`
// take an offset and move nothing; `ByteReader.read…` and `ByteWriter.write…` (and
// `[UInt8].writeInteger`) move a cursor or append. None of the buffer accessors allocate.
// Callers check bounds first: one check per fixed header (STYLE G7). Every module that reads or
// writes wire formats (RTP, ICE, SFU) uses these, and only these.

extension UnsafeRawBufferPointer {
    @inlinable @inline(__always)
    public func getUInt16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) << 8 | UInt16(self[offset &+ 1])
    }

    @inlinable @inline(__always)
    public func getUInt24(at offset: Int) -> UInt32 {
        UInt32(self[offset]) << 16 | UInt32(self[offset &+ 1]) << 8 | UInt32(self[offset &+ 2])
    }

    @inlinable @inline(__always)
    public func getUInt32(at offset: Int) -> UInt32 {
        UInt32(getUInt16(at: offset)) << 16 | UInt32(getUInt16(at: offset &+ 2))
    }

    @inlinable @inline(__always)
    public func getUInt64(at offset: Int) -> UInt64 {
        UInt64(getUInt32(at: offset)) << 32 | UInt64(getUInt32(at: offset &+ 4))
    }
}

extension UnsafeMutableRawBufferPointer {
    @inlinable @inline(__always)
    public func getUInt16(at offset: Int) -> UInt16 { UnsafeRawBufferPointer(self).getUInt16(at: offset) }

    @inlinable @inline(__always)
    public func getUInt32(at offset: Int) -> UInt32 { UnsafeRawBufferPointer(self).getUInt32(at: offset) }

    @inlinable @inline(__always)
    public func setUInt16(_ value: UInt16, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset &+ 1] = UInt8(truncatingIfNeeded: value)
    }

    @inlinable @inline(__always)
    public func setUInt24(_ value: UInt32, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value >> 16)
        self[offset &+ 1] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset &+ 2] = UInt8(truncatingIfNeeded: value)
    }

    @inlinable @inline(__always)
    public func setUInt32(_ value: UInt32, at offset: Int) {
        setUInt16(UInt16(truncatingIfNeeded: value >> 16), at: offset)
        setUInt16(UInt16(truncatingIfNeeded: value), at: offset &+ 2)
    }

    @inlinable @inline(__always)
    public func setUInt64(_ value: UInt64, at offset: Int) {
        setUInt32(UInt32(truncatingIfNeeded: value >> 32), at: offset)
        setUInt32(UInt32(truncatingIfNeeded: value), at: offset &+ 4)
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` big-endian (NIO's `writeInteger`).
    @inlinable
    public mutating func writeInteger<T: FixedWidthInteger>(_ value: T) {
        var v = value.bigEndian
        Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
    }

    /// Overwrites the bytes at `offset` with `value` big-endian (NIO's `setInteger`).
    @inlinable
    public mutating func setInteger<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        var v = value.bigEndian
        Swift.withUnsafeBytes(of: &v) { bytes in
            for (i, b) in bytes.enumerated() { self[offset + i] = b }
        }
    }
}

/// A cursor over received bytes. Every read returns nil on a short buffer, and the packet
/// initializer turns that nil into its typed error.
public struct ByteReader {
    public let bytes: UnsafeRawBufferPointer
    public var offset: Int
    public let end: Int

    @inlinable
    public init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = end ?? bytes.count
    }

    @inlinable public var remaining: Int { end - offset }

    @inlinable
    public mutating func readUInt8() -> UInt8? {
        guard remaining >= 1 else { return nil }
        defer { offset &+= 1 }
        return bytes[offset]
    }

    @inlinable
    public mutating func readUInt16() -> UInt16? {
        guard remaining >= 2 else { return nil }
        defer { offset &+= 2 }
        return bytes.getUInt16(at: offset)
    }

    @inlinable
    public mutating func readUInt24() -> UInt32? {
        guard remaining >= 3 else { return nil }
        defer { offset &+= 3 }
        return bytes.getUInt24(at: offset)
    }

    @inlinable
    public mutating func readUInt32() -> UInt32? {
        guard remaining >= 4 else { return nil }
        defer { offset &+= 4 }
        return bytes.getUInt32(at: offset)
    }

    @inlinable
    public mutating func readUInt64() -> UInt64? {
        guard remaining >= 8 else { return nil }
        defer { offset &+= 8 }
        return bytes.getUInt64(at: offset)
    }

    /// Copies `count` bytes into a new array (owned types only; never on the forwarding path).
    @inlinable
    public mutating func readBytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, remaining >= count else { return nil }
        defer { offset &+= count }
        return Array(bytes[offset..<(offset + count)])
    }

    /// The next `count` bytes without copying.
    @inlinable
    public mutating func readSlice(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, remaining >= count else { return nil }
        defer { offset &+= count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }

    @inlinable
    public mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, remaining >= count else { return false }
        offset &+= count
        return true
    }
}

/// A cursor that writes into a caller-owned buffer. The caller sized the buffer from
/// `serializedSize`, so writes past the end are programming errors and trap.
public struct ByteWriter {
    public let buffer: UnsafeMutableRawBufferPointer
    public var offset: Int

    @inlinable
    public init(_ buffer: UnsafeMutableRawBufferPointer, offset: Int = 0) {
        self.buffer = buffer
        self.offset = offset
    }

    @inlinable
    public mutating func write(_ value: UInt8) {
        precondition(offset < buffer.count, "buffer smaller than serializedSize")
        buffer[offset] = value
        offset &+= 1
    }

    @inlinable
    public mutating func write(_ value: UInt16) {
        precondition(offset + 2 <= buffer.count, "buffer smaller than serializedSize")
        buffer.setUInt16(value, at: offset)
        offset &+= 2
    }

    @inlinable
    public mutating func writeUInt24(_ value: UInt32) {
        precondition(offset + 3 <= buffer.count, "buffer smaller than serializedSize")
        buffer.setUInt24(value, at: offset)
        offset &+= 3
    }

    @inlinable
    public mutating func write(_ value: UInt32) {
        precondition(offset + 4 <= buffer.count, "buffer smaller than serializedSize")
        buffer.setUInt32(value, at: offset)
        offset &+= 4
    }

    @inlinable
    public mutating func write(_ value: UInt64) {
        write(UInt32(truncatingIfNeeded: value >> 32))
        write(UInt32(truncatingIfNeeded: value))
    }

    @inlinable
    public mutating func write(_ bytes: [UInt8]) {
        precondition(offset + bytes.count <= buffer.count, "buffer smaller than serializedSize")
        for byte in bytes {
            buffer[offset] = byte
            offset &+= 1
        }
    }

    @inlinable
    public mutating func writeZeros(_ count: Int) {
        precondition(offset + count <= buffer.count, "buffer smaller than serializedSize")
        for _ in 0..<count {
            buffer[offset] = 0
            offset &+= 1
        }
    }

    /// Writes zero bytes up to the next multiple of four, measured from `start`.
    @inlinable
    public mutating func padToWord(from start: Int = 0) {
        let misalignment = (offset - start) & 3
        if misalignment != 0 { writeZeros(4 - misalignment) }
    }
}

/// Rounds up to the next multiple of four (RTP, RTCP and STUN count in 32-bit words).
@inlinable @inline(__always)
public func roundUpToWord(_ n: Int) -> Int { (n + 3) & ~3 }

extension Array where Element == UInt8 {
    /// Builds an array of exactly `count` bytes by letting `body` write into it; `body`
    /// returns how many it wrote, which must equal `count`.
    @inlinable
    public init(serializing count: Int, _ body: (UnsafeMutableRawBufferPointer) -> Int) {
        self.init(unsafeUninitializedCapacity: count) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            let written = body(raw)
            precondition(written == count, "serializedSize disagrees with serialize(into:)")
            initialized = count
        }
    }
}
