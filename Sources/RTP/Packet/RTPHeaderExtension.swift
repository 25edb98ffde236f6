// RFC 8285: a general mechanism for RTP header extensions.
//
// §4.2 one-byte header (profile 0xBEDE): each element is one byte of ID and length-minus-one,
// then 1...16 bytes of data.
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |       0xBE    |    0xDE       |           length=3            |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |  ID   | L=0   |     data      |  ID   |  L=1  |   data...
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//          ...data   |    0 (pad)    |    0 (pad)    |  ID   | L=3   |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                          data                                 |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// §4.3 two-byte header (profile 0x100 followed by 4 "appbits"): one byte of ID, one byte of
// length, then 0...255 bytes of data.
//
//    |       0x10    |    0x00       |           length=3            |
//    |      ID       |     L=0       |     ID        |     L=1       |
//    |       data    |    0 (pad)    |       ID      |      L=4      |
//    |                          data                                 |
//
// Elements are walked lazily from the offsets the view computed at parse time: no table,
// no allocation.

/// The two element encodings of RFC 8285 §4.
public enum RTPHeaderExtensionForm: Hashable, Sendable {
    /// §4.2: IDs 1...14, values of 1...16 bytes, profile 0xBEDE.
    case oneByte
    /// §4.3: IDs 1...255, values of 0...255 bytes, profile 0x100 plus 4 application bits.
    case twoByte

    /// The "defined by profile" value of the one-byte form.
    public static let oneByteProfile: UInt16 = 0xBEDE
    /// The "defined by profile" value of the two-byte form, with the application bits zero.
    public static let twoByteProfile: UInt16 = 0x1000
    /// The mask that leaves out the two-byte form's 4 application bits.
    public static let twoByteProfileMask: UInt16 = 0xFFF0

    /// The form a profile value announces, or nil for a profile that is not RFC 8285.
    public init?(profile: UInt16) {
        if profile == Self.oneByteProfile {
            self = .oneByte
        } else if profile & Self.twoByteProfileMask == Self.twoByteProfile {
            self = .twoByte
        } else {
            return nil
        }
    }

    /// The largest ID the form can carry.
    public var maximumID: UInt8 { self == .oneByte ? 14 : 255 }

    /// Whether `id` is a valid local identifier in this form (0 is padding; 15 is reserved in
    /// the one-byte form).
    public func canEncode(id: UInt8) -> Bool { id >= 1 && id <= maximumID }

    /// Whether a value of `length` bytes fits this form.
    public func canEncode(valueLength length: Int) -> Bool {
        self == .oneByte ? (1...16).contains(length) : (0...255).contains(length)
    }
}

/// One header extension element with an owned value (for `RTPPacket`).
public struct RTPHeaderExtension: Hashable, Sendable {
    /// The local identifier negotiated in SDP (`a=extmap`).
    public var id: UInt8
    /// The element's data.
    public var value: [UInt8]

    /// An element with this ID and value.
    public init(id: UInt8, value: [UInt8]) {
        self.id = id
        self.value = value
    }
}

/// The RFC 8285 element walk shared by the view and the owned packet.
@usableFromInline
enum RTPHeaderExtensionWalk {
    /// The one-byte form's reserved ID: "processing of the entire extension should terminate
    /// at that point" (RFC 8285 §4.2).
    @usableFromInline static let reservedOneByteID: UInt8 = 15

    /// Calls `body(idOffset, id, valueOffset, valueLength)` for each element of the extension
    /// block `start..<end`, until `body` returns false. Padding bytes (ID 0) are skipped; an
    /// element running past `end` ends the walk. Profiles other than RFC 8285 have no elements.
    @inlinable
    static func walk(
        _ bytes: UnsafeRawBufferPointer, profile: UInt16, start: Int, end: Int,
        _ body: (Int, UInt8, Int, Int) -> Bool
    ) {
        guard let form = RTPHeaderExtensionForm(profile: profile) else { return }
        var offset = start
        switch form {
        case .oneByte:
            while offset < end {
                let byte = bytes[offset]
                let id = byte >> 4
                if id == 0 {
                    // RFC 8285 §4.2: "The local identifier value 0 is reserved for padding".
                    offset &+= 1
                    continue
                }
                if id == reservedOneByteID { return }
                let length = Int(byte & 0x0F) &+ 1
                guard offset &+ 1 &+ length <= end else { return }
                if !body(offset, id, offset &+ 1, length) { return }
                offset &+= 1 &+ length
            }
        case .twoByte:
            while offset < end {
                let id = bytes[offset]
                if id == 0 {
                    offset &+= 1
                    continue
                }
                guard offset &+ 2 <= end else { return }
                let length = Int(bytes[offset &+ 1])
                guard offset &+ 2 &+ length <= end else { return }
                if !body(offset, id, offset &+ 2, length) { return }
                offset &+= 2 &+ length
            }
        }
    }
}
