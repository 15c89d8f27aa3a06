extension SessionDescription: CustomStringConvertible {
    /// The description as SDP text, every line ending in `\r\n` (RFC 8866 §5), lines in the order of RFC 8866 §5.
    ///
    /// Values must not contain `\n`; values that came from ``init(parsing:)`` never do.
    public var text: String {
        var out = ""
        func line(_ type: String, _ value: String) {
            out += type
            out += "="
            out += value
            out += "\r\n"
        }
        line("v", String(version))
        line("o", origin.text)
        line("s", sessionName)
        for other in otherLines where Self.writtenBeforeConnection(other.type) { out += other.description + "\r\n" }
        if let connection { line("c", connection.text) }
        for bandwidth in bandwidths { line("b", bandwidth.text) }
        for time in timing {
            line("t", time.text)
            for repeatLine in time.repeats { line("r", repeatLine) }
        }
        for other in otherLines where !Self.writtenBeforeConnection(other.type) { out += other.description + "\r\n" }
        for attribute in attributes { out += attribute.description + "\r\n" }
        for section in media {
            line("m", section.mediaLine)
            for other in section.otherLines where other.type == UInt8(ascii: "i") { out += other.description + "\r\n" }
            if let connection = section.connection { line("c", connection.text) }
            for bandwidth in section.bandwidths { line("b", bandwidth.text) }
            // k= sorts before unknown letters (RFC 8866 §5 puts k= right after b=).
            for other in section.otherLines where other.type == UInt8(ascii: "k") { out += other.description + "\r\n" }
            for other in section.otherLines where other.type != UInt8(ascii: "i") && other.type != UInt8(ascii: "k") {
                out += other.description + "\r\n"
            }
            for attribute in section.attributes { out += attribute.description + "\r\n" }
        }
        return out
    }

    public var description: String { text }

    private static func writtenBeforeConnection(_ type: UInt8) -> Bool {
        type == UInt8(ascii: "i") || type == UInt8(ascii: "u") || type == UInt8(ascii: "e") || type == UInt8(ascii: "p")
    }
}
