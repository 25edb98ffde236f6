// RFC 3550 §5.1: the RTP fixed header, and the layout of the variable parts after it.
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                           timestamp                           |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |           synchronization source (SSRC) identifier            |
//    +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//    |            contributing source (CSRC) identifiers             |
//    |                             ....                              |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// RFC 3550 §5.3.1: the header extension, present when X = 1.
//
//    |      defined by profile       |           length              |
//    |                        header extension                       |
//    |                             ....                              |

import Bytes

/// Offsets and masks of the RTP fixed header (RFC 3550 §5.1).
@usableFromInline
enum RTPHeaderLayout {
    @usableFromInline static let fixedHeaderLength = 12
    @usableFromInline static let versionShift: UInt8 = 6
    @usableFromInline static let paddingMask: UInt8 = 0x20
    @usableFromInline static let extensionMask: UInt8 = 0x10
    @usableFromInline static let csrcCountMask: UInt8 = 0x0F
    @usableFromInline static let markerMask: UInt8 = 0x80
    @usableFromInline static let payloadTypeMask: UInt8 = 0x7F
    @usableFromInline static let sequenceNumberOffset = 2
    @usableFromInline static let timestampOffset = 4
    @usableFromInline static let ssrcOffset = 8
    @usableFromInline static let csrcOffset = 12
    @usableFromInline static let extensionHeaderLength = 4
}

/// Where the parts of a datagram lie, computed once with one pass of bounds checks.
/// `extensionStart` is the first element byte (after the 4-byte extension header), or -1 when
/// the X bit is clear.
@usableFromInline
struct RTPPacketLayout {
    @usableFromInline var headerLength: Int
    @usableFromInline var paddingLength: Int
    @usableFromInline var extensionStart: Int
    @usableFromInline var extensionProfile: UInt16

    @usableFromInline
    init(_ bytes: UnsafeRawBufferPointer) throws(RTPParseError) {
        let count = bytes.count
        guard count >= RTPHeaderLayout.fixedHeaderLength else { throw .headerTooShort }
        let first = bytes[0]
        guard first >> RTPHeaderLayout.versionShift == 2 else { throw .invalidVersion }

        var offset = RTPHeaderLayout.csrcOffset + 4 * Int(first & RTPHeaderLayout.csrcCountMask)
        guard offset <= count else { throw .csrcListTooShort }

        extensionStart = -1
        extensionProfile = 0
        if first & RTPHeaderLayout.extensionMask != 0 {
            guard offset + RTPHeaderLayout.extensionHeaderLength <= count else { throw .extensionHeaderTooShort }
            extensionProfile = bytes.getUInt16(at: offset)
            let words = Int(bytes.getUInt16(at: offset + 2))
            offset += RTPHeaderLayout.extensionHeaderLength
            guard offset + 4 * words <= count else { throw .extensionTooLong }
            extensionStart = offset
            offset += 4 * words
        }
        headerLength = offset

        paddingLength = 0
        if first & RTPHeaderLayout.paddingMask != 0 {
            // RFC 3550 §5.1: "The last octet of the padding contains a count of how many
            // padding octets should be ignored, including itself."
            let padding = Int(bytes[count - 1])
            guard padding > 0, padding <= count - headerLength else { throw .invalidPadding }
            paddingLength = padding
        }
    }

    @usableFromInline var hasExtension: Bool { extensionStart >= 0 }
}
