// Big-endian primitives over raw buffers and byte arrays. Callers bounds-check once, then read.

extension UnsafeRawBufferPointer {
    @inlinable
    func beUInt16(at offset: Int) -> UInt16 {
        UInt16(bigEndian: self.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inlinable
    func beUInt32(at offset: Int) -> UInt32 {
        UInt32(bigEndian: self.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inlinable
    func beUInt64(at offset: Int) -> UInt64 {
        UInt64(bigEndian: self.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}

extension Array where Element == UInt8 {
    @inlinable
    mutating func appendBE(_ value: UInt16) {
        self.append(UInt8(truncatingIfNeeded: value >> 8))
        self.append(UInt8(truncatingIfNeeded: value))
    }

    @inlinable
    mutating func appendBE(_ value: UInt32) {
        self.appendBE(UInt16(truncatingIfNeeded: value >> 16))
        self.appendBE(UInt16(truncatingIfNeeded: value))
    }

    @inlinable
    mutating func appendBE(_ value: UInt64) {
        self.appendBE(UInt32(truncatingIfNeeded: value >> 32))
        self.appendBE(UInt32(truncatingIfNeeded: value))
    }

    @inlinable
    mutating func setBE(_ value: UInt16, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset + 1] = UInt8(truncatingIfNeeded: value)
    }
}
