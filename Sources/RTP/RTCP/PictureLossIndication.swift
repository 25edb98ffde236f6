// RFC 4585 §6.3.1: PLI, picture loss indication (PSFB, FMT 1). No FCI.
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |V=2|P| FMT=1   |   PT=PSFB=206 |          length=2             |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                  SSRC of packet sender                        |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                  SSRC of media source                         |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

import Bytes

/// A picture loss indication (RFC 4585 §6.3.1): the receiver lost a picture and asks the
/// sender for a key frame.
public struct PictureLossIndication: Hashable, Sendable {
    /// The SSRC of the packet sender.
    public var senderSSRC: UInt32
    /// The SSRC of the media source that should send a key frame.
    public var mediaSSRC: UInt32

    /// A PLI from `senderSSRC` about `mediaSSRC`.
    public init(senderSSRC: UInt32, mediaSSRC: UInt32) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
    }

    /// Parses a whole PLI packet, header included. Trailing FCI bytes are ignored.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTCPParseError) {
        guard case .pictureLossIndication(let sender, let media) = try RTCPView(viewing: bytes) else {
            throw .wrongPacketType
        }
        self.init(senderSSRC: sender, mediaSSRC: media)
    }

    /// Always 12.
    public var serializedSize: Int { 12 }

    /// Writes the 12-byte packet at the start of `buffer` without allocating; returns 12.
    @discardableResult
    public func serialize(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        precondition(buffer.count >= 12, "buffer smaller than serializedSize")
        RTCPHeader(count: RTCPFeedbackFormat.pictureLossIndication, packetType: RTCPPacketType.payloadSpecificFeedback, length: 2)
            .serialize(into: buffer)
        buffer.setUInt32(senderSSRC, at: 4)
        buffer.setUInt32(mediaSSRC, at: 8)
        return 12
    }
}
