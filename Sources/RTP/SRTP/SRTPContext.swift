// RFC 3711 §3.3 (SRTP packet processing) and RFC 7714 §8 (AEAD processing of SRTP).

/// One direction of one SRTP session (all SSRCs sharing a master key). Not thread-safe; confined to one event loop.
///
/// Per-packet work allocates nothing: ciphers, MAC states and IV buffers are created at init, and
/// per-SSRC state (replay window, ROC, SRTCP index) is allocated on the first packet of each SSRC.
/// Only one master key is supported (no MKI), with a key derivation rate of 0.
public final class SRTPContext {
    /// The protection profile this context was created for.
    public let profile: SRTPProfile
    let rtp: SRTPTransform
    let rtcp: SRTPTransform
    var rtpStreams = SSRCStates<SRTPStreamState>()
    var rtcpStreams = SSRCStates<SRTCPStreamState>()

    /// Derives the session keys from the master key and salt (RFC 3711 §4.3, RFC 7714 §11).
    /// - Throws: `.keyDerivationFailed` when the lengths do not match `profile`.
    public convenience init(profile: SRTPProfile, masterKey: [UInt8], masterSalt: [UInt8]) throws(SRTPError) {
        let keys = try SRTPSessionKeys(profile: profile, masterKey: masterKey, masterSalt: masterSalt)
        try self.init(profile: profile, sessionKeys: keys)
    }

    /// A context with the session keys given directly (test vectors).
    init(profile: SRTPProfile, sessionKeys keys: SRTPSessionKeys) throws(SRTPError) {
        self.profile = profile
        let rtp = try SRTPTransform(profile: profile, key: keys.rtpKey, salt: keys.rtpSalt, authKey: keys.rtpAuthKey)
        do {
            rtcp = try SRTPTransform(profile: profile, key: keys.rtcpKey, salt: keys.rtcpSalt, authKey: keys.rtcpAuthKey)
        } catch {
            rtp.free()
            throw error
        }
        self.rtp = rtp
    }

    deinit {
        rtp.free()
        rtcp.free()
    }

    /// Encrypts the RTP packet of `length` bytes at `buffer` in place and appends the tag; returns the new length.
    /// `capacity` is the number of bytes available at `buffer`.
    ///
    /// The ROC of each SSRC follows the sequence numbers given (RFC 3711 §3.3.1): keep each SSRC's
    /// sequence numbers monotonic apart from small reordering.
    /// - Throws: `.packetTooShort`, `.bufferTooSmall`, `.replayed` when the sequence number would fall
    ///   before the stream's first packet across a wrap (a ROC of -1, which libsrtp refuses too), `.cryptoFailure`.
    public func protectRTP(_ buffer: UnsafeMutableRawPointer, length: Int, capacity: Int) throws(SRTPError) -> Int {
        let packet = buffer.assumingMemoryBound(to: UInt8.self)
        guard let headerLength = SRTPPacketBytes.rtpHeaderLength(packet, count: length) else { throw .packetTooShort }
        let tagLength = profile.rtpAuthTagLength
        guard capacity >= length + tagLength else { throw .bufferTooSmall }
        let ssrc = SRTPPacketBytes.read32(packet + 8)
        let sequenceNumber = SRTPPacketBytes.read16(packet + 2)
        let stream = rtpStreams.position(of: ssrc) ?? rtpStreams.add(ssrc, SRTPStreamState())
        guard let index = rtpStreams[position: stream].window.estimateIndex(sequenceNumber: sequenceNumber) else { throw .replayed }
        let payload = packet + headerLength
        let payloadLength = length - headerLength

        if let gcm = rtp.gcm {
            // RFC 7714 §8.2: AAD is the header with CSRCs and extension; the tag follows the ciphertext.
            rtp.setGCMIV(ssrc: ssrc, low48: index)
            guard gcm.seal(
                iv: rtp.iv, aad: packet, aadCount: headerLength,
                data: payload, count: payloadLength, tag: packet + length
            ) else { throw .cryptoFailure }
        } else if let counterMode = rtp.counterMode, let hmac = rtp.hmac {
            // RFC 3711 §3.3 steps 4–7: encrypt the payload, then tag header || ciphertext || ROC.
            rtp.setCounterModeIV(ssrc: ssrc, index: index)
            guard counterMode.apply(iv: rtp.iv, data: payload, count: payloadLength) else { throw .cryptoFailure }
            SRTPPacketBytes.write32(UInt32(truncatingIfNeeded: index >> 16), to: rtp.scratch)
            hmac.begin()
            hmac.update(packet, count: length)
            hmac.update(rtp.scratch, count: 4)
            (packet + length).update(from: hmac.finish(), count: tagLength)
        }
        rtpStreams[position: stream].window.record(index)
        return length + tagLength
    }

    /// Checks replay and authentication, then decrypts in place; returns the RTP length (tag removed).
    ///
    /// Order as in RFC 3711 §3.3 (steps 2–6): estimate the index, check replay, verify the tag,
    /// decrypt, and only then update the ROC and replay window. Per-SSRC state is created only for
    /// packets that authenticate. On `.authenticationFailed` with AES-GCM the payload bytes are
    /// garbage (GCM decrypts while it verifies); with AES-CM they are untouched.
    /// - Throws: `.packetTooShort`, `.replayed`, `.authenticationFailed`, `.cryptoFailure`.
    public func unprotectRTP(_ buffer: UnsafeMutableRawPointer, length: Int) throws(SRTPError) -> Int {
        let packet = buffer.assumingMemoryBound(to: UInt8.self)
        let tagLength = profile.rtpAuthTagLength
        let protectedLength = length - tagLength
        guard protectedLength >= 12,
              let headerLength = SRTPPacketBytes.rtpHeaderLength(packet, count: protectedLength)
        else { throw .packetTooShort }
        let ssrc = SRTPPacketBytes.read32(packet + 8)
        let sequenceNumber = SRTPPacketBytes.read16(packet + 2)
        let existing = rtpStreams.position(of: ssrc)
        let window = existing.map { rtpStreams[position: $0].window } ?? SRTPReplayWindow()
        guard let index = window.estimateIndex(sequenceNumber: sequenceNumber), window.accepts(index) else {
            throw .replayed
        }
        let payload = packet + headerLength
        let payloadLength = protectedLength - headerLength

        if let gcm = rtp.gcm {
            rtp.setGCMIV(ssrc: ssrc, low48: index)
            guard gcm.open(
                iv: rtp.iv, aad: packet, aadCount: headerLength,
                data: payload, count: payloadLength, tag: packet + protectedLength
            ) else { throw .authenticationFailed }
        } else if let counterMode = rtp.counterMode, let hmac = rtp.hmac {
            SRTPPacketBytes.write32(UInt32(truncatingIfNeeded: index >> 16), to: rtp.scratch)
            hmac.begin()
            hmac.update(packet, count: protectedLength)
            hmac.update(rtp.scratch, count: 4)
            guard SRTPPacketBytes.constantTimeEqual(hmac.finish(), packet + protectedLength, count: tagLength) else {
                throw .authenticationFailed
            }
            rtp.setCounterModeIV(ssrc: ssrc, index: index)
            guard counterMode.apply(iv: rtp.iv, data: payload, count: payloadLength) else { throw .cryptoFailure }
        }
        // Keep state only for SSRCs that authenticated, so forged SSRCs cost no memory.
        rtpStreams[position: existing ?? rtpStreams.add(ssrc, SRTPStreamState())].window.record(index)
        return protectedLength
    }

    /// Forgets the state of `ssrc` (ROC, replay window, SRTCP index), e.g. when a stream ends.
    public func removeSSRC(_ ssrc: UInt32) {
        rtpStreams.remove(ssrc)
        rtcpStreams.remove(ssrc)
    }
}
