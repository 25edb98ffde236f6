import Testing

@testable import RTP

@Suite("SDP candidate")
struct SDPICECandidateAttributeTests {
    @Test("valid values round-trip", arguments: [
        ("657069557 1 udp 2122260223 127.0.0.1 57028 typ host generation 0 network-id 1 network-cost 50",
         ICECandidateAttribute(foundation: "657069557", priority: 2_122_260_223, address: "127.0.0.1", port: 57028,
                               type: .host, extensions: [("generation", "0"), ("network-id", "1"), ("network-cost", "50")])),
        ("3649093985 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active generation 0",
         ICECandidateAttribute(foundation: "3649093985", transport: "tcp", priority: 1_518_280_447, address: "127.0.0.1",
                               port: 9, type: .host, extensions: [("tcptype", "active"), ("generation", "0")])),
        ("16572de626da4e5384a0ce2d0d93678a 1 udp 2130706431 127.0.0.1 51159 typ host",
         ICECandidateAttribute(foundation: "16572de626da4e5384a0ce2d0d93678a", priority: 2_130_706_431,
                               address: "127.0.0.1", port: 51159, type: .host)),
        ("842163049 1 udp 1677729535 203.0.113.7 61000 typ srflx raddr 192.168.1.2 rport 61000 generation 0",
         ICECandidateAttribute(foundation: "842163049", priority: 1_677_729_535, address: "203.0.113.7", port: 61000,
                               type: .srflx, relatedAddress: "192.168.1.2", relatedPort: 61000,
                               extensions: [("generation", "0")])),
        ("1 2 UDP 4294967295 ::1 65535 typ relay raddr 0.0.0.0 rport 0",
         ICECandidateAttribute(foundation: "1", component: 2, transport: "UDP", priority: .max, address: "::1",
                               port: 65535, type: .relay, relatedAddress: "0.0.0.0", relatedPort: 0)),
        ("x 1 udp 1 9b36eaac-bb2e-49bb-bb78-21c41c499900.local 5000 typ prflx",
         ICECandidateAttribute(foundation: "x", priority: 1, address: "9b36eaac-bb2e-49bb-bb78-21c41c499900.local",
                               port: 5000, type: .prflx)),
        // rport before raddr is not the RFC order: raddr then stays an extension, so the line round-trips.
        ("1 1 udp 1 10.0.0.1 1 typ srflx rport 2 raddr 10.0.0.2",
         ICECandidateAttribute(foundation: "1", priority: 1, address: "10.0.0.1", port: 1, type: .srflx,
                               relatedPort: 2, extensions: [("raddr", "10.0.0.2")])),
    ])
    func valid(value: String, expected: ICECandidateAttribute) {
        #expect(ICECandidateAttribute(value: value) == expected)
        #expect(ICECandidateAttribute(value: "candidate:" + value) == expected)
        #expect(expected.value == value)
    }

    @Test("invalid values", arguments: [
        "",
        "candidate:",
        "1 1 udp 1 127.0.0.1 5000 typ",                 // no type
        "1 1 udp 1 127.0.0.1 5000 type host",           // not "typ"
        "1 1 udp 1 127.0.0.1 5000 typ local",           // unknown type
        "1 0 udp 1 127.0.0.1 5000 typ host",            // component 0
        "1 x udp 1 127.0.0.1 5000 typ host",
        "1 1 udp 4294967296 127.0.0.1 5000 typ host",   // priority > 2^32-1
        "1 1 udp -1 127.0.0.1 5000 typ host",
        "1 1 udp 1 127.0.0.1 65536 typ host",           // port too large
        "1 1 udp 1 127.0.0.1 5000 typ host generation", // dangling extension name
        "1 1 udp 1 127.0.0.1 5000 typ srflx raddr 1.2.3.4 rport x",
        "1 1 udp 1 127.0.0.1  5000 typ host",           // double space
        "1 1 udp 1 127.0.0.1 5000 typ host ",
    ])
    func invalid(value: String) {
        #expect(ICECandidateAttribute(value: value) == nil)
    }

    @Test func equalityComparesExtensionsInOrder() {
        let a = ICECandidateAttribute(foundation: "1", priority: 1, address: "a", port: 1, type: .host,
                                      extensions: [("generation", "0"), ("ufrag", "x")])
        var b = a
        #expect(a == b)
        b.extensions = [("ufrag", "x"), ("generation", "0")]
        #expect(a != b)
        #expect(a.extensionValue("ufrag") == "x")
        #expect(a.extensionValue("network-id") == nil)
    }
}
