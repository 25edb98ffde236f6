/// Parsing (RFC 8866 § 9 grammar, leniently ordered) and serializing.
extension SessionDescription {
    /// Parses a description with CRLF or LF line endings.
    ///
    /// Lines within the session part and within each media section may come in any order;
    /// ``serialized()`` writes them in RFC 8866 § 5 order. Blank lines are skipped.
    public init(parsing text: String) throws(SDPParseError) {
        var version: Int?
        var origin: Origin?
        var sessionName: String?
        var timing: String?
        var session = SessionDescription(origin: Origin(sessionID: "0", sessionVersion: 0))
        var media: [MediaDescription] = []

        for (offset, rawLine) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = offset + 1
            var scalars = rawLine
            if scalars.last == "\r" { scalars = scalars.dropLast() }
            if scalars.isEmpty { continue }
            let line = String(String.UnicodeScalarView(scalars))
            guard version != nil || line.hasPrefix("v=") else { throw .missingVersion }
            guard line.count >= 2, let type = line.unicodeScalars.first, line.unicodeScalars.dropFirst().first == "=",
                  ("a"..."z").contains(type)
            else { throw .invalidLine(lineNumber: lineNumber) }
            let value = line.dropFirst(2)

            if type == "m" {
                guard let section = MediaDescription(mediaLine: value) else {
                    throw .invalidMediaLine(lineNumber: lineNumber)
                }
                guard origin != nil else { throw .missingOrigin }
                guard sessionName != nil else { throw .missingSessionName }
                guard timing != nil else { throw .missingTiming }
                media.append(section)
                continue
            }

            if !media.isEmpty {
                try media[media.count - 1].parseLine(type: type, value: value, lineNumber: lineNumber)
                continue
            }

            switch type {
            case "v":
                guard version == nil else { throw .unexpectedLine(lineNumber: lineNumber) }
                guard value == "0" else { throw .unsupportedVersion(lineNumber: lineNumber) }
                version = 0
            case "o":
                guard origin == nil else { throw .unexpectedLine(lineNumber: lineNumber) }
                guard let parsed = Origin(value: value) else { throw .invalidOrigin(lineNumber: lineNumber) }
                origin = parsed
            case "s":
                guard sessionName == nil else { throw .unexpectedLine(lineNumber: lineNumber) }
                sessionName = String(value)
            case "t":
                guard timing == nil else { throw .unexpectedLine(lineNumber: lineNumber) }
                timing = String(value)
            case "r": session.repeatTimes.append(String(value))
            case "z": session.timeZones = try unique(session.timeZones, value, lineNumber)
            case "i": session.information = try unique(session.information, value, lineNumber)
            case "u": session.uri = try unique(session.uri, value, lineNumber)
            case "e": session.emails.append(String(value))
            case "p": session.phones.append(String(value))
            case "k": session.encryptionKey = try unique(session.encryptionKey, value, lineNumber)
            case "c":
                guard session.connection == nil else { throw .unexpectedLine(lineNumber: lineNumber) }
                guard let parsed = Connection(value: value) else { throw .invalidConnection(lineNumber: lineNumber) }
                session.connection = parsed
            case "b":
                guard let parsed = Bandwidth(value: value) else { throw .invalidBandwidth(lineNumber: lineNumber) }
                session.bandwidths.append(parsed)
            case "a":
                session.attributes.append(SDPAttribute(line: value))
            default:
                throw .invalidLine(lineNumber: lineNumber)
            }
        }

        guard let version else { throw .missingVersion }
        guard let origin else { throw .missingOrigin }
        guard let sessionName else { throw .missingSessionName }
        guard let timing else { throw .missingTiming }
        session.version = version
        session.origin = origin
        session.sessionName = sessionName
        session.timing = timing
        session.media = media
        self = session
    }

    /// The description as text, CRLF after every line, in RFC 8866 § 5 order.
    public func serialized() -> String {
        var out = ""
        func line(_ type: String, _ value: String) {
            out += type
            out += "="
            out += value
            out += "\r\n"
        }
        line("v", String(version))
        line("o", origin.value)
        line("s", sessionName)
        if let information { line("i", information) }
        if let uri { line("u", uri) }
        for email in emails { line("e", email) }
        for phone in phones { line("p", phone) }
        if let connection { line("c", connection.value) }
        for bandwidth in bandwidths { line("b", bandwidth.value) }
        line("t", timing)
        for repeatTime in repeatTimes { line("r", repeatTime) }
        if let timeZones { line("z", timeZones) }
        if let encryptionKey { line("k", encryptionKey) }
        for attribute in attributes { line("a", attribute.line) }
        for section in media {
            line("m", section.mediaLine)
            if let information = section.information { line("i", information) }
            if let connection = section.connection { line("c", connection.value) }
            for bandwidth in section.bandwidths { line("b", bandwidth.value) }
            if let encryptionKey = section.encryptionKey { line("k", encryptionKey) }
            for attribute in section.attributes { line("a", attribute.line) }
        }
        return out
    }
}

extension MediaDescription {
    /// Adds one non-`m=` line that belongs to this media section.
    mutating func parseLine(type: Unicode.Scalar, value: Substring, lineNumber: Int) throws(SDPParseError) {
        switch type {
        case "a":
            attributes.append(SDPAttribute(line: value))
        case "c":
            guard connection == nil else { throw .unexpectedLine(lineNumber: lineNumber) }
            guard let parsed = Connection(value: value) else { throw .invalidConnection(lineNumber: lineNumber) }
            connection = parsed
        case "b":
            guard let parsed = Bandwidth(value: value) else { throw .invalidBandwidth(lineNumber: lineNumber) }
            bandwidths.append(parsed)
        case "i": information = try unique(information, value, lineNumber)
        case "k": encryptionKey = try unique(encryptionKey, value, lineNumber)
        case "v", "o", "s", "t", "r", "z", "u", "e", "p":
            throw .unexpectedLine(lineNumber: lineNumber)
        default:
            throw .invalidLine(lineNumber: lineNumber)
        }
    }
}

/// The value of a line that may appear at most once per section.
private func unique(_ existing: String?, _ value: Substring, _ lineNumber: Int) throws(SDPParseError) -> String {
    guard existing == nil else { throw .unexpectedLine(lineNumber: lineNumber) }
    return String(value)
}
