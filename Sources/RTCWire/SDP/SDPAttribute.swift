/// One `a=` line exactly as written: the name before the first `:` and the value after it (RFC 8866 §5.13).
///
/// The ordered list of these is the source of truth in ``SessionDescription`` and ``MediaDescription``; typed views
/// such as ``SDPRtpMap`` parse from it on demand, so unknown or vendor attributes survive a round trip byte for byte.
/// A property attribute (`a=rtcp-mux`) has a `nil` value; `a=name:` has an empty value.
public struct SDPAttribute: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var value: String?

    public init(name: String, value: String? = nil) {
        self.name = name
        self.value = value
    }

    /// A typed attribute value serialized into its raw form.
    public init<Value: SDPAttributeValue>(_ typed: Value) {
        self.init(name: Value.attributeName, value: typed.attributeValue)
    }

    /// Parses the text after `a=`.
    public init(parsing text: String) {
        let (name, value) = SDPText.splitOnce(text[...], at: UInt8(ascii: ":"))
        self.init(name: String(name), value: value.map(String.init))
    }

    /// The text after `a=`.
    public var text: String {
        guard let value else { return name }
        return name + ":" + value
    }

    /// The whole line without its line ending: `a=name:value`.
    public var description: String { "a=" + text }
}

/// A typed view of one attribute kind, parsed from and serialized to the raw value after `a=name:`.
public protocol SDPAttributeValue: Hashable, Sendable {
    /// The attribute name, e.g. `"rtpmap"`.
    static var attributeName: String { get }
    /// Parses the raw value (the text after `a=name:`); an absent value is passed as the empty string.
    init(attributeValue: String) throws(WireError)
    /// The raw value this view serializes to.
    var attributeValue: String { get }
}
