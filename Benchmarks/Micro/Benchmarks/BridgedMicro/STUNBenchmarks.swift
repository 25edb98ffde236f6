// 4. A STUN Binding request as a browser sends it on a nominated pair (USERNAME, an unknown
//    comprehension-optional attribute as Chromium's GOOG-NETWORK-INFO, ICE-CONTROLLING,
//    PRIORITY, MESSAGE-INTEGRITY, FINGERPRINT) handed to the ICE-lite agent, which parses and
//    checks it and builds the success response (XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY,
//    FINGERPRINT): ICELiteAgent.receivedBindingRequest, as WebRTCTransport.receiveSTUN calls it.
//    A first request with USE-CANDIDATE nominates the sender's address; the measured ones are
//    the consent checks that follow (RFC 7675), without it, from the same address.

import Benchmark
import ICE

final class STUNBench {
    var agent: ICELiteAgent
    let nomination: UnsafeRawBufferPointer
    let request: UnsafeRawBufferPointer
    let from = TransportAddress.v4(0x7F00_0001, port: 50_000)

    init() {
        let local = ICECredentials(ufrag: "brdgUfrg", password: "0123456789abcdefghijklmn")
        let remote = ICECredentials(ufrag: "KqpX", password: "WJhBfkMwaXl+6vGQOTnCTsSh")
        agent = ICELiteAgent(local: local, remote: remote, consentTimeout: .seconds(30), tieBreaker: 0x0102_0304_0506_0708)
        func makeRequest(nominating: Bool) -> UnsafeRawBufferPointer {
            let message = STUNMessage(
                method: .binding, messageClass: .request,
                transactionID: STUNTransactionID(0x0A0B_0C0D, 0x1112_1314, nominating ? 0x2122_2324 : 0x3132_3334),
                attributes: [
                    .username("\(local.ufrag):\(remote.ufrag)"),
                    .unknown(type: 0xC057, value: [0x00, 0x01, 0x00, 0x0A]),
                    .iceControlling(0x1122_3344_5566_7788),
                    .priority(1_853_824_767),
                ] + (nominating ? [.useCandidate] : []))
            let bytes = message.serialized(integrityKey: Array(local.password.utf8), fingerprint: true)
            return UnsafeRawBufferPointer(pinnedCopy(bytes))
        }
        nomination = makeRequest(nominating: true)
        request = makeRequest(nominating: false)
    }

    @inline(__always)
    func respond(to request: UnsafeRawBufferPointer) -> ICEAction {
        agent.receivedBindingRequest(request, from: from, now: .now)
    }
}

func registerSTUNBenchmarks() {
    let bench = STUNBench()
    // The first check nominates the address; every later one is a valid check from it.
    guard case .respond(_, _, .selected?) = bench.respond(to: bench.nomination),
          case .respond(let response, let to, nil) = bench.respond(to: bench.request), to == bench.from,
          response.count >= 2, response[0] == 0x01, response[1] == 0x01 else {
        fatalError("the binding request was not answered with a success response")
    }
    let parsed = response.withUnsafeBytes { try? STUNMessage(parsing: $0) }
    precondition(parsed?.xorMappedAddress == bench.from && parsed?.messageIntegrity != nil && parsed?.fingerprint != nil)
    precondition(response.withUnsafeBytes { STUN.verifyIntegrity($0, key: Array("0123456789abcdefghijklmn".utf8)) })

    Benchmark("STUN-binding-request-to-response", configuration: configuration()) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(bench.respond(to: bench.request))
        }
    }
}
