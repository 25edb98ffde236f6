// RFC 3711 §3.4 (SRTCP) and RFC 7714 §9 (AEAD processing of SRTCP).

extension SRTPContext {
    /// The E flag of the SRTCP trailer word (RFC 3711 §3.4).
    private static let encryptedFlag: UInt32 = 0x8000_0000
    /// Header bytes left in the clear: the first RTCP header and the sender SSRC.
    private static let clearHeaderLength = 8

    /// Encrypts the compound RTCP packet of `length` bytes at `buffer` in place and appends the
    /// E flag + SRTCP index and the tag; returns the new length (`length + profile.rtcpOverhead`).
    /// Each SSRC's SRTCP index starts at 1 (as libsrtp's does) and goes up by one per packet.
    /// - Throws: `.packetTooShort`, `.bufferTooSmall`, `.keyDerivationFailed` once the 31-bit index is
    ///   exhausted (re-key), `.cryptoFailure`.
    public func protectRTCP(_ buffer: UnsafeMutableRawPointer, length: Int, capacity: Int) throws(SRTPError) -> Int {
        let packet = buffer.assumingMemoryBound(to: UInt8.self)
        guard length >= Self.clearHeaderLength else { throw .packetTooShort }
        guard capacity >= length + profile.rtcpOverhead else { throw .bufferTooSmall }
        let ssrc = SRTPPacketBytes.read32(packet + 4)
        let stream = rtcpStreams.position(of: ssrc) ?? rtcpStreams.add(ssrc, SRTCPStreamState())
        // RFC 3711 §3.4: the 31-bit index must not wrap under one master key.
        guard rtcpStreams[position: stream].sentIndex < 0x7fff_ffff else { throw .keyDerivationFailed }
        rtcpStreams[position: stream].sentIndex += 1
        let index = rtcpStreams[position: stream].sentIndex
        let payload = packet + Self.clearHeaderLength
        let payloadLength = length - Self.clearHeaderLength

        if let gcm = rtcp.gcm {
            // RFC 7714 §9.2: header(8) || ciphertext || tag(16) || E+index(4); AAD = header || E+index.
            let trailer = packet + length + AESGCM.tagLength
            SRTPPacketBytes.write32(Self.encryptedFlag | index, to: trailer)
            rtcp.setGCMIV(ssrc: ssrc, low48: UInt64(index))
            guard gcm.seal(
                iv: rtcp.iv, aad: packet, aadCount: Self.clearHeaderLength, aad2: trailer, aad2Count: 4,
                data: payload, count: payloadLength, tag: packet + length
            ) else { throw .cryptoFailure }
        } else if let counterMode = rtcp.counterMode, let hmac = rtcp.hmac {
            // RFC 3711 §3.4: header || ciphertext || E+index || tag; the tag covers everything before it.
            rtcp.setCounterModeIV(ssrc: ssrc, index: UInt64(index))
            guard counterMode.apply(iv: rtcp.iv, data: payload, count: payloadLength) else { throw .cryptoFailure }
            SRTPPacketBytes.write32(Self.encryptedFlag | index, to: packet + length)
            hmac.begin()
            hmac.update(packet, count: length + 4)
            (packet + length + 4).update(from: hmac.finish(), count: profile.rtpAuthTagLength)
        }
        return length + profile.rtcpOverhead
    }

    /// Checks replay and authentication, then decrypts in place (unless the E flag is clear);
    /// returns the RTCP length (index and tag removed).
    public func unprotectRTCP(_ buffer: UnsafeMutableRawPointer, length: Int) throws(SRTPError) -> Int {
        let packet = buffer.assumingMemoryBound(to: UInt8.self)
        let tagLength = profile.rtpAuthTagLength
        let rtcpLength = length - profile.rtcpOverhead
        guard rtcpLength >= Self.clearHeaderLength else { throw .packetTooShort }
        let ssrc = SRTPPacketBytes.read32(packet + 4)
        // The E+index word sits after the tag for AEAD (RFC 7714 §9.2), before it for AES-CM (RFC 3711 §3.4).
        let trailer = rtcp.gcm != nil ? packet + rtcpLength + tagLength : packet + rtcpLength
        let word = SRTPPacketBytes.read32(trailer)
        let encrypted = word & Self.encryptedFlag != 0
        let index = UInt64(word & ~Self.encryptedFlag)
        let existing = rtcpStreams.position(of: ssrc)
        if let existing, !rtcpStreams[position: existing].window.accepts(index) { throw .replayed }
        let payload = packet + Self.clearHeaderLength
        let payloadLength = rtcpLength - Self.clearHeaderLength

        if let gcm = rtcp.gcm {
            rtcp.setGCMIV(ssrc: ssrc, low48: index)
            // RFC 7714 §9.2: unencrypted packets authenticate the whole RTCP packet as AAD.
            let ok = encrypted
                ? gcm.open(
                    iv: rtcp.iv, aad: packet, aadCount: Self.clearHeaderLength, aad2: trailer, aad2Count: 4,
                    data: payload, count: payloadLength, tag: packet + rtcpLength)
                : gcm.open(
                    iv: rtcp.iv, aad: packet, aadCount: rtcpLength, aad2: trailer, aad2Count: 4,
                    data: payload, count: 0, tag: packet + rtcpLength)
            guard ok else { throw .authenticationFailed }
        } else if let counterMode = rtcp.counterMode, let hmac = rtcp.hmac {
            hmac.begin()
            hmac.update(packet, count: rtcpLength + 4)
            guard SRTPPacketBytes.constantTimeEqual(hmac.finish(), packet + rtcpLength + 4, count: tagLength) else {
                throw .authenticationFailed
            }
            if encrypted {
                rtcp.setCounterModeIV(ssrc: ssrc, index: index)
                guard counterMode.apply(iv: rtcp.iv, data: payload, count: payloadLength) else { throw .cryptoFailure }
            }
        }
        rtcpStreams[position: existing ?? rtcpStreams.add(ssrc, SRTCPStreamState())].window.record(index)
        return rtcpLength
    }
}
