import Foundation
import ICE
import RTP

/// Tests only.
extension MediaServer {
    /// Tests only: the participant's transport skips ICE and DTLS, as if both had completed
    /// with these keys (see `WebRTCTransport.establishForTesting`).
    func establishForTesting(roomID: String, participantID: String, profile: SRTPProfile, localKey: [UInt8], localSalt: [UInt8],
                             remoteKey: [UInt8], remoteSalt: [UInt8], remote: TransportAddress) async throws {
        guard let part = await part(of: roomID, participant: participantID) else {
            throw ControlError.participantNotFound(room: roomID, participant: participantID)
        }
        try await part.worker.eventLoop.submit {
            guard let transport = part.peer(participantID)?.transport else { return }
            try transport.establishForTesting(profile: profile, localKey: localKey, localSalt: localSalt,
                                              remoteKey: remoteKey, remoteSalt: remoteSalt, remote: remote)
            part.worker.flush()
        }.get()
    }

    /// Tests only: the worker that serves the participant.
    func workerIndex(roomID: String, participantID: String) async -> Int? {
        await part(of: roomID, participant: participantID)?.worker.index
    }
}
