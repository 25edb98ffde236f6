// RFC 8445 §2.5 / §6.1.1 / §7.3: an ICE-lite agent, and RFC 7675 consent freshness.
//
// The bridge is always ICE-lite: it gathers only host candidates, never sends checks, and
// "The full agent MUST take the controlling role, and the lite agent MUST take the controlled
// role" (RFC 8445 §6.1.1). The agent therefore only answers Binding requests and watches which
// address the controlling peer nominates. No sockets, no timers: the driver passes datagrams and
// `now` in and performs the returned `ICEAction`; it calls `tick` at least every second or so
// (or at `consentDeadline`).
//
// Selection rules (numbers and reasons):
// - A valid check with USE-CANDIDATE selects its source address, first time or not. Chromium uses
//   regular nomination (USE-CANDIDATE once); aggressive peers such as aiortc set it on every
//   check, which with several candidate pairs may move the selection between them. That is the
//   peer's choice as controlling agent, so we follow it.
// - A valid check *without* USE-CANDIDATE from another address switches to it when no valid check
//   arrived from the selected address for `silentSwitchThreshold` (2 s). Browsers send consent
//   checks every ~5 s on an idle pair, and about every 0.5–1 s while checking a new one; 2 s of
//   silence on the old address plus checks on a new one is a phone moving from Wi-Fi to mobile
//   data (RFC 8445 does not cover this for lite agents; it avoids waiting for an ICE restart).
// - Consent (RFC 7675 §5.1): every valid check from the selected address refreshes it. Only
//   checks count, not media: "consent … is obtained only by … STUN binding" responses, and for the
//   lite side that is the peer's authenticated requests. No fresh check for `consentTimeout`
//   (30 s, RFC 7675 §5.1) → `.disconnected` with `.consentExpired`; the comparison is `>=`, so
//   expiry happens at exactly 30 s. Any later valid check reconnects with `.selected`.

/// The ICE-lite agent of one transport: validates connectivity checks, answers them, tracks the
/// nominated address and consent.
public struct ICELiteAgent: Sendable {
    /// Per-state data: illegal combinations (a selected address while `.new`) cannot be built.
    enum State: Hashable, Sendable {
        case new
        case checking
        case connected(Connected)
        case disconnected(Disconnected)
        case closed
    }

    struct Connected: Hashable, Sendable {
        /// The nominated remote address media goes to.
        var selected: TransportAddress
        /// When `selected` was chosen.
        var since: ContinuousClock.Instant
        /// Last valid check from `selected` (consent refresh).
        var lastCheck: ContinuousClock.Instant
    }

    struct Disconnected: Hashable, Sendable {
        /// The address whose consent expired.
        var lastSelected: TransportAddress
        /// When consent expired.
        var since: ContinuousClock.Instant
    }

    /// Silence on the selected address after which a check without USE-CANDIDATE from another
    /// address moves the selection (see the file comment).
    public static let silentSwitchThreshold: Duration = .seconds(2)

    /// Our credentials; responses are keyed with `local.password`.
    public private(set) var local: ICECredentials
    /// The peer's credentials; when known, USERNAME must be exactly "<local ufrag>:<remote ufrag>".
    public var remote: ICECredentials?
    /// RFC 7675 consent timeout (30 s by default).
    public let consentTimeout: Duration
    /// Our ICE tie-breaker (RFC 8445 §7.1.3). A lite agent never switches role, so it only
    /// documents the 487 decision (see `receivedBindingRequest`).
    public let tieBreaker: UInt64

    private(set) var internalState: State = .new
    /// The MESSAGE-INTEGRITY key: `local.password` as UTF-8, kept to avoid re-encoding per check.
    private var localKey: [UInt8]
    /// Set by `restart`, cleared by the first valid check under the new credentials.
    private var restartPending = false

    /// Creates an agent in `.new`.
    public init(local: ICECredentials, remote: ICECredentials?, consentTimeout: Duration = .seconds(30),
                tieBreaker: UInt64 = UInt64.random(in: .min ... .max)) {
        self.local = local
        self.remote = remote
        self.consentTimeout = consentTimeout
        self.tieBreaker = tieBreaker
        self.localKey = Array(local.password.utf8)
    }

    /// The observable state.
    public var state: ICEState {
        switch internalState {
        case .new: return .new
        case .checking: return .checking
        case .connected(let c): return .connected(selected: c.selected, since: c.since)
        case .disconnected: return .disconnected
        case .closed: return .closed
        }
    }

    /// The address media goes to, while `.connected`.
    public var selectedAddress: TransportAddress? {
        if case .connected(let c) = internalState { return c.selected }
        return nil
    }

    /// When consent will expire unless a valid check arrives from the selected address
    /// (the latest useful time to call `tick`); nil unless `.connected`.
    public var consentDeadline: ContinuousClock.Instant? {
        if case .connected(let c) = internalState { return c.lastCheck + consentTimeout }
        return nil
    }

    // MARK: - Transitions

    /// A datagram that may be a STUN Binding request arrived from `from`.
    ///
    /// Validation order (RFC 8489 §6.3, §9.1.3; RFC 8445 §7.3):
    /// 1. closed → `.drop(.closed)`; not STUN → `.notSTUN`; unparsable → `.malformed`;
    ///    not a Binding request → `.notBindingRequest`.
    /// 2. FINGERPRINT, if present, must verify → `.badFingerprint`.
    /// 3. USERNAME must be "<local ufrag>:<remote ufrag>" (remote part only checked when `remote`
    ///    is known) → `.unknownUsername`.
    /// 4. MESSAGE-INTEGRITY with the local password → `.badIntegrity` (never answered).
    /// 5. Unknown comprehension-required attributes → 420 error response with UNKNOWN-ATTRIBUTES.
    /// 6. Role conflict (RFC 8445 §7.3.1.1): we are controlled. ICE-CONTROLLING: no conflict.
    ///    ICE-CONTROLLED: the RFC answers 487 when our tie-breaker is ≥ the peer's and otherwise
    ///    switches us to controlling; a lite agent cannot be controlling (§6.1.1), so we answer
    ///    487 Role Conflict in both cases and keep our role — the full peer then switches to
    ///    controlling and retries. A 487 does not count as a check (no consent, no selection).
    /// 7. Otherwise a valid check: success response with XOR-MAPPED-ADDRESS = `from`, and the
    ///    selection/consent rules of the file comment.
    public mutating func receivedBindingRequest(_ bytes: UnsafeRawBufferPointer, from: TransportAddress,
                                                now: ContinuousClock.Instant) -> ICEAction {
        if case .closed = internalState { return .drop(.closed) }
        guard STUN.isSTUN(bytes) else { return .drop(.notSTUN) }
        let request: STUNMessage
        do {
            request = try STUNMessage(parsing: bytes)
        } catch {
            return .drop(.malformed)
        }
        guard request.method == .binding, request.messageClass == .request else { return .drop(.notBindingRequest) }
        if request.fingerprint != nil, !STUN.verifyFingerprint(bytes) { return .drop(.badFingerprint) }
        guard let username = request.username, usernameMatches(username) else { return .drop(.unknownUsername) }
        guard request.messageIntegrity != nil, STUN.verifyIntegrity(bytes, key: localKey) else {
            return .drop(.badIntegrity)
        }

        let unknown = request.unknownComprehensionRequiredAttributes
        if !unknown.isEmpty {
            return .respond(errorResponse(to: request, .unknownAttribute, extra: [.unknownAttributes(unknown)]),
                            to: from, event: nil)
        }
        if request.iceControlled != nil {
            return .respond(errorResponse(to: request, .roleConflict), to: from, event: nil)
        }

        let event = acceptValidCheck(from: from, nominated: request.useCandidate, now: now)
        let response = STUNMessage(method: .binding, messageClass: .successResponse,
                                   transactionID: request.transactionID,
                                   attributes: [.xorMappedAddress(from)])
        return .respond(response.serialized(integrityKey: localKey, fingerprint: true), to: from, event: event)
    }

    /// Checks consent freshness; call periodically (at least at `consentDeadline`).
    /// Returns `.consentExpired` once, when the state moves to `.disconnected`.
    public mutating func tick(now: ContinuousClock.Instant) -> ICEEvent? {
        guard case .connected(let c) = internalState else { return nil }
        guard now - c.lastCheck >= consentTimeout else { return nil }
        internalState = .disconnected(Disconnected(lastSelected: c.selected, since: now))
        return .consentExpired
    }

    /// ICE restart (RFC 8445 §9): new credentials. Checks under the old local ufrag are refused
    /// from now on. The state and selected address are kept until the peer's checks under the new
    /// credentials arrive; the first one reports `.restarted` (or `.selected` if it moves the
    /// selection). Calling this after `close()` is a programming error.
    public mutating func restart(local: ICECredentials, remote: ICECredentials?) {
        if case .closed = internalState { preconditionFailure("ICELiteAgent.restart after close") }
        self.local = local
        self.remote = remote
        self.localKey = Array(local.password.utf8)
        self.restartPending = true
    }

    /// Closes the agent; every later datagram is dropped with `.closed`.
    public mutating func close() {
        internalState = .closed
    }

    // MARK: - Helpers

    private func usernameMatches(_ username: String) -> Bool {
        if let remote {
            return username == local.ufrag + ":" + remote.ufrag
        }
        // Remote credentials not signalled yet (the check can race the SDP answer): only the
        // local part is known. "<local ufrag>:" followed by at least one character.
        let utf8 = username.utf8
        let prefix = local.ufrag.utf8
        guard utf8.count > prefix.count + 1, utf8.starts(with: prefix) else { return false }
        return utf8[utf8.index(utf8.startIndex, offsetBy: prefix.count)] == UInt8(ascii: ":")
    }

    private func errorResponse(to request: STUNMessage, _ error: STUNErrorCode,
                               extra: [STUNAttribute] = []) -> [UInt8] {
        let response = STUNMessage(method: .binding, messageClass: .errorResponse,
                                   transactionID: request.transactionID,
                                   attributes: [.errorCode(error)] + extra)
        return response.serialized(integrityKey: localKey, fingerprint: true)
    }

    /// Applies the selection and consent rules for a fully validated check.
    private mutating func acceptValidCheck(from: TransportAddress, nominated: Bool,
                                           now: ContinuousClock.Instant) -> ICEEvent? {
        let restartEvent: ICEEvent? = restartPending ? .restarted : nil
        restartPending = false
        let select = { (state: inout State) -> ICEEvent? in
            state = .connected(Connected(selected: from, since: now, lastCheck: now))
            return .selected(from)
        }
        switch internalState {
        case .closed:
            preconditionFailure("checked before")
        case .new, .checking:
            if nominated { return select(&internalState) }
            internalState = .checking
            return restartEvent
        case .connected(var c):
            if from == c.selected {
                c.lastCheck = now
                internalState = .connected(c)
                return restartEvent
            }
            if nominated || now - c.lastCheck >= Self.silentSwitchThreshold {
                return select(&internalState)
            }
            return restartEvent
        case .disconnected:
            // Consent regained (or a new address after the old one went silent): reconnect.
            return select(&internalState)
        }
    }
}
