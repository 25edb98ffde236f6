// RFC 3711 §3.3.2: replay protection with a sliding window, and §3.3.1 / Appendix A index estimation.

/// A 64-packet sliding-window replay list over packet indices (48-bit SRTP or 31-bit SRTCP).
struct SRTPReplayWindow {
    static let size: UInt64 = 64

    /// The highest index recorded; meaningless while `isEmpty`.
    private(set) var highest: UInt64 = 0
    /// Bit `n` is set when index `highest - n` has been recorded.
    private var seen: UInt64 = 0
    private(set) var isEmpty = true

    /// Whether `index` is new and not older than the window (RFC 3711 §3.3.2).
    @inline(__always)
    func accepts(_ index: UInt64) -> Bool {
        if isEmpty || index > highest { return true }
        let age = highest - index
        if age >= Self.size { return false }
        return seen & (1 << age) == 0
    }

    /// Records `index` as received (after authentication succeeded), sliding the window forward if it is the newest.
    @inline(__always)
    mutating func record(_ index: UInt64) {
        if isEmpty {
            isEmpty = false
            highest = index
            seen = 1
        } else if index > highest {
            let shift = index - highest
            seen = shift >= Self.size ? 1 : (seen << shift) | 1
            highest = index
        } else {
            let age = highest - index
            if age < Self.size { seen |= 1 << age }
        }
    }

    /// The 48-bit packet index of an RTP packet with sequence number `sequenceNumber`, estimated from
    /// the highest index seen so far (RFC 3711 §3.3.1 and Appendix A). `nil` when the guess would fall
    /// before index 0 (a ROC of -1), which libsrtp also refuses.
    @inline(__always)
    func estimateIndex(sequenceNumber: UInt16) -> UInt64? {
        if isEmpty { return UInt64(sequenceNumber) }
        let roc = highest >> 16
        let last = Int(highest & 0xffff)
        let seq = Int(sequenceNumber)
        var guess = roc
        if last < 32768 {
            if seq - last > 32768 {
                if roc == 0 { return nil }
                guess = roc - 1
            }
        } else if last - 32768 > seq {
            guess = roc + 1
        }
        return (guess << 16 | UInt64(sequenceNumber)) & 0xffff_ffff_ffff
    }
}

/// Per-SSRC SRTP state: the replay window, whose highest index also gives the ROC and s_l.
struct SRTPStreamState {
    var window = SRTPReplayWindow()
}

/// Per-SSRC SRTCP state: the next index to send and the replay window for received packets.
struct SRTCPStreamState {
    /// The last SRTCP index sent; the first packet carries 1, as libsrtp does.
    var sentIndex: UInt32 = 0
    var window = SRTPReplayWindow()
}

/// Per-SSRC states of one SRTP context, as values in one array (found through a hash of SSRC to
/// position): looking one up or updating it in place counts no reference, so a packet's protection
/// touches no reference count.
struct SSRCStates<State> {
    private var positions: [UInt32: Int] = [:]
    private(set) var states: [State] = []

    /// Where `ssrc`'s state is, if it has one.
    @inline(__always)
    func position(of ssrc: UInt32) -> Int? { positions[ssrc] }

    /// Adds a state for `ssrc` (which has none) and returns its position.
    @inline(__always)
    mutating func add(_ ssrc: UInt32, _ state: State) -> Int {
        states.append(state)
        positions[ssrc] = states.count - 1
        return states.count - 1
    }

    /// The state at `position`, read or updated in place.
    @inline(__always)
    subscript(position position: Int) -> State {
        get { states[position] }
        _modify { yield &states[position] }
    }

    /// `ssrc`'s state, if it has one.
    subscript(ssrc: UInt32) -> State? { positions[ssrc].map { states[$0] } }

    /// Forgets `ssrc`'s state.
    mutating func remove(_ ssrc: UInt32) {
        guard let p = positions.removeValue(forKey: ssrc) else { return }
        let last = states.count - 1
        if p != last, let moved = positions.first(where: { $0.value == last })?.key {
            states.swapAt(p, last)
            positions[moved] = p
        }
        states.removeLast()
    }
}
