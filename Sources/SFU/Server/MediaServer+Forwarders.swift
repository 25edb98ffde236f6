import ICE

extension MediaServer {
    /// Starts a plain RTP copy of a streaming room's media to `request.host` (which must be in
    /// `forwardNetworks`), on its video and/or audio port, RTCP on the port above each.
    public func addForwarder(roomID: String, _ request: ForwarderRequest) async throws(ControlError) -> ForwarderInfo {
        let room = try entry(roomID).room
        guard room.kind == .streaming else { throw .notStreaming(roomID) }
        guard request.videoPort != nil || request.audioPort != nil else {
            throw .invalidForwarder(.noPorts)
        }
        for port in [request.videoPort, request.audioPort].compactMap({ $0 }) where !(1...65534).contains(port) {
            throw .invalidForwarder(.port(port))
        }
        if let v = request.videoPort, let a = request.audioPort, abs(v - a) < 2 {
            throw .invalidForwarder(.portsTooClose)
        }
        guard let probe = IPNetwork.address(request.host, port: 0) else {
            throw .invalidForwarder(.host(request.host))
        }
        guard configuration.forwardNetworks.contains(where: { $0.contains(probe) }) else {
            throw .destinationNotAllowed(host: request.host, allowed: configuration.forwardNetworks.map(\.description))
        }
        let video = request.videoPort.flatMap { IPNetwork.address(request.host, port: UInt16($0)) }
        let audio = request.audioPort.flatMap { IPNetwork.address(request.host, port: UInt16($0)) }
        let (id, host, ssrc) = ("f" + Self.randomID(), request.host, request.ssrc ?? UInt32.random(in: 1...UInt32.max - 1))
        if let srtp = request.srtp {
            do throws(SourceProblem) { _ = try srtp.material("srtp") } catch { throw .invalidForwarder(.keys(error)) }
        }
        let keying = request.srtp
        let info = try await onLoop(room, throwing: { room throws(ControlError) in
            try room.addForwarder(id: id, host: host, video: video, audio: audio, ssrc: ssrc, srtp: keying)
        })
        logger.info("forwarder started", metadata: ["room": "\(roomID)", "forwarder": "\(id)", "host": "\(host)"])
        return info
    }

    public func forwarders(roomID: String) async throws(ControlError) -> [ForwarderInfo] {
        let room = try entry(roomID).room
        return await onLoop(room) { $0.forwarderInfos }
    }

    /// The SDP a receiver of the forwarder reads.
    public func forwarderSDP(roomID: String, id: String) async throws(ControlError) -> String {
        let room = try entry(roomID).room
        guard let sdp = await onLoop(room, { $0.forwarderSDP(id: id) }) else {
            throw .forwarderNotFound(room: roomID, forwarder: id)
        }
        return sdp
    }

    /// Stops a forwarder; its last counters.
    public func removeForwarder(roomID: String, id: String) async throws(ControlError) -> ForwarderInfo {
        let room = try entry(roomID).room
        guard let info = await onLoop(room, { $0.removeForwarder(id: id) }) else {
            throw .forwarderNotFound(room: roomID, forwarder: id)
        }
        logger.info("forwarder stopped", metadata: ["room": "\(roomID)", "forwarder": "\(id)"])
        return info
    }
}
