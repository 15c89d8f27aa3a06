/// Small lexing helpers shared by the SDP and ICE candidate parsers. They work on the UTF-8 view and never trap on
/// hostile input: numbers are parsed digit by digit with overflow checks, and splitting never indexes out of range.
enum SDPText {
    /// Splits on single spaces, keeping empty fields (so `"a  b"` gives `["a", "", "b"]`); callers that need exact
    /// round trips reject empty fields.
    static func fields(_ text: Substring) -> [Substring] {
        text.utf8.split(separator: space, omittingEmptySubsequences: false).map { Substring($0) }
    }

    /// Splits on runs of spaces, dropping empty fields (lenient tokenising for typed attribute values).
    static func tokens(_ text: Substring) -> [Substring] {
        text.utf8.split(separator: space, omittingEmptySubsequences: true).map { Substring($0) }
    }

    static let space = UInt8(ascii: " ")

    /// Parses 1...20 ASCII digits into `T`, or returns nil on anything else (sign, space, overflow, empty).
    static func decimal<T: FixedWidthInteger>(_ text: Substring, as: T.Type = T.self) -> T? {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.count <= 20 else { return nil }
        var value: T = 0
        for byte in utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(T(byte &- UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return value
    }

    /// Parses a decimal integer or throws ``WireError/Code/malformed`` naming the field.
    static func number<T: FixedWidthInteger>(
        _ text: Substring, as: T.Type = T.self, field: String
    ) throws(WireError) -> T {
        guard let value: T = decimal(text) else {
            throw WireError(.sdp, .malformed, "\(field): expected a decimal number up to \(T.max), got \"\(text.prefix(40))\"")
        }
        return value
    }

    /// Throws ``WireError/Code/malformed`` unless `text` is non-empty and holds no space.
    static func token(_ text: Substring, field: String) throws(WireError) -> String {
        guard !text.isEmpty, !text.utf8.contains(UInt8(ascii: " ")) else {
            throw WireError(.sdp, .malformed, "\(field): expected a non-empty token, got \"\(text.prefix(40))\"")
        }
        return String(text)
    }

    /// Splits `text` at the first occurrence of `separator`: `("a", "b:c")` for `"a:b:c"`, `("a", nil)` for `"a"`.
    static func splitOnce(_ text: Substring, at separator: UInt8) -> (Substring, Substring?) {
        guard let index = text.utf8.firstIndex(of: separator) else { return (text, nil) }
        // Slice the UTF-8 view, not the Substring: Character subscripts round to grapheme boundaries, and an ASCII
        // separator can sit inside a grapheme (after a Unicode "Prepend" scalar), which would drop bytes.
        return (Substring(text.utf8[..<index]), Substring(text.utf8[text.utf8.index(after: index)...]))
    }

    /// Strips leading and trailing spaces and tabs (bytewise, so a combining mark after a space is not glued to it).
    static func trimmed(_ text: Substring) -> Substring {
        var view = text.utf8[...]
        while let first = view.first, first == space || first == UInt8(ascii: "\t") { view = view.dropFirst() }
        while let last = view.last, last == space || last == UInt8(ascii: "\t") { view = view.dropLast() }
        return Substring(view)
    }
}
