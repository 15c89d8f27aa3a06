/// `a=group:<semantics> <mid> ...` (RFC 5888 §5), e.g. `BUNDLE 0 1` (RFC 9143) or `LS a b`.
public struct SDPGroup: SDPAttributeValue {
    public static let attributeName = "group"
    public var semantics: String
    public var mids: [String]

    public init(semantics: String, mids: [String]) {
        self.semantics = semantics
        self.mids = mids
    }

    public init(attributeValue: String) throws(WireError) {
        let tokens = SDPText.tokens(attributeValue[...])
        guard let first = tokens.first else { throw WireError(.sdp, .malformed, "group: missing semantics") }
        semantics = String(first)
        mids = tokens.dropFirst().map(String.init)
    }

    public var attributeValue: String { ([semantics] + mids).joined(separator: " ") }
}
