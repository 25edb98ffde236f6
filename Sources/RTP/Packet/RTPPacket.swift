// RFC 3550 §5.1 and RFC 8285: an owned RTP packet for tests, tools and the load generator.
// The forwarding path uses `RTPPacketView` instead (G6); this type copies everything.
//
// Serialization is canonical: extension elements are packed in order, the block is padded
// with zero bytes to a 32-bit boundary, and padding is zeros ending in the count byte. A
// datagram in that form satisfies serialize(parse(b)) == b.

import Bytes

/// An owned RTP packet (version 2).
public struct RTPPacket: Hashable, Sendable {
    /// The M bit.
    public var marker: Bool
    /// The 7-bit payload type.
    public var payloadType: UInt8
    /// The 16-bit sequence number.
    public var sequenceNumber: UInt16
    /// The media timestamp.
    public var timestamp: UInt32
    /// The synchronization source.
    public var ssrc: UInt32
    /// Contributing sources, at most 15.
    public var csrcs: [UInt32]
    /// RFC 8285 header extension elements, in wire order.
    public var extensions: [RTPHeaderExtension]
    /// The element form. nil chooses automatically: one-byte when every element fits it,
    /// two-byte otherwise, and no extension block at all when `extensions` is empty.
    /// A parsed packet records the form it arrived in.
    public var extensionForm: RTPHeaderExtensionForm?
    /// The two-byte form's 4 application bits (RFC 8285 §4.3 "appbits").
    public var extensionAppBits: UInt8
    /// A header extension of a profile other than RFC 8285, kept as raw words. When set it is
    /// written instead of `extensions`.
    public var rawExtension: RTPRawHeaderExtension?
    /// The payload, excluding padding.
    public var payload: [UInt8]
    /// The number of padding bytes including the count byte; 0 for none.
    public var paddingLength: UInt8

    /// A packet with these fields.
    public init(
        marker: Bool = false, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32,
        csrcs: [UInt32] = [], extensions: [RTPHeaderExtension] = [], extensionForm: RTPHeaderExtensionForm? = nil,
        extensionAppBits: UInt8 = 0, rawExtension: RTPRawHeaderExtension? = nil,
        payload: [UInt8] = [], paddingLength: UInt8 = 0
    ) {
        self.marker = marker
        self.payloadType = payloadType
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcs = csrcs
        self.extensions = extensions
        self.extensionForm = extensionForm
        self.extensionAppBits = extensionAppBits
        self.rawExtension = rawExtension
        self.payload = payload
        self.paddingLength = paddingLength
    }

    /// Parses and copies a datagram, with the same checks as `RTPPacketView`.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTPParseError) {
        let layout = try RTPPacketLayout(bytes)
        let first = bytes[0]
        marker = bytes[1] & RTPHeaderLayout.markerMask != 0
        payloadType = bytes[1] & RTPHeaderLayout.payloadTypeMask
        sequenceNumber = bytes.getUInt16(at: RTPHeaderLayout.sequenceNumberOffset)
        timestamp = bytes.getUInt32(at: RTPHeaderLayout.timestampOffset)
        ssrc = bytes.getUInt32(at: RTPHeaderLayout.ssrcOffset)
        let csrcCount = Int(first & RTPHeaderLayout.csrcCountMask)
        csrcs = (0..<csrcCount).map { bytes.getUInt32(at: RTPHeaderLayout.csrcOffset + 4 * $0) }

        extensions = []
        extensionForm = nil
        extensionAppBits = 0
        rawExtension = nil
        if layout.hasExtension {
            if let form = RTPHeaderExtensionForm(profile: layout.extensionProfile) {
                extensionForm = form
                if form == .twoByte { extensionAppBits = UInt8(layout.extensionProfile & 0x0F) }
                var elements: [RTPHeaderExtension] = []
                RTPHeaderExtensionWalk.walk(
                    bytes, profile: layout.extensionProfile, start: layout.extensionStart, end: layout.headerLength
                ) { _, id, valueOffset, length in
                    elements.append(RTPHeaderExtension(id: id, value: Array(bytes[valueOffset..<(valueOffset + length)])))
                    return true
                }
                extensions = elements
            } else {
                rawExtension = RTPRawHeaderExtension(
                    profile: layout.extensionProfile,
                    data: Array(bytes[layout.extensionStart..<layout.headerLength]))
            }
        }
        payload = Array(bytes[layout.headerLength..<(bytes.count - layout.paddingLength)])
        paddingLength = UInt8(layout.paddingLength)
    }

    /// The form `serialize` will use for `extensions`, or nil when no RFC 8285 block is written.
    public var effectiveExtensionForm: RTPHeaderExtensionForm? {
        if rawExtension != nil { return nil }
        if let extensionForm { return extensionForm }
        if extensions.isEmpty { return nil }
        let fitsOneByte = extensions.allSatisfy {
            RTPHeaderExtensionForm.oneByte.canEncode(id: $0.id)
                && RTPHeaderExtensionForm.oneByte.canEncode(valueLength: $0.value.count)
        }
        return fitsOneByte ? .oneByte : .twoByte
    }

    /// Bytes of extension elements before padding to a word.
    private func extensionElementsLength(_ form: RTPHeaderExtensionForm) -> Int {
        let perElement = form == .oneByte ? 1 : 2
        return extensions.reduce(0) { $0 + perElement + $1.value.count }
    }

    /// The length of the extension block including its 4-byte header, 0 without one.
    private var extensionBlockLength: Int {
        if let rawExtension { return 4 + roundUpToWord(rawExtension.data.count) }
        guard let form = effectiveExtensionForm else { return 0 }
        return 4 + roundUpToWord(extensionElementsLength(form))
    }

    /// The exact number of bytes `serialize(into:)` writes.
    public var serializedSize: Int {
        RTPHeaderLayout.fixedHeaderLength + 4 * csrcs.count + extensionBlockLength + payload.count + Int(paddingLength)
    }

    /// Writes the packet at the start of `buffer` and returns the number of bytes written.
    /// Preconditions: `buffer.count >= serializedSize`, at most 15 CSRCs, and every extension
    /// element fits the chosen form.
    @discardableResult
    public func serialize(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        precondition(buffer.count >= serializedSize, "buffer smaller than serializedSize")
        precondition(csrcs.count <= 15, "at most 15 CSRCs")
        let form = effectiveExtensionForm
        let hasExtension = rawExtension != nil || form != nil
        var writer = ByteWriter(buffer)
        writer.write(
            UInt8(2) << RTPHeaderLayout.versionShift
                | (paddingLength > 0 ? RTPHeaderLayout.paddingMask : 0)
                | (hasExtension ? RTPHeaderLayout.extensionMask : 0)
                | UInt8(csrcs.count))
        writer.write((marker ? RTPHeaderLayout.markerMask : 0) | (payloadType & RTPHeaderLayout.payloadTypeMask))
        writer.write(sequenceNumber)
        writer.write(timestamp)
        writer.write(ssrc)
        for csrc in csrcs { writer.write(csrc) }

        if let rawExtension {
            writer.write(rawExtension.profile)
            writer.write(UInt16(roundUpToWord(rawExtension.data.count) / 4))
            let start = writer.offset
            writer.write(rawExtension.data)
            writer.padToWord(from: start)
        } else if let form {
            let length = roundUpToWord(extensionElementsLength(form))
            precondition(length / 4 <= Int(UInt16.max), "header extension too long")
            switch form {
            case .oneByte: writer.write(RTPHeaderExtensionForm.oneByteProfile)
            case .twoByte: writer.write(RTPHeaderExtensionForm.twoByteProfile | UInt16(extensionAppBits & 0x0F))
            }
            writer.write(UInt16(length / 4))
            let start = writer.offset
            for element in extensions {
                precondition(form.canEncode(id: element.id), "extension ID does not fit the form")
                precondition(form.canEncode(valueLength: element.value.count), "extension value does not fit the form")
                switch form {
                case .oneByte: writer.write(element.id << 4 | UInt8(element.value.count - 1))
                case .twoByte:
                    writer.write(element.id)
                    writer.write(UInt8(element.value.count))
                }
                writer.write(element.value)
            }
            writer.padToWord(from: start)
        }

        writer.write(payload)
        if paddingLength > 0 {
            writer.writeZeros(Int(paddingLength) - 1)
            writer.write(paddingLength)
        }
        return writer.offset
    }

    /// The packet as a new byte array.
    public func serialized() -> [UInt8] {
        [UInt8](serializing: serializedSize) { serialize(into: $0) }
    }

    /// The value of the first extension element with `id`, nil if absent.
    public func headerExtension(id: UInt8) -> [UInt8]? {
        extensions.first { $0.id == id }?.value
    }
}

/// A header extension whose profile is not RFC 8285, kept verbatim (RFC 3550 §5.3.1).
public struct RTPRawHeaderExtension: Hashable, Sendable {
    /// The 16-bit "defined by profile" value.
    public var profile: UInt16
    /// The extension data, a multiple of 4 bytes when parsed (zero-padded when written).
    public var data: [UInt8]

    /// A raw extension with this profile and data.
    public init(profile: UInt16, data: [UInt8]) {
        self.profile = profile
        self.data = data
    }
}
