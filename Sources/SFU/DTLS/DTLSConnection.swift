import COpenSSL
import RTP

/// One DTLS 1.2 association (RFC 6347) with the use_srtp extension (RFC 5764), driven over memory
/// BIOs: the transport hands in each received datagram and sends what comes out. Outgoing flights
/// are split at record boundaries into datagrams of at most `mtu` bytes. Confined to one event loop.
public final class DTLSConnection {
    public enum Role: Sendable, Equatable {
        /// `a=setup:active`: we send the ClientHello.
        case client
        /// `a=setup:passive`: the peer does.
        case server
    }

    /// What the handshake yields: the negotiated profile and the keys for each direction.
    public struct SRTPParameters: Sendable, Equatable {
        public var profile: SRTPProfile
        public var localKey: [UInt8], localSalt: [UInt8]
        public var remoteKey: [UInt8], remoteSalt: [UInt8]
    }

    public enum State: Sendable, Equatable {
        case new
        case handshaking
        case connected(SRTPProfile)
        case failed(DTLSError)
        case closed
    }

    public enum Event: Sendable, Equatable {
        case connected(SRTPParameters)
        case failed(DTLSError)
        /// The peer sent close_notify (or a fatal alert after the handshake).
        case closed
    }

    public let role: Role
    public private(set) var state: State = .new
    /// Largest datagram we send (DTLS payload).
    public static let mtu = 1200

    private let ssl: OpaquePointer
    private let rbio: OpaquePointer
    private let wbio: OpaquePointer
    private let remoteFingerprint: [UInt8]
    private var flight: [UInt8] = []

    /// - Parameter remoteFingerprint: SHA-256 of the peer's certificate from its SDP.
    public init(context: DTLSContext, role: Role, remoteFingerprint: [UInt8]) throws(DTLSError) {
        guard let ssl = SSL_new(context.ctx) else { throw .context("SSL_new failed") }
        guard let rbio = BIO_new(BIO_s_mem()), let wbio = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw .context("BIO_new failed")
        }
        // An empty memory BIO must read as "try again", not as end of file.
        _ = cssl_BIO_set_mem_eof_return(rbio, -1)
        _ = cssl_BIO_set_mem_eof_return(wbio, -1)
        SSL_set_bio(ssl, rbio, wbio)  // ssl owns both BIOs now
        // A memory BIO cannot report the path MTU.
        _ = cssl_SSL_set_options(ssl, CSSL_OP_NO_QUERY_MTU)
        _ = cssl_SSL_set_mtu(ssl, Self.mtu)
        switch role {
        case .client: SSL_set_connect_state(ssl)
        case .server: SSL_set_accept_state(ssl)
        }
        self.ssl = ssl
        self.rbio = rbio
        self.wbio = wbio
        self.role = role
        self.remoteFingerprint = remoteFingerprint
    }

    deinit { SSL_free(ssl) }

    /// Starts the handshake. A client emits its ClientHello through `output`; a server waits.
    public func start(output: (UnsafeRawBufferPointer) -> Void) -> Event? {
        guard case .new = state else { return nil }
        state = .handshaking
        guard role == .client else { return nil }
        return drive(output: output)
    }

    /// One received DTLS datagram (first byte 20...63, RFC 7983).
    public func receive(_ datagram: UnsafeRawBufferPointer, output: (UnsafeRawBufferPointer) -> Void) -> Event? {
        switch state {
        case .failed, .closed:
            return nil
        case .new:
            state = .handshaking
        case .handshaking, .connected:
            break
        }
        guard datagram.count > 0, BIO_write(rbio, datagram.baseAddress, Int32(datagram.count)) == Int32(datagram.count) else {
            return nil
        }
        return drive(output: output)
    }

    /// The time until the retransmission timer fires, if it runs.
    public var timeout: Duration? {
        guard case .handshaking = state else { return nil }
        var tv = timeval()
        guard cssl_DTLSv1_get_timeout(ssl, &tv) == 1 else { return nil }
        return .seconds(tv.tv_sec) + .microseconds(tv.tv_usec)
    }

    /// Call when `timeout` has elapsed: retransmits the last flight (RFC 6347 §4.2.4).
    public func handleTimeout(output: (UnsafeRawBufferPointer) -> Void) -> Event? {
        guard case .handshaking = state else { return nil }
        if cssl_DTLSv1_handle_timeout(ssl) < 0 {
            return fail(.handshake("retransmission limit reached"))
        }
        flushOutput(output)
        return nil
    }

    /// Sends close_notify.
    public func close(output: (UnsafeRawBufferPointer) -> Void) {
        if case .connected = state {
            SSL_shutdown(ssl)
            flushOutput(output)
        }
        state = .closed
    }

    private func drive(output: (UnsafeRawBufferPointer) -> Void) -> Event? {
        var event: Event?
        switch state {
        case .handshaking:
            let r = SSL_do_handshake(ssl)
            if r == 1 {
                event = finishHandshake()
            } else {
                let err = SSL_get_error(ssl, r)
                if err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE {
                    event = fail(.handshake(Self.errorString(err)))
                }
            }
        case .connected:
            // Application data is not used; reading processes alerts and retransmitted flights.
            var scratch = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
            let r = withUnsafeMutableBytes(of: &scratch) { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            if r <= 0 {
                let err = SSL_get_error(ssl, r)
                if err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_SSL || err == SSL_ERROR_SYSCALL {
                    state = .closed
                    event = .closed
                }
            }
        default:
            break
        }
        flushOutput(output)
        return event
    }

    private func finishHandshake() -> Event {
        guard let peer = SSL_get1_peer_certificate(ssl) else { return fail(.handshake("no peer certificate")) }
        let digest = DTLSCertificate.digest(peer)
        X509_free(peer)
        guard let digest, digest == remoteFingerprint else { return fail(.fingerprintMismatch) }
        guard let selected = SSL_get_selected_srtp_profile(ssl),
              let profile = SRTPProfile(rawValue: UInt16(truncatingIfNeeded: selected.pointee.id)) else {
            return fail(.noSRTPProfile)
        }
        let total = 2 * (profile.keyLength + profile.saltLength)
        var material = [UInt8](repeating: 0, count: total)
        let label = "EXTRACTOR-dtls_srtp"
        guard SSL_export_keying_material(ssl, &material, total, label, label.utf8.count, nil, 0, 0) == 1,
              let keys = SRTPKeyingMaterial(exported: material, profile: profile) else {
            return fail(.keyExport)
        }
        let parameters: SRTPParameters
        switch role {
        case .client:
            parameters = .init(profile: profile, localKey: keys.clientKey, localSalt: keys.clientSalt,
                               remoteKey: keys.serverKey, remoteSalt: keys.serverSalt)
        case .server:
            parameters = .init(profile: profile, localKey: keys.serverKey, localSalt: keys.serverSalt,
                               remoteKey: keys.clientKey, remoteSalt: keys.clientSalt)
        }
        state = .connected(profile)
        return .connected(parameters)
    }

    private func fail(_ error: DTLSError) -> Event {
        state = .failed(error)
        ERR_clear_error()
        return .failed(error)
    }

    /// Drains the write BIO and sends its records, packed into datagrams of at most `mtu` bytes.
    /// DTLS record header (RFC 6347 §4.1): type(1) version(2) epoch(2) sequence(6) length(2).
    private func flushOutput(_ output: (UnsafeRawBufferPointer) -> Void) {
        let pending = Int(BIO_ctrl_pending(wbio))
        guard pending > 0 else { return }
        if flight.count < pending { flight = [UInt8](repeating: 0, count: pending) }
        let n = Int(flight.withUnsafeMutableBytes { BIO_read(wbio, $0.baseAddress, Int32(pending)) })
        guard n > 0 else { return }
        flight.withUnsafeBytes { all in
            var start = 0, offset = 0
            while offset + 13 <= n {
                let recordLength = 13 + (Int(all[offset + 11]) << 8 | Int(all[offset + 12]))
                if offset + recordLength - start > Self.mtu && offset > start {
                    output(UnsafeRawBufferPointer(rebasing: all[start..<offset]))
                    start = offset
                }
                offset += recordLength
            }
            let end = min(offset, n)
            if end > start { output(UnsafeRawBufferPointer(rebasing: all[start..<end])) }
        }
    }

    private static func errorString(_ sslError: Int32) -> String {
        let code = ERR_get_error()
        guard code != 0 else { return "SSL error \(sslError)" }
        var buf = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buf, buf.count)
        ERR_clear_error()
        return buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
