extension SessionDescription {
    /// Parses a session description. Lines may end in `\r\n` or `\n`; blank lines are skipped.
    ///
    /// The first lines must be `v=0`, `o=` and `s=`, and the rest must follow the order of RFC 8866 §5
    /// (session: `i u e p c b t r z k a`, then media sections: `m i c b k a`). Attributes this module has a typed
    /// view for are checked here, so the views never fail on a parsed description. Errors are
    /// ``WireError`` with layer ``WireError/Layer/sdp`` and the 1-based line number in the reason.
    public init(parsing text: String) throws(WireError) {
        var lines = SDPLineReader(text)
        guard let versionLine = try lines.next() else {
            throw WireError(.sdp, .truncated, "line 1: empty description, expected v=0")
        }
        guard versionLine.type == UInt8(ascii: "v") else {
            throw versionLine.error(.malformed, "the first line must be v=")
        }
        guard versionLine.value == "0" else {
            throw versionLine.error(.unsupported, "only v=0 is defined, got v=\(versionLine.value.prefix(20))")
        }
        guard let originLine = try lines.next() else { throw lines.truncated("o=") }
        guard originLine.type == UInt8(ascii: "o") else { throw originLine.error(.malformed, "expected o= after v=") }
        let origin = try originLine.parse { (text) throws(WireError) in try SDPOrigin(parsing: text) }
        guard let nameLine = try lines.next() else { throw lines.truncated("s=") }
        guard nameLine.type == UInt8(ascii: "s") else { throw nameLine.error(.malformed, "expected s= after o=") }

        self.init(origin: origin, sessionName: nameLine.value, timing: [])

        var rank = SessionRank.name
        var section: MediaDescription?
        var sectionRank = MediaRank.media
        while let line = try lines.next() {
            if line.type == UInt8(ascii: "m") {
                if let done = section { media.append(done) }
                section = try line.parse { (text) throws(WireError) in try MediaDescription(parsingMediaLine: text) }
                sectionRank = .media
                continue
            }
            if section != nil {
                let lineRank = MediaRank(line.type)
                guard lineRank >= sectionRank else {
                    throw line.error(.malformed, "\(line.letter)= is out of order in a media section (RFC 8866 §5)")
                }
                sectionRank = lineRank
                switch lineRank {
                case .connection:
                    guard section?.connection == nil else { throw line.error(.unsupported, "more than one c= line") }
                    section?.connection = try line.parse { (text) throws(WireError) in try SDPConnection(parsing: text) }
                case .bandwidth:
                    section?.bandwidths.append(try line.parse { (text) throws(WireError) in try SDPBandwidth(parsing: text) })
                case .attribute:
                    section?.attributes.append(try line.attribute())
                case .media, .information, .key, .unknown:
                    section?.otherLines.append(SDPLine(type: line.type, value: line.value))
                }
                continue
            }
            let lineRank = SessionRank(line.type)
            guard lineRank >= rank else {
                throw line.error(.malformed, "\(line.letter)= is out of order at session level (RFC 8866 §5)")
            }
            rank = lineRank
            switch lineRank {
            case .version, .origin, .name:
                throw line.error(.malformed, "a second \(line.letter)= line")
            case .connection:
                guard connection == nil else { throw line.error(.malformed, "more than one session-level c= line") }
                connection = try line.parse { (text) throws(WireError) in try SDPConnection(parsing: text) }
            case .bandwidth:
                bandwidths.append(try line.parse { (text) throws(WireError) in try SDPBandwidth(parsing: text) })
            case .timing:
                if line.type == UInt8(ascii: "t") {
                    timing.append(try line.parse { (text) throws(WireError) in try SDPTiming(parsing: text) })
                } else {
                    guard !timing.isEmpty else { throw line.error(.malformed, "r= without a preceding t=") }
                    timing[timing.count - 1].repeats.append(line.value)
                }
            case .attribute:
                attributes.append(try line.attribute())
            case .beforeConnection, .afterTiming:
                otherLines.append(SDPLine(type: line.type, value: line.value))
            }
        }
        if let done = section { media.append(done) }
    }
}

/// Where a session-level line may appear; lines must come in non-decreasing rank.
private enum SessionRank: Int, Comparable {
    case version, origin, name, beforeConnection, connection, bandwidth, timing, afterTiming, attribute

    init(_ type: UInt8) {
        switch type {
        case UInt8(ascii: "v"): self = .version
        case UInt8(ascii: "o"): self = .origin
        case UInt8(ascii: "s"): self = .name
        case UInt8(ascii: "i"), UInt8(ascii: "u"), UInt8(ascii: "e"), UInt8(ascii: "p"): self = .beforeConnection
        case UInt8(ascii: "c"): self = .connection
        case UInt8(ascii: "b"): self = .bandwidth
        case UInt8(ascii: "t"), UInt8(ascii: "r"): self = .timing
        case UInt8(ascii: "a"): self = .attribute
        default: self = .afterTiming  // z=, k= and unknown letters
        }
    }

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Where a media-level line may appear; lines must come in non-decreasing rank.
private enum MediaRank: Int, Comparable {
    case media, information, connection, bandwidth, key, unknown, attribute

    init(_ type: UInt8) {
        switch type {
        case UInt8(ascii: "i"): self = .information
        case UInt8(ascii: "c"): self = .connection
        case UInt8(ascii: "b"): self = .bandwidth
        case UInt8(ascii: "k"): self = .key
        case UInt8(ascii: "a"): self = .attribute
        default: self = .unknown
        }
    }

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Splits a description into `x=value` lines on `\n`, dropping one trailing `\r` per line and skipping blank lines.
struct SDPLineReader {
    struct Line {
        var number: Int
        var type: UInt8
        var value: String

        var letter: String { String(decoding: [type], as: UTF8.self) }

        func error(_ code: WireError.Code, _ reason: String) -> WireError {
            WireError(.sdp, code, "line \(number): \(reason)")
        }

        /// Runs a field parser on the value, prefixing any error with the line number.
        func parse<T>(_ body: (String) throws(WireError) -> T) throws(WireError) -> T {
            do {
                return try body(value)
            } catch {
                throw WireError(.sdp, error.code, "line \(number): \(error.reason)")
            }
        }

        func attribute() throws(WireError) -> SDPAttribute {
            let attribute = SDPAttribute(parsing: value)
            do {
                try attribute.validate()
            } catch {
                throw WireError(.sdp, error.code, "line \(number): a=\(attribute.name.prefix(40)): \(error.reason)")
            }
            return attribute
        }
    }

    private let text: Substring.UTF8View
    private var position: String.Index
    private var number = 0

    init(_ text: String) {
        self.text = text[...].utf8
        self.position = self.text.startIndex
    }

    func truncated(_ expected: String) -> WireError {
        WireError(.sdp, .truncated, "line \(number + 1): description ends before \(expected)")
    }

    /// The next non-blank line, or nil at the end; throws unless the line has the form `x=` with `x` in `a...z`.
    mutating func next() throws(WireError) -> Line? {
        while position < text.endIndex {
            number += 1
            let end = text[position...].firstIndex(of: UInt8(ascii: "\n")) ?? text.endIndex
            var line = text[position..<end]
            position = end < text.endIndex ? text.index(after: end) : end
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.isEmpty { continue }
            let head = Array(line.prefix(2))
            guard head.count == 2, head[0] >= UInt8(ascii: "a"), head[0] <= UInt8(ascii: "z"),
                  head[1] == UInt8(ascii: "=") else {
                throw WireError(.sdp, .malformed, "line \(number): expected <letter>=<value>")
            }
            return Line(number: number, type: head[0], value: String(Substring(line.dropFirst(2))))
        }
        return nil
    }
}
