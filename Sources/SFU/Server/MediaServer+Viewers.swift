import Foundation
import NIOCore
import Rings

/// Streaming rooms' viewers on workers other than the room's: where a new one goes, the
/// viewer group that serves them there, and the rings between workers.
extension MediaServer {
    /// Where a new viewer of a room homed on `home` goes: the worker with the fewest transports
    /// (joins under way included), the home one on a tie. Always home with one worker or
    /// `spreadViewers` off.
    func placeViewer(home: Int) -> Int {
        guard configuration.spreadViewers, workers.count > 1 else { return home }
        var best = home
        var bestLoad = workers[home].load + joining[home]
        for w in workers where w.index != home {
            let load = w.load + joining[w.index]
            if load < bestLoad { (best, bestLoad) = (w.index, load) }
        }
        return best
    }

    /// The room's viewer group on worker `w` (not its home), created on first use: the rings
    /// both ways, the group registered on `w` for the room's token, attached to the room (which
    /// then feeds it), and its periodic tick.
    func viewerGroup(of room: any Room, on w: Int) async -> ViewerGroup {
        if let task = rooms[room.id]?.groups[w] { return await task.value }
        let token = room.spreadToken ?? 0
        let home = room.worker.index
        let down = ring(from: home, to: w), up = ring(from: w, to: home)
        let worker = workers[w]
        let events = events, interval = configuration.keyFrameInterval
        let task = Task { () -> ViewerGroup in
            let (down, up) = (await down.value, await up.value)
            let group = ViewerGroup(id: room.id, worker: worker, events: events, token: token, uplink: up,
                                    keyFrameInterval: interval)
            try! await worker.eventLoop.submit { worker.register(receiver: group, token: token) }.get()
            try! await room.worker.eventLoop.submit { room.attach(group, ring: down) }.get()
            return group
        }
        rooms[room.id]?.groups[w] = task
        let group = await task.value
        // The room may have been deleted while the group was made.
        if rooms[room.id]?.groups[w] != nil {
            let every = Self.timeAmount(configuration.reportInterval)
            rooms[room.id]?.groupTickers.append(
                worker.eventLoop.scheduleRepeatedTask(initialDelay: every, delay: every) { _ in group.tick(now: .now) })
            logger.info("viewer group created", metadata: ["room": "\(room.id)", "worker": "\(w)", "home": "\(home)"])
        }
        return group
    }

    /// The room's viewer groups on other workers (those whose creation has finished or is under way).
    func viewerGroups(of id: String) async -> [ViewerGroup] {
        var out: [ViewerGroup] = []
        for (_, task) in (rooms[id]?.groups ?? [:]).sorted(by: { $0.key < $1.key }) { out.append(await task.value) }
        return out
    }

    /// The ring from worker `a` to worker `b`, created once and registered with `b` (which
    /// drains it) before anyone pushes to it.
    func ring(from a: Int, to b: Int) -> Task<WorkerRing, Never> {
        let key = a * workers.count + b
        if let task = rings[key] { return task }
        let consumer = workers[b]
        let task = Task { () -> WorkerRing in
            let ring = WorkerRing(source: a, destination: b, wakeFD: consumer.inboxFD)
            try! await consumer.eventLoop.submit { consumer.addInbox(ring) }.get()
            return ring
        }
        rings[key] = task
        return task
    }

    func takeToken() -> UInt32 {
        defer { nextToken &+= 1 }
        return nextToken
    }
}
