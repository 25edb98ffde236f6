import ICE
import Logging
import RTP

/// One peer's WebRTC transport: ICE-lite, DTLS-SRTP and SRTP on the worker's shared UDP port.
/// Confined to the worker's event loop.
public final class WebRTCTransport {
    public let id: String
    /// Unowned and unsafe: the worker outlives its transports (it closes them when it stops),
    /// and the send path must count no reference.
    public unowned(unsafe) let worker: MediaWorker
    public weak var delegate: (any TransportDelegate)?
    public private(set) var state: TransportState = .new
    public private(set) var ice: ICELiteAgent
    let dtls: DTLSConnection
    public private(set) var srtpProfile: SRTPProfile?
    private var srtpIn: SRTPContext?
    private var srtpOut: SRTPContext? {
        didSet { srtpOutRef = srtpOut.map { Unmanaged.passUnretained($0) } }
    }
    /// `srtpOut`, unretained: what the send path uses, so that a send counts no reference.
    private var srtpOutRef: Unmanaged<SRTPContext>?
    /// Where media goes: the nominated address, or the last validated one before nomination.
    public private(set) var remoteAddress: TransportAddress?
    /// Every address a valid check came from; the worker routes them to this transport.
    private(set) var validatedAddresses: Set<TransportAddress> = []

    public struct Counters: Sendable {
        public var packetsReceived: UInt64 = 0
        public var bytesReceived: UInt64 = 0
        public var rtcpReceived: UInt64 = 0
        public var packetsSent: UInt64 = 0
        public var bytesSent: UInt64 = 0
        public var rtcpSent: UInt64 = 0
        public var stunRequests: UInt64 = 0
        public var addressChanges: UInt64 = 0
    }
    public internal(set) var counters = Counters()
    /// Bits per second over the last second, in and out (updated by the worker's tick).
    public private(set) var bitrateIn: UInt64 = 0
    public private(set) var bitrateOut: UInt64 = 0
    private var rateWindow: (at: ContinuousClock.Instant, bytesIn: UInt64, bytesOut: UInt64)?
    public let createdAt = ContinuousClock.now
    public private(set) var connectedAt: ContinuousClock.Instant?
    /// transport-cc: arrival times of what the peer sends, reported back at each tick.
    private var feedback: TransportFeedbackRecorder?
    /// transport-cc on what the bridge sends: the numbers it gave, and when.
    private var sendHistory: TransportSendHistory?

    init(id: String, worker: MediaWorker, ice: ICELiteAgent, dtls: DTLSConnection) {
        self.id = id
        self.worker = worker
        self.ice = ice
        self.dtls = dtls
    }

    deinit {
        feedback?.deallocate()
        sendHistory?.deallocate()
    }

    public var localCredentials: ICECredentials { ice.local }
    public var dtlsRole: DTLSConnection.Role { dtls.role }

    // MARK: inbound

    func receiveSTUN(_ bytes: UnsafeRawBufferPointer, from key: TransportAddress, now: ContinuousClock.Instant) {
        let address = key
        counters.stunRequests &+= 1
        switch ice.receivedBindingRequest(bytes, from: key, now: now) {
        case .respond(let response, _, let event):
            // A success response (type 0x0101) means the check was valid: the address is the peer's.
            let valid = response.count >= 2 && response[0] == 0x01 && response[1] == 0x01
            response.withUnsafeBytes { worker.sendUnprotected($0, to: address) }
            guard valid, state != .closed else { return }
            if !validatedAddresses.contains(key) {
                validatedAddresses.insert(key)
                worker.route(key, to: self)
            }
            if remoteAddress == nil { remoteAddress = key }
            if case .selected = event, remoteAddress != key {
                let moved = remoteAddress != nil && srtpOut != nil
                remoteAddress = key
                if moved {
                    counters.addressChanges &+= 1
                    delegate?.transportDidChangeRemoteAddress(self)
                }
            }
            if state == .disconnected, srtpOut != nil { setState(.connected) }
            if state == .new {
                setState(.connecting)
                if dtls.role == .client { handleDTLSEvent(dtls.start { worker.sendUnprotected($0, to: address) }) }
            }
        case .drop(let reason):
            worker.drops.count(Self.dropReason(reason))
        }
    }

    func receiveDTLS(_ bytes: UnsafeRawBufferPointer, from address: TransportAddress) {
        let to = remoteAddress ?? address
        handleDTLSEvent(dtls.receive(bytes) { worker.sendUnprotected($0, to: to) })
    }

    /// `buffer` holds the SRTP/SRTCP datagram; it is decrypted in place.
    func receiveSRTP(_ buffer: UnsafeMutableRawPointer, length: Int) {
        guard let srtpIn else { worker.drops.count(.srtpBeforeKeys); return }
        guard state == .connected else { return }
        let raw = UnsafeRawBufferPointer(start: buffer, count: length)
        if isRTCPPacket(raw) {
            let n: Int
            do { n = try srtpIn.unprotectRTCP(buffer, length: length) } catch { worker.drops.count(Self.dropReason(error)); return }
            counters.rtcpReceived &+= 1
            delegate?.transport(self, didReceiveRTCP: UnsafeMutableRawBufferPointer(start: buffer, count: n))
        } else {
            let n: Int
            do { n = try srtpIn.unprotectRTP(buffer, length: length) } catch { worker.drops.count(Self.dropReason(error)); return }
            let view: RTPPacketView
            do { view = try RTPPacketView(parsing: UnsafeMutableRawBufferPointer(start: buffer, count: n)) } catch {
                worker.drops.count(.rtpMalformed)
                return
            }
            counters.packetsReceived &+= 1
            counters.bytesReceived &+= UInt64(n)
            if feedback != nil, let ext = view.headerExtension(id: feedback.unsafelyUnwrapped.extensionID), ext.count >= 2 {
                feedback!.received(sequence: ext.getUInt16(at: 0), ssrc: view.ssrc, at: MediaClock.elapsed(.now).inMicroseconds)
            }
            delegate?.transport(self, didReceiveRTP: view)
        }
    }

    // MARK: outbound

    /// Protects and queues one RTP packet to the peer. The bytes are copied; the caller keeps them.
    @inline(__always)
    public func sendRTP(_ packet: UnsafeRawBufferPointer) {
        guard state == .connected, let srtpOutRef, let remoteAddress else { return }
        let numbered = sendHistory != nil
        let now = numbered ? MediaClock.elapsed(.now).inMicroseconds : 0
        let sent = srtpOutRef._withUnsafeGuaranteedRef { srtp in
            worker.sendProtected(packet, to: remoteAddress) { (ptr, len, cap) throws(SRTPError) -> Int in
                // Numbered for transport-cc in the send slot, so the caller's bytes stay as they are.
                let n = numbered ? sendHistory!.stamp(ptr, length: len, capacity: cap - 32, now: now) : len
                return try srtp.protectRTP(ptr, length: n, capacity: cap)
            }
        }
        if sent {
            counters.packetsSent &+= 1
            counters.bytesSent &+= UInt64(packet.count)
        }
    }

    /// Protects and queues one RTCP compound packet to the peer.
    public func sendRTCP(_ packet: UnsafeRawBufferPointer) {
        guard state == .connected, let srtpOut, let remoteAddress else { return }
        if worker.sendProtected(packet, to: remoteAddress, protect: { (ptr, len, cap) throws(SRTPError) -> Int in try srtpOut.protectRTCP(ptr, length: len, capacity: cap) }) {
            counters.rtcpSent &+= 1
        }
    }

    // MARK: congestion feedback

    /// From now on the peer's packets carrying the transport-wide sequence number (extension
    /// `extensionID`) are reported back to it in transport-cc feedback, at every tick.
    public func sendTransportFeedback(extensionID: UInt8) {
        guard feedback?.extensionID != extensionID else { return }
        feedback?.deallocate()
        feedback = TransportFeedbackRecorder(extensionID: extensionID)
    }

    /// transport-cc feedback packets sent to the peer.
    public var transportFeedbackSent: UInt64 { feedback?.feedbackWritten ?? 0 }

    /// From now on every RTP packet to the peer carries the bridge's transport-wide sequence
    /// number (extension `extensionID`), and when it was sent is kept for the peer's feedback.
    public func stampTransportSequence(extensionID: UInt8) {
        guard sendHistory?.extensionID != extensionID else { return }
        sendHistory?.deallocate()
        sendHistory = TransportSendHistory(extensionID: extensionID)
    }

    /// When the packet the bridge numbered `sequence` was sent (µs, `MediaClock`) and its
    /// size; nil if unknown.
    func sentPacket(_ sequence: UInt16) -> (at: Int64, size: Int)? { sendHistory?.sent(sequence) }

    /// Packets sent with a transport-wide sequence number.
    public var packetsStamped: UInt64 { sendHistory?.stamped ?? 0 }

    // MARK: control

    /// Periodic work: consent freshness and DTLS retransmission.
    func tick(now: ContinuousClock.Instant) {
        if let w = rateWindow {
            let elapsed = now - w.at
            if elapsed >= .seconds(1) {
                let seconds = elapsed.inSeconds
                bitrateIn = UInt64(Double(counters.bytesReceived &- w.bytesIn) * 8 / seconds)
                bitrateOut = UInt64(Double(counters.bytesSent &- w.bytesOut) * 8 / seconds)
                rateWindow = (now, counters.bytesReceived, counters.bytesSent)
            }
        } else {
            rateWindow = (now, counters.bytesReceived, counters.bytesSent)
        }
        if case .consentExpired? = ice.tick(now: now), state == .connected || state == .connecting {
            setState(.disconnected)
        }
        if feedback != nil, state == .connected {
            feedback!.flush {
                sendRTCP($0)
                worker.feedback.transportFeedback &+= 1
            }
        }
        if let timeout = dtls.timeout, timeout <= .zero, let to = remoteAddress {
            handleDTLSEvent(dtls.handleTimeout { worker.sendUnprotected($0, to: to) })
        }
    }

    /// ICE restart: new local credentials, the peer's new ones; DTLS and SRTP stay up.
    public func restartICE(local: ICECredentials, remote: ICECredentials?) {
        let old = ice.local.ufrag
        ice.restart(local: local, remote: remote)
        worker.rekey(self, oldUfrag: old)
    }

    /// Closes the transport: close_notify to the peer, routes removed, delegate told.
    public func close() {
        guard state != .closed else { return }
        if let to = remoteAddress { dtls.close { worker.sendUnprotected($0, to: to) } }
        ice.close()
        worker.remove(self)
        setState(.closed)
    }

    /// Tests and benchmarks only: skips ICE and DTLS, as if both had completed with these keys.
    /// Public for Benchmarks/Micro, which cannot use `@testable import` in a release build.
    public func establishForTesting(profile: SRTPProfile, localKey: [UInt8], localSalt: [UInt8],
                                    remoteKey: [UInt8], remoteSalt: [UInt8], remote: TransportAddress) throws {
        srtpIn = try SRTPContext(profile: profile, masterKey: remoteKey, masterSalt: remoteSalt)
        srtpOut = try SRTPContext(profile: profile, masterKey: localKey, masterSalt: localSalt)
        srtpProfile = profile
        validatedAddresses.insert(remote)
        worker.route(remote, to: self)
        remoteAddress = remote
        setState(.connected)
    }

    private func setState(_ new: TransportState) {
        guard state != new else { return }
        state = new
        if new == .connected, connectedAt == nil { connectedAt = .now }
        worker.logger.debug("transport state", metadata: ["transport": "\(id)", "state": "\(new.name)"])
        if new == .connected { delegate?.transportDidConnect(self) }
        delegate?.transport(self, didChangeState: new)
    }

    private func handleDTLSEvent(_ event: DTLSConnection.Event?) {
        switch event {
        case .connected(let p)?:
            do {
                srtpIn = try SRTPContext(profile: p.profile, masterKey: p.remoteKey, masterSalt: p.remoteSalt)
                srtpOut = try SRTPContext(profile: p.profile, masterKey: p.localKey, masterSalt: p.localSalt)
                srtpProfile = p.profile
                setState(.connected)
            } catch {
                setState(.failed("SRTP setup failed: \(error)"))
            }
        case .failed(let e)?:
            setState(.failed("DTLS: \(e)"))
        case .closed?:
            setState(.closed)
            ice.close()
            worker.remove(self)
        case nil:
            break
        }
    }

    static func dropReason(_ reason: ICEDropReason) -> DropReason {
        switch reason {
        case .notSTUN, .malformed: .malformedSTUN
        case .notBindingRequest: .stunNotBindingRequest
        case .unknownUsername: .stunUnknownUsername
        case .badIntegrity: .stunBadIntegrity
        case .badFingerprint: .stunBadFingerprint
        case .closed: .stunFromClosedTransport
        }
    }

    static func dropReason(_ error: SRTPError) -> DropReason {
        switch error {
        case .authenticationFailed: .srtpAuthenticationFailed
        case .replayed: .srtpReplayed
        default: .srtpMalformed
        }
    }
}
