// Scenario tests for the ICE-lite agent. Time is a fixed origin plus offsets (no real clock);
// requests are built with STUNMessage and the known passwords below.

import Testing
@testable import ICE

private let local = ICECredentials(ufrag: "LoCa", password: "localpasswordlocalpassw")
private let remote = ICECredentials(ufrag: "ReMo", password: "remotepasswordremotepas")
private let t0 = ContinuousClock.now
private func at(_ seconds: Double) -> ContinuousClock.Instant { t0 + .milliseconds(Int64(seconds * 1000)) }

private let addressA = TransportAddress.v4(0xC0A8_0102, port: 50000)      // 192.168.1.2:50000 (Wi-Fi)
private let addressB = TransportAddress.v4(0x0A00_0005, port: 40000)      // 10.0.0.5:40000 (mobile)
private let addressV6 = TransportAddress.v6(0x2001_0DB8_0000_0000, 0x42, port: 6000)

/// A connectivity check as a browser would send it.
private func check(username: String? = "LoCa:ReMo", password: String? = local.password,
                   useCandidate: Bool = false, controlling: UInt64? = 7, controlled: UInt64? = nil,
                   fingerprint: Bool = true, extra: [STUNAttribute] = [],
                   messageClass: STUNClass = .request,
                   id: STUNTransactionID = vectorTransactionID) -> [UInt8] {
    var attributes: [STUNAttribute] = []
    if let username { attributes.append(.username(username)) }
    attributes.append(.priority(0x6E7F_1EFF))
    if let controlling { attributes.append(.iceControlling(controlling)) }
    if let controlled { attributes.append(.iceControlled(controlled)) }
    if useCandidate { attributes.append(.useCandidate) }
    attributes += extra
    let message = STUNMessage(messageClass: messageClass, transactionID: id, attributes: attributes)
    return message.serialized(integrityKey: password.map { Array($0.utf8) }, fingerprint: fingerprint)
}

private func makeAgent(remote: ICECredentials? = remote) -> ICELiteAgent {
    ICELiteAgent(local: local, remote: remote, tieBreaker: 1000)
}

extension ICELiteAgent {
    fileprivate mutating func receive(_ bytes: [UInt8], from: TransportAddress, at time: Double) -> ICEAction {
        bytes.withUnsafeBytes { receivedBindingRequest($0, from: from, now: at(time)) }
    }
}

/// Checks that a `.respond` carries a valid response and returns it with the event.
private func response(_ action: ICEAction, to expected: TransportAddress,
                      key: String = local.password) throws -> (STUNMessage, ICEEvent?) {
    guard case .respond(let bytes, let to, let event) = action else {
        Issue.record("expected a response, got \(action)")
        throw CancellationError()
    }
    #expect(to == expected)
    #expect(bytes.withUnsafeBytes { STUN.verifyIntegrity($0, key: Array(key.utf8)) })
    #expect(bytes.withUnsafeBytes { STUN.verifyFingerprint($0) })
    let message = try parseSTUN(bytes).get()
    #expect(message.method == .binding)
    #expect(message.transactionID == vectorTransactionID)
    return (message, event)
}

@Suite("ICE-lite agent")
struct ICELiteAgentTests {
    @Test("a check without USE-CANDIDATE answers success and moves to checking")
    func firstCheck() throws {
        var agent = makeAgent()
        #expect(agent.state == .new)
        let (message, event) = try response(agent.receive(check(), from: addressA, at: 0), to: addressA)
        #expect(message.messageClass == .successResponse)
        #expect(message.xorMappedAddress == addressA)
        #expect(event == nil)
        #expect(agent.state == .checking)
        #expect(agent.selectedAddress == nil)
        #expect(agent.consentDeadline == nil)
    }

    @Test("USE-CANDIDATE nominates: connected, selected event once")
    func nomination() throws {
        var agent = makeAgent()
        _ = agent.receive(check(), from: addressA, at: 0)
        let (_, event) = try response(agent.receive(check(useCandidate: true), from: addressA, at: 0.5), to: addressA)
        #expect(event == .selected(addressA))
        #expect(agent.state == .connected(selected: addressA, since: at(0.5)))
        #expect(agent.selectedAddress == addressA)
        #expect(agent.consentDeadline == at(30.5))
        // Aggressive nomination: USE-CANDIDATE again from the same address is not a new selection.
        let (_, again) = try response(agent.receive(check(useCandidate: true), from: addressA, at: 1), to: addressA)
        #expect(again == nil)
        #expect(agent.state == .connected(selected: addressA, since: at(0.5)))
    }

    @Test("IPv6 source: XOR-MAPPED-ADDRESS echoes it")
    func ipv6() throws {
        var agent = makeAgent()
        let (message, event) = try response(agent.receive(check(useCandidate: true), from: addressV6, at: 0), to: addressV6)
        #expect(message.xorMappedAddress == addressV6)
        #expect(event == .selected(addressV6))
    }

    @Test("USE-CANDIDATE from another address switches at once")
    func switchOnNomination() throws {
        var agent = makeAgent()
        _ = agent.receive(check(useCandidate: true), from: addressA, at: 0)
        _ = agent.receive(check(), from: addressA, at: 0.5)
        let (_, event) = try response(agent.receive(check(useCandidate: true), from: addressB, at: 0.6), to: addressB)
        #expect(event == .selected(addressB))
        #expect(agent.state == .connected(selected: addressB, since: at(0.6)))
    }

    @Test("a check without USE-CANDIDATE from another address switches only after 2 s of silence")
    func switchOnSilence() throws {
        var agent = makeAgent()
        _ = agent.receive(check(useCandidate: true), from: addressA, at: 0)
        _ = agent.receive(check(), from: addressA, at: 10)   // last check from A
        // 1.999 s after the last check from A: answered, but no switch.
        let (_, early) = try response(agent.receive(check(), from: addressB, at: 11.999), to: addressB)
        #expect(early == nil)
        #expect(agent.selectedAddress == addressA)
        // Exactly 2 s: the phone left Wi-Fi.
        let (_, late) = try response(agent.receive(check(), from: addressB, at: 12), to: addressB)
        #expect(late == .selected(addressB))
        #expect(agent.state == .connected(selected: addressB, since: at(12)))
    }

    @Test("checks from a non-selected address do not refresh consent")
    func consentOnlyFromSelected() {
        var agent = makeAgent()
        _ = agent.receive(check(useCandidate: true), from: addressA, at: 0)
        // B's check at 1 s is within 2 s of A's last check (0 s): answered, not selected, and it
        // does not refresh the consent of A.
        _ = agent.receive(check(), from: addressB, at: 1)
        #expect(agent.selectedAddress == addressA)
        #expect(agent.tick(now: at(29.999)) == nil)
        #expect(agent.tick(now: at(30)) == .consentExpired)
    }

    @Test("consent expires at exactly 30 s after the last check from the selected address")
    func consentExpiry() throws {
        var agent = makeAgent()
        _ = agent.receive(check(useCandidate: true), from: addressA, at: 0)
        #expect(agent.tick(now: at(29.999)) == nil)
        _ = agent.receive(check(), from: addressA, at: 20)   // refresh
        #expect(agent.tick(now: at(30)) == nil)
        #expect(agent.tick(now: at(49.999)) == nil)
        #expect(agent.consentDeadline == at(50))
        #expect(agent.tick(now: at(50)) == .consentExpired)
        #expect(agent.state == .disconnected)
        #expect(agent.selectedAddress == nil)
        #expect(agent.tick(now: at(51)) == nil)   // reported once
        // A later valid check (no USE-CANDIDATE needed) reconnects.
        let (_, event) = try response(agent.receive(check(), from: addressA, at: 60), to: addressA)
        #expect(event == .selected(addressA))
        #expect(agent.state == .connected(selected: addressA, since: at(60)))
        #expect(agent.tick(now: at(89.999)) == nil)
        #expect(agent.tick(now: at(90)) == .consentExpired)
    }

    @Test("custom consent timeout")
    func customConsentTimeout() {
        var agent = ICELiteAgent(local: local, remote: remote, consentTimeout: .seconds(5), tieBreaker: 1)
        _ = agent.receive(check(useCandidate: true), from: addressA, at: 0)
        #expect(agent.tick(now: at(4.999)) == nil)
        #expect(agent.tick(now: at(5)) == .consentExpired)
    }

    @Test("tick before any nomination does nothing")
    func tickWhileChecking() {
        var agent = makeAgent()
        #expect(agent.tick(now: at(100)) == nil)
        _ = agent.receive(check(), from: addressA, at: 0)
        #expect(agent.tick(now: at(100)) == nil)
        #expect(agent.state == .checking)
    }

    static let drops: [(String, [UInt8], ICEDropReason)] = [
        ("empty datagram", [], .notSTUN),
        ("RTP packet", [0x80, 0x60, 0x00, 0x01] + [UInt8](repeating: 0, count: 20), .notSTUN),
        ("DTLS ClientHello record", [0x16, 0xFE, 0xFF, 0x00, 0x00] + [UInt8](repeating: 0, count: 20), .notSTUN),
        ("STUN header, length mismatch", [0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xA4, 0x42] + [UInt8](repeating: 0, count: 12), .malformed),
        ("Binding indication (keepalive)", check(messageClass: .indication), .notBindingRequest),
        ("Binding success response", check(messageClass: .successResponse), .notBindingRequest),
        ("Allocate request", bindingRequest(attributes: [], type: 0x0003), .notBindingRequest),
        ("no USERNAME", check(username: nil), .unknownUsername),
        ("wrong local ufrag", check(username: "LoCX:ReMo"), .unknownUsername),
        ("wrong remote ufrag", check(username: "LoCa:ReMX"), .unknownUsername),
        ("ufrags swapped", check(username: "ReMo:LoCa"), .unknownUsername),
        ("local ufrag only", check(username: "LoCa"), .unknownUsername),
        ("wrong password", check(password: remote.password), .badIntegrity),
        ("no MESSAGE-INTEGRITY", check(password: nil), .badIntegrity),
        ("ICE-CONTROLLED with bad integrity: never answered", check(password: "x", controlled: 1), .badIntegrity),
    ]

    @Test(arguments: drops)
    func dropped(name: String, bytes: [UInt8], reason: ICEDropReason) {
        var agent = makeAgent()
        #expect(agent.receive(bytes, from: addressA, at: 0) == .drop(reason), "\(name)")
        #expect(agent.state == .new)
    }

    @Test("bad FINGERPRINT is dropped; a request without FINGERPRINT is accepted")
    func fingerprint() throws {
        var agent = makeAgent()
        var bytes = check()
        bytes[bytes.count - 1] ^= 0xFF
        #expect(agent.receive(bytes, from: addressA, at: 0) == .drop(.badFingerprint))
        var body = check()
        body[body.count - 20] ^= 0x01   // inside the MESSAGE-INTEGRITY value: fingerprint fails first
        #expect(agent.receive(body, from: addressA, at: 0) == .drop(.badFingerprint))
        let (message, _) = try response(agent.receive(check(fingerprint: false), from: addressA, at: 0), to: addressA)
        #expect(message.messageClass == .successResponse)
    }

    @Test("remote credentials unknown: any remote ufrag after '<local>:' is accepted")
    func remoteUnknown() throws {
        var agent = makeAgent(remote: nil)
        let (_, event) = try response(agent.receive(check(username: "LoCa:whatever", useCandidate: true),
                                                    from: addressA, at: 0), to: addressA)
        #expect(event == .selected(addressA))
        #expect(agent.receive(check(username: "LoCa:"), from: addressA, at: 0) == .drop(.unknownUsername))
        #expect(agent.receive(check(username: "LoCaX:ReMo"), from: addressA, at: 0) == .drop(.unknownUsername))
        // Once remote credentials are signalled, they are enforced.
        agent.remote = remote
        #expect(agent.receive(check(username: "LoCa:whatever"), from: addressA, at: 1) == .drop(.unknownUsername))
    }

    static let roles: [(String, UInt64?, UInt64?, UInt16?)] = [
        ("ICE-CONTROLLING: no conflict", 1, nil, nil),
        ("ICE-CONTROLLING with a larger tie-breaker: no conflict", 5000, nil, nil),
        ("no role attribute (RFC 5245 peer): accepted", nil, nil, nil),
        ("ICE-CONTROLLED, our tie-breaker larger: 487 (RFC 8445 §7.3.1.1)", nil, 999, 487),
        ("ICE-CONTROLLED, equal tie-breakers: 487", nil, 1000, 487),
        ("ICE-CONTROLLED, our tie-breaker smaller: 487 anyway, a lite agent cannot control", nil, 1001, 487),
        ("both role attributes: treated as ICE-CONTROLLED", 1, 1, 487),
    ]

    @Test(arguments: roles)
    func roleConflict(name: String, controlling: UInt64?, controlled: UInt64?, errorCode: UInt16?) throws {
        var agent = makeAgent()   // tie-breaker 1000
        let action = agent.receive(check(useCandidate: true, controlling: controlling, controlled: controlled),
                                   from: addressA, at: 0)
        let (message, event) = try response(action, to: addressA)
        if let errorCode {
            #expect(message.messageClass == .errorResponse, "\(name)")
            #expect(message.errorCode?.code == errorCode, "\(name)")
            #expect(message.xorMappedAddress == nil)
            #expect(event == nil)
            #expect(agent.state == .new, "a 487 is not a valid check")
        } else {
            #expect(message.messageClass == .successResponse, "\(name)")
            #expect(event == .selected(addressA))
        }
    }

    @Test("unknown comprehension-required attribute: 420 with UNKNOWN-ATTRIBUTES; optional ones ignored")
    func unknownAttributes() throws {
        var agent = makeAgent()
        let required = check(useCandidate: true, extra: [.unknown(type: 0x7777, value: [1])])
        let (error, event) = try response(agent.receive(required, from: addressA, at: 0), to: addressA)
        #expect(error.messageClass == .errorResponse)
        #expect(error.errorCode == .unknownAttribute)
        #expect(error.attributes.contains(.unknownAttributes([0x7777])))
        #expect(event == nil)
        #expect(agent.state == .new)

        let optional = check(useCandidate: true, extra: [.unknown(type: 0xC057, value: [0, 1, 0, 10])])
        let (ok, selected) = try response(agent.receive(optional, from: addressA, at: 0), to: addressA)
        #expect(ok.messageClass == .successResponse)
        #expect(selected == .selected(addressA))
    }

    @Test("restart: old credentials refused, new ones accepted, selection kept")
    func restart() throws {
        var agent = makeAgent()
        _ = agent.receive(check(useCandidate: true), from: addressA, at: 0)
        let newLocal = ICECredentials(ufrag: "NeWl", password: "newlocalpasswordnewloca")
        let newRemote = ICECredentials(ufrag: "NeWr", password: "newremotepasswordnewrem")
        agent.restart(local: newLocal, remote: newRemote)
        #expect(agent.local == newLocal)
        #expect(agent.state == .connected(selected: addressA, since: at(0)))

        // Old ufrags and old password are refused.
        #expect(agent.receive(check(), from: addressA, at: 1) == .drop(.unknownUsername))
        #expect(agent.receive(check(username: "NeWl:NeWr"), from: addressA, at: 1) == .drop(.badIntegrity))

        // The first valid check under the new credentials reports the restart.
        let first = agent.receive(check(username: "NeWl:NeWr", password: newLocal.password), from: addressA, at: 2)
        let (_, event) = try response(first, to: addressA, key: newLocal.password)
        #expect(event == .restarted)
        let second = agent.receive(check(username: "NeWl:NeWr", password: newLocal.password, useCandidate: true),
                                   from: addressA, at: 3)
        #expect(try response(second, to: addressA, key: newLocal.password).1 == nil)
        #expect(agent.consentDeadline == at(33))
    }

    @Test("restart followed by a nomination from a new address reports selected")
    func restartToNewAddress() throws {
        var agent = makeAgent()
        _ = agent.receive(check(useCandidate: true), from: addressA, at: 0)
        let newLocal = ICECredentials(ufrag: "NeWl", password: "newlocalpasswordnewloca")
        agent.restart(local: newLocal, remote: nil)
        let action = agent.receive(check(username: "NeWl:anything", password: newLocal.password, useCandidate: true),
                                   from: addressB, at: 1)
        #expect(try response(action, to: addressB, key: newLocal.password).1 == .selected(addressB))
        #expect(agent.selectedAddress == addressB)
    }

    @Test("closed agent drops everything")
    func closed() {
        var agent = makeAgent()
        _ = agent.receive(check(useCandidate: true), from: addressA, at: 0)
        agent.close()
        #expect(agent.state == .closed)
        #expect(agent.selectedAddress == nil)
        #expect(agent.receive(check(), from: addressA, at: 1) == .drop(.closed))
        #expect(agent.receive([0x80], from: addressA, at: 1) == .drop(.closed))
        #expect(agent.tick(now: at(100)) == nil)
    }
}

@Suite("ICE credentials")
struct ICECredentialsTests {
    @Test("random credentials: 8-char ufrag, 24-char password, ice-chars only")
    func random() {
        for _ in 0..<100 {
            let credentials = ICECredentials.random()
            #expect(credentials.ufrag.utf8.count == 8)
            #expect(credentials.password.utf8.count == 24)
            #expect(credentials.isValid)
        }
        #expect(ICECredentials.random() != ICECredentials.random())
        var a = SplitMix64(state: 1), b = SplitMix64(state: 1)
        #expect(ICECredentials.random(using: &a) == ICECredentials.random(using: &b))
    }

    static let validity: [(String, String, String, Bool)] = [
        ("minimum lengths", "abcd", "0123456789abcdefghijkl", true),
        ("ufrag too short", "abc", "0123456789abcdefghijkl", false),
        ("password too short", "abcd", "0123456789abcdefghijk", false),
        ("'+' and '/' are ice-chars", "a+/b", "++++++++++//////////++", true),
        ("':' is not an ice-char", "ab:c", "0123456789abcdefghijkl", false),
        ("non-ASCII", "abcé", "0123456789abcdefghijkl", false),
    ]

    @Test(arguments: validity)
    func isValid(name: String, ufrag: String, password: String, expected: Bool) {
        #expect(ICECredentials(ufrag: ufrag, password: password).isValid == expected, "\(name)")
    }
}
