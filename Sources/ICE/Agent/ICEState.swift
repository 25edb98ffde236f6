// The vocabulary of the ICE-lite agent: its observable state, the action a driver performs for
// each received check, the events it reports, and why it drops a datagram.

/// The agent's connection state (a subset of W3C RTCIceTransportState meaningful to a lite agent).
public enum ICEState: Hashable, Sendable {
    /// No valid check received yet.
    case new
    /// Valid checks received, none nominated (no USE-CANDIDATE yet).
    case checking
    /// A pair is nominated and consent is fresh. `since` is when `selected` was chosen.
    case connected(selected: TransportAddress, since: ContinuousClock.Instant)
    /// Consent expired (RFC 7675): no valid check from the selected address for `consentTimeout`.
    /// Media MUST NOT be sent; a later valid check reconnects.
    case disconnected
    /// `close()` was called; every datagram is dropped.
    case closed
}

/// What the driver must do with a received datagram.
public enum ICEAction: Hashable, Sendable {
    /// Send `bytes` (a serialized success or error response, with MESSAGE-INTEGRITY keyed by the
    /// local password, and FINGERPRINT) to `to`, then handle `event` if any.
    case respond([UInt8], to: TransportAddress, event: ICEEvent?)
    /// Send nothing; count the drop by reason.
    case drop(ICEDropReason)
}

/// Something the owner of the agent must react to.
public enum ICEEvent: Hashable, Sendable {
    /// The selected address is new: first nomination, the peer moved networks, or a reconnect
    /// after consent expiry. Send media (and DTLS) to this address from now on.
    case selected(TransportAddress)
    /// Consent expired (RFC 7675 §5.1): stop sending media to the selected address.
    case consentExpired
    /// After `restart`, the first valid check under the new credentials arrived and the selected
    /// address did not change.
    case restarted
}

/// Why a datagram was dropped without a response.
public enum ICEDropReason: Hashable, Sendable {
    /// Not a STUN message (RFC 7983 first byte and magic cookie).
    case notSTUN
    /// Looked like STUN but did not parse.
    case malformed
    /// A STUN message other than a Binding request (indications, responses, other methods).
    case notBindingRequest
    /// No USERNAME, or it does not name our local ufrag (and the remote ufrag, when known).
    case unknownUsername
    /// No MESSAGE-INTEGRITY, or it does not verify with the local password. Never answered:
    /// RFC 8489 §9.1.3 allows a 401, but answering unauthenticated traffic helps scanners.
    case badIntegrity
    /// FINGERPRINT present but wrong, or not the last attribute.
    case badFingerprint
    /// The agent is closed.
    case closed
}
