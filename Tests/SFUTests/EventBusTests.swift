import Testing
@testable import SFU

@Suite struct EventBusTests {
    @Test func subscribersSeeEveryEventInOrderFromTheirStart() async {
        let bus = EventBus()
        bus.emit(.roomCreated(room: "before", kind: .streaming))  // nobody listening yet
        let (id, stream) = bus.subscribe()
        for i in 0..<100 { bus.emit(.lobbyAdmitted(room: "r", participant: "p\(i)")) }
        bus.emit(.roomDestroyed(room: "r", reason: .api))
        bus.unsubscribe(id)
        var seen: [EventRecord] = []
        for await e in stream { seen.append(e) }
        #expect(seen.count == 101)
        #expect(seen.map(\.seq) == Array(2...102))
        #expect(seen.first?.event == .lobbyAdmitted(room: "r", participant: "p0") && seen.last?.event == .roomDestroyed(room: "r", reason: .api))
        #expect(bus.counts["lobby_admitted"] == 100 && bus.subscriberCount == 0)
    }

    /// A subscriber that resumes from a seq first gets the kept events after it, then live ones,
    /// in order; only the last `historySize` are kept.
    @Test func resumingReplaysTheKeptEventsAfterSeq() async {
        let bus = EventBus()
        let total = EventBus.historySize + 20
        for i in 0..<total { bus.emit(.dominantSpeaker(room: "r", participant: "\(i)")) }
        let (id, stream) = bus.subscribe(after: UInt64(total - 5))
        bus.emit(.moderatorGranted(room: "r", participant: "live"))
        bus.unsubscribe(id)
        var seen: [EventRecord] = []
        for await e in stream { seen.append(e) }
        #expect(seen.map(\.seq) == Array(UInt64(total - 4)...UInt64(total + 1)))
        #expect(seen.last?.event == .moderatorGranted(room: "r", participant: "live"))

        let (all, replay) = bus.subscribe(after: 0)
        bus.unsubscribe(all)
        var seqs: [UInt64] = []
        for await e in replay { seqs.append(e.seq) }
        #expect(seqs.count == EventBus.historySize)
        #expect(seqs.first == UInt64(total + 1 - EventBus.historySize + 1) && seqs.last == UInt64(total + 1))
    }

    @Test func aSlowSubscriberLosesTheOldestNotTheBridge() async {
        let bus = EventBus()
        let (id, stream) = bus.subscribe()
        let total = EventBus.subscriberBuffer + 50
        for i in 0..<total { bus.emit(.dominantSpeaker(room: "r", participant: "\(i)")) }  // nobody reads meanwhile
        bus.unsubscribe(id)
        var seqs: [UInt64] = []
        for await e in stream { seqs.append(e.seq) }
        #expect(seqs.count == EventBus.subscriberBuffer)
        #expect(seqs.first == 51 && seqs.last == UInt64(total))  // the gap shows in seq
    }
}
