import Foundation
import ICE
import RTP
@testable import SFU

/// A conference room on one worker with two members over SRTP (ICE and DTLS skipped), Chromium's
/// offer for both: `b` has answered the bridge's offer of `a`'s tracks, so what `a` publishes
/// reaches `b`. The server's own timers run (receiver and sender reports once a second) unless
/// `timers` is false (then the steady state has nothing but packets: the allocation test).
final class ConferencePair: @unchecked Sendable {
    let server: MediaServer
    let a: SRTPTestPeer, b: SRTPTestPeer
    let aID: String, bID: String
    /// The SSRC `b` receives `a`'s camera with.
    let videoSSRC: UInt32
    /// The SSRC `a`'s offer gives its camera.
    static let cameraSSRC: UInt32 = 215_554_593
    private var sequence: UInt16 = 65000
    private let payload = [UInt8](repeating: 0x5A, count: 1000)
    let channelB: ConferenceSignalingTests.Channel

    init(timers: Bool = true) async throws {
        let channelB = ConferenceSignalingTests.Channel()
        self.channelB = channelB
        var configuration = MediaConfiguration()
        configuration.port = 0
        configuration.workers = 1
        if !timers {
            configuration.tickInterval = .seconds(3600)
            configuration.reportInterval = .seconds(3600)
        }
        let server = try MediaServer(configuration: configuration)
        self.server = server
        try await server.start()
        _ = try await server.createRoom(id: "pair", kind: .conference, description: nil)
        let offer = try AnswerTests.fixture("chromium_sendrecv")
        let aID = try await server.addParticipant(roomID: "pair", .init(offer: offer, role: .member)).id
        let bID = try await server.addParticipant(roomID: "pair", .init(offer: offer, role: .member)).id
        (self.aID, self.bID) = (aID, bID)
        try await server.attachSignal(roomID: "pair", participantID: bID) { channelB.receive($0) }
        let offered = try await channelB.wait(count: 1)
        guard let sdp = offered.first?["sdp"] as? String, let revision = offered.first?["revision"] as? Int else {
            throw ControlError.invalidSignal("no offer for b")
        }
        let bridgeOffer = try SessionDescription(parsing: sdp)
        guard let video = bridgeOffer.media.first(where: { $0.kind == "video" && $0.msid?.track == "\(aID)/1" }),
              let ssrc = video.ssrcs.first?.ssrc else { throw ControlError.invalidSignal("no camera of a offered to b") }
        videoSSRC = ssrc
        try await server.signal(roomID: "pair", participantID: bID, .answer(ConferenceSessionTests.answer(to: bridgeOffer), revision: revision))
        let port = server.workers[0].localPort
        a = try SRTPTestPeer(seed: 0x70, bridgePort: port)
        b = try SRTPTestPeer(seed: 0x80, bridgePort: port)
        try await a.establish(server, room: "pair", participant: aID)
        try await b.establish(server, room: "pair", participant: bID)
    }

    /// `a` sends one VP8 packet of its camera (a key frame on the first call); true if `b`
    /// received it.
    func forwardOne() throws -> Bool {
        let first = sequence == 65000
        var p = RTPPacket(payloadType: 96, sequenceNumber: sequence, timestamp: UInt32(sequence) &* 3000, ssrc: Self.cameraSSRC,
                          payload: payload)
        p.payload[0] = 0x10
        p.payload[1] = first ? 0x00 : 0x01
        sequence &+= 1
        try a.sendRTP(p)
        guard let r = try b.receiveRTP() else { return false }
        return r.ssrc == videoSSRC && r.payload.count == payload.count
    }

    func shutdown() async { await server.shutdown() }
}
