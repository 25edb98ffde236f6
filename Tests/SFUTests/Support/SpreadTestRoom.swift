import Foundation
import ICE
import NIOCore
import Rings
import RTP
@testable import SFU

/// A streaming room on worker 0 of two, wired as `MediaServer` wires spread viewers but with no
/// timers (so that nothing but forwarding runs on the loops): the streamer and one viewer on
/// worker 0, one viewer in a `ViewerGroup` on worker 1, the rings both ways. Every peer talks
/// SRTP over a real UDP socket with keys of its own (ICE and DTLS skipped).
final class SpreadTestRoom: @unchecked Sendable {
    let loops: [MediaEventLoop]
    let workers: [MediaWorker]
    let room: StreamingRoom
    let group: ViewerGroup
    let streamer: SRTPTestPeer
    /// On worker 0, then on worker 1.
    let viewers: [SRTPTestPeer]
    static let videoSSRC: UInt32 = 0x5000_0001
    private var sequence: UInt16 = 65000
    private let payload = [UInt8](repeating: 0x5A, count: 1000)

    init() async throws {
        let loops = (0..<2).map { MediaEventLoop(name: "spread-\($0)") }
        self.loops = loops
        let context = try DTLSContext(certificate: try DTLSCertificate())
        let workers = (0..<2).map { MediaWorker(index: $0, eventLoop: loops[$0], dtlsContext: context, logger: .init(label: "test")) }
        self.workers = workers
        for w in workers { try await w.start(host: "127.0.0.1", port: 0, tickInterval: .hours(1)) }
        let events = EventBus()
        let room = StreamingRoom(id: "r", description: nil, worker: workers[0], events: events, token: 7)
        self.room = room
        let down = WorkerRing(source: 0, destination: 1, wakeFD: workers[1].inboxFD)
        let up = WorkerRing(source: 1, destination: 0, wakeFD: workers[0].inboxFD)
        try await loops[1].submit { workers[1].addInbox(down) }.get()
        try await loops[0].submit { workers[0].addInbox(up) }.get()
        let group = ViewerGroup(id: "r", worker: workers[1], events: events, token: 7, uplink: up, keyFrameInterval: .milliseconds(500))
        self.group = group
        try await loops[1].submit { workers[1].register(receiver: group, token: 7) }.get()
        try await loops[0].submit { room.attach(group, ring: down) }.get()

        streamer = try SRTPTestPeer(seed: 0x40, bridgePort: workers[0].localPort)
        try await Self.join(room, role: .streamer, offer: try StreamingOffers.streamer(), peer: streamer)
        let home = try SRTPTestPeer(seed: 0x50, bridgePort: workers[0].localPort)
        try await Self.join(room, role: .viewer, offer: try StreamingOffers.viewer(), peer: home)
        let remote = try SRTPTestPeer(seed: 0x60, bridgePort: workers[1].localPort)
        try await Self.join(group, role: .viewer, offer: try StreamingOffers.viewer(), peer: remote)
        viewers = [home, remote]
    }

    private static func join(_ part: any RoomPart, role: ParticipantRole, offer: String, peer: SRTPTestPeer) async throws {
        let pid = MediaServer.randomID()
        let local = LocalTransportParameters(ice: ICECredentials.random(), fingerprint: "AA:BB",
                                             candidates: [("127.0.0.1", part.worker.localPort)])
        let request = JoinRequest(participantID: pid, role: role, display: nil, offer: try SessionDescription(parsing: offer),
                                  local: local, consentTimeout: .seconds(30))
        try await part.worker.eventLoop.submit {
            _ = try part.join(request)
            try peer.establish(part.peer(pid)!.transport)
            part.worker.flush()
        }.get()
    }

    /// The streamer sends one VP8 packet (a key frame on the first call), and each viewer
    /// receives it; true if both did.
    func forwardOne() throws -> Bool {
        let first = sequence == 65000
        var p = RTPPacket(payloadType: 96, sequenceNumber: sequence, timestamp: UInt32(sequence) &* 3000, ssrc: Self.videoSSRC,
                          payload: payload)
        p.payload[0] = 0x10
        p.payload[1] = first ? 0x00 : 0x01
        sequence &+= 1
        try streamer.sendRTP(p)
        var both = true
        for v in viewers {
            guard let r = try v.receiveRTP(), r.payload.count == payload.count else { both = false; continue }
        }
        return both
    }

    func drops() async throws -> DropCounters {
        var total = DropCounters()
        for w in workers { total = total + (try await w.eventLoop.submit { w.drops }.get()) }
        return total
    }

    func shutdown() async {
        for w in workers { await w.stop() }
        for l in loops { l.syncShutdown() }
    }
}
