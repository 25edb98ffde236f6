import Access
import Testing

struct FailedAttemptsTests {
    static let t0 = ContinuousClock.now

    @Test func blocksAfterTheLimitUntilTheWindowEnds() async {
        let attempts = FailedAttempts(limit: 3, window: .seconds(60))
        let key = FailedAttempts.Key(address: "192.0.2.1", room: "safe")
        for i in 0..<3 {
            #expect(await attempts.blocked(key, now: Self.t0 + .seconds(i)) == nil)
            await attempts.failed(key, now: Self.t0 + .seconds(i))
        }
        #expect(await attempts.blocked(key, now: Self.t0 + .seconds(10)) == .seconds(50))
        // Another room, another address: not blocked.
        #expect(await attempts.blocked(.init(address: "192.0.2.1", room: "other"), now: Self.t0 + .seconds(10)) == nil)
        #expect(await attempts.blocked(.init(address: "192.0.2.2", room: "safe"), now: Self.t0 + .seconds(10)) == nil)
        // The window began with the first failure; after it, a fresh count.
        #expect(await attempts.blocked(key, now: Self.t0 + .seconds(60)) == nil)
        await attempts.failed(key, now: Self.t0 + .seconds(61))
        #expect(await attempts.blocked(key, now: Self.t0 + .seconds(62)) == nil)
    }

    @Test func aFloodOfAddressesStaysBounded() async {
        let attempts = FailedAttempts(limit: 2, window: .seconds(60), maxTracked: 100)
        for i in 0..<1000 {
            await attempts.failed(.init(address: "10.0.\(i / 256).\(i % 256)", room: nil), now: Self.t0 + .milliseconds(i))
        }
        #expect(await attempts.tracked <= 100)
        // The newest are kept: the last address is still counted.
        let last = FailedAttempts.Key(address: "10.0.3.231", room: nil)
        await attempts.failed(last, now: Self.t0 + .seconds(2))
        #expect(await attempts.blocked(last, now: Self.t0 + .seconds(3)) != nil)
    }
}
