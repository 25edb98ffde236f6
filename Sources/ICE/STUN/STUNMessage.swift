// RFC 8489 §5–§6: a whole STUN message, parsed into owned values (attributes decoded) and
// serialized with optional MESSAGE-INTEGRITY and FINGERPRINT.
//
// The ICE data plane does not need this type for routing (see `STUN.peekUsername`); it is used
// once per connectivity check, a few per second per peer.

import Bytes

/// A decoded STUN message.
public struct STUNMessage: Hashable, Sendable {
    /// The method (Binding for ICE).
    public var method: STUNMethod
    /// Request, indication, success or error response.
    public var messageClass: STUNClass
    /// The 96-bit transaction ID.
    public var transactionID: STUNTransactionID
    /// Attributes in wire order, including MESSAGE-INTEGRITY and FINGERPRINT when parsed.
    public var attributes: [STUNAttribute]

    /// Creates a message from its parts.
    public init(method: STUNMethod = .binding, messageClass: STUNClass,
                transactionID: STUNTransactionID = .random(), attributes: [STUNAttribute] = []) {
        self.method = method
        self.messageClass = messageClass
        self.transactionID = transactionID
        self.attributes = attributes
    }

    /// Parses one whole datagram. The datagram length must equal 20 + the header's length.
    ///
    /// Integrity and fingerprint are *not* checked here; use `STUN.verifyIntegrity` and
    /// `STUN.verifyFingerprint` on the same bytes.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(STUNParseError) {
        try STUN.validateHeader(bytes)
        let (method, cls) = STUNMethod.split(messageType: bytes.getUInt16(at: 0))
        let id = STUNTransactionID(reading: bytes, at: STUNWire.transactionIDOffset)
        var attributes: [STUNAttribute] = []
        var offset = STUNWire.headerSize
        while offset < bytes.count {
            let (type, length) = try STUN.attributeHeader(bytes, at: offset)
            let valueStart = offset + STUNWire.attributeHeaderSize
            let value = UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueStart + length])
            attributes.append(try STUNAttribute(type: type, value: value, transactionID: id))
            offset = valueStart + STUNWire.padded(length)
        }
        self.method = method
        self.messageClass = cls
        self.transactionID = id
        self.attributes = attributes
    }

    /// Serializes the message.
    ///
    /// Any `.messageIntegrity` and `.fingerprint` in `attributes` are skipped: when `integrityKey`
    /// is given, MESSAGE-INTEGRITY is computed over everything before it (RFC 8489 §14.5), and when
    /// `fingerprint` is true, FINGERPRINT is appended last (§14.7).
    /// - Parameter padding: the byte used to pad attribute values to 4 bytes. RFC 8489 §14: padding
    ///   "MUST be ignored by the receiver"; 0 by default, 0x20 reproduces the RFC 5769 vectors.
    public func serialized(integrityKey: [UInt8]? = nil, fingerprint: Bool = true, padding: UInt8 = 0) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(STUNWire.headerSize + 128)
        out.writeInteger(STUNMethod.messageType(method: method, class: messageClass))
        out.writeInteger(UInt16(0))
        out.writeInteger(STUNWire.magicCookie)
        out.writeInteger(transactionID.words.0)
        out.writeInteger(transactionID.words.1)
        out.writeInteger(transactionID.words.2)
        for attribute in attributes {
            switch attribute {
            case .messageIntegrity, .fingerprint: continue
            default: attribute.append(to: &out, transactionID: transactionID, padding: padding)
            }
        }
        if let key = integrityKey {
            // §14.5: the length field covers up to and including MESSAGE-INTEGRITY.
            out.setInteger(UInt16(out.count - STUNWire.headerSize + 4 + STUNWire.integritySize), at: STUNWire.lengthOffset)
            let mac = out.withUnsafeBytes { MessageIntegrity.hmacSHA1(key: key, data: $0) }
            out.writeInteger(STUNAttributeType.messageIntegrity)
            out.writeInteger(UInt16(STUNWire.integritySize))
            out.append(contentsOf: mac)
        }
        if fingerprint {
            // §14.7: the length field covers FINGERPRINT too.
            out.setInteger(UInt16(out.count - STUNWire.headerSize + 8), at: STUNWire.lengthOffset)
            let crc = out.withUnsafeBytes { Fingerprint.value(of: $0) }
            out.writeInteger(STUNAttributeType.fingerprint)
            out.writeInteger(UInt16(4))
            out.writeInteger(crc)
        }
        out.setInteger(UInt16(truncatingIfNeeded: out.count - STUNWire.headerSize), at: STUNWire.lengthOffset)
        return out
    }
}

// MARK: - Typed getters (the first attribute of each type wins, RFC 8489 §14: "Any attribute
// type MAY appear more than once … only the first occurrence needs to be processed").

extension STUNMessage {
    /// USERNAME, if present.
    public var username: String? {
        for case .username(let u) in attributes { return u }
        return nil
    }

    /// SOFTWARE, if present.
    public var software: String? {
        for case .software(let s) in attributes { return s }
        return nil
    }

    /// PRIORITY, if present.
    public var priority: UInt32? {
        for case .priority(let p) in attributes { return p }
        return nil
    }

    /// Whether USE-CANDIDATE is present.
    public var useCandidate: Bool {
        attributes.contains(.useCandidate)
    }

    /// The ICE-CONTROLLING tie-breaker, if present.
    public var iceControlling: UInt64? {
        for case .iceControlling(let t) in attributes { return t }
        return nil
    }

    /// The ICE-CONTROLLED tie-breaker, if present.
    public var iceControlled: UInt64? {
        for case .iceControlled(let t) in attributes { return t }
        return nil
    }

    /// XOR-MAPPED-ADDRESS, if present.
    public var xorMappedAddress: TransportAddress? {
        for case .xorMappedAddress(let a) in attributes { return a }
        return nil
    }

    /// MAPPED-ADDRESS, if present.
    public var mappedAddress: TransportAddress? {
        for case .mappedAddress(let a) in attributes { return a }
        return nil
    }

    /// ERROR-CODE, if present.
    public var errorCode: STUNErrorCode? {
        for case .errorCode(let e) in attributes { return e }
        return nil
    }

    /// FINGERPRINT as received, if present.
    public var fingerprint: UInt32? {
        for case .fingerprint(let f) in attributes { return f }
        return nil
    }

    /// MESSAGE-INTEGRITY as received, if present.
    public var messageIntegrity: [UInt8]? {
        for case .messageIntegrity(let m) in attributes { return m }
        return nil
    }

    /// Types of unknown comprehension-required attributes (0x0000–0x7FFF), in order, without
    /// duplicates. RFC 8489 §6.3.1: a request carrying any gets a 420 with UNKNOWN-ATTRIBUTES.
    public var unknownComprehensionRequiredAttributes: [UInt16] {
        var types: [UInt16] = []
        for case .unknown(let type, _) in attributes
        where STUNAttributeType.isComprehensionRequired(type) && !types.contains(type) {
            types.append(type)
        }
        return types
    }
}
