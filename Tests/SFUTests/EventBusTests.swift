import Testing
@testable import SFU

@Suite struct EventBusTests {
    @Test func subscribersSeeEveryEventInOrderFromTheirStart() async {
        let bus = EventBus()
        bus.emit("room_created", room: "before")  // nobody listening yet
        let (id, stream) = bus.subscribe()
        for i in 0..<100 { bus.emit("participant_joined", room: "r", participant: "p\(i)") }
        bus.emit("room_destroyed", room: "r", reason: "api")
        bus.unsubscribe(id)
        var seen: [BridgeEvent] = []
        for await e in stream { seen.append(e) }
        #expect(seen.count == 101)
        #expect(seen.map(\.seq) == Array(2...102))
        #expect(seen.first?.participant == "p0" && seen.last?.type == "room_destroyed" && seen.last?.reason == "api")
        #expect(bus.counts["participant_joined"] == 100 && bus.subscriberCount == 0)
    }

    @Test func aSlowSubscriberLosesTheOldestNotTheBridge() async {
        let bus = EventBus()
        let (id, stream) = bus.subscribe()
        let total = EventBus.subscriberBuffer + 50
        for i in 0..<total { bus.emit("tick", participant: "\(i)") }  // nobody reads meanwhile
        bus.unsubscribe(id)
        var seqs: [UInt64] = []
        for await e in stream { seqs.append(e.seq) }
        #expect(seqs.count == EventBus.subscriberBuffer)
        #expect(seqs.first == 51 && seqs.last == UInt64(total))  // the gap shows in seq
    }
}
