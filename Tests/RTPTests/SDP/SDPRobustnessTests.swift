import Testing

@testable import RTP

/// Cheap stand-in for a fuzzer (G18): damaged real offers must never trap, and whatever
/// still parses must survive serialize → parse unchanged.
@Suite("SDP robustness")
struct SDPRobustnessTests {
    @Test("every single-line deletion, truncation and duplication", arguments: CapturedOffers.all.map(\.sdp))
    func damagedOffers(sdp: String) {
        let lines = sdp.split(separator: "\r\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        var variants: [String] = []
        for index in lines.indices {
            var deleted = lines
            deleted.remove(at: index)
            variants.append(deleted.joined(separator: "\r\n") + "\r\n")
            variants.append(lines[..<index].joined(separator: "\r\n"))
            var duplicated = lines
            duplicated.insert(lines[index], at: index)
            variants.append(duplicated.joined(separator: "\n"))
            // Cut the line in the middle, keeping the rest of the description.
            var cut = lines
            cut[index] = String(lines[index].prefix(lines[index].count / 2))
            variants.append(cut.joined(separator: "\r\n"))
        }
        for variant in variants {
            guard let parsed = try? SessionDescription(parsing: variant) else { continue }
            let reparsed = try? SessionDescription(parsing: parsed.serialized())
            #expect(reparsed == parsed)
            // Touch every typed accessor: none may trap on damaged values.
            for section in parsed.media {
                _ = (section.candidates, section.rtpMaps, section.formatParameters, section.feedback,
                     section.extensionMaps, section.ssrcs, section.ssrcGroups, section.msid, section.fingerprint,
                     section.fingerprint?.bytes, section.direction, section.setup, section.rids, section.simulcast)
            }
            _ = (parsed.bundleGroups, parsed.fingerprint, parsed.setup, parsed.iceOptions)
        }
    }

    @Test("odd bytes never trap", arguments: [
        "v=0", "v=0\r", "\r\n\r\n", "v=", "=", "v=0\r\n=\r\n", "v=0\r\nä=1\r\n", "v=0\r\r\n", "\u{0}",
        "v=0\r\no=- 1 2 IN IP4 x\r\ns=\r\nt=\r\nm=a 0 p\r\na=\r\na=:\r\na=::\r\n",
    ])
    func oddInput(text: String) {
        if let parsed = try? SessionDescription(parsing: text) {
            #expect((try? SessionDescription(parsing: parsed.serialized())) == parsed)
        }
    }
}
