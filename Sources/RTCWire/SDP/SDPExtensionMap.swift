/// `a=extmap:<id>[/<direction>] <uri> [<extension attributes>]` (RFC 8285 §8), e.g.
/// `1 urn:ietf:params:rtp-hdrext:ssrc-audio-level` or `2/sendonly urn:...:toffset`.
public struct SDPExtensionMap: SDPAttributeValue {
    public static let attributeName = "extmap"
    /// 1...14 for one-byte headers, up to 255 with two-byte headers (RFC 8285 §5); 4096...4351 are reserved for
    /// negotiation. Any 16-bit value is accepted here.
    public var id: UInt16
    public var direction: SDPDirection?
    public var uri: String
    /// Everything after the URI, kept as text.
    public var extensionAttributes: String?

    public init(id: UInt16, direction: SDPDirection? = nil, uri: String, extensionAttributes: String? = nil) {
        self.id = id
        self.direction = direction
        self.uri = uri
        self.extensionAttributes = extensionAttributes
    }

    public init(attributeValue: String) throws(WireError) {
        let tokens = SDPText.tokens(attributeValue[...])
        guard tokens.count >= 2 else { throw WireError(.sdp, .malformed, "extmap: expected <id> <uri>") }
        let (idText, directionText) = SDPText.splitOnce(tokens[0], at: UInt8(ascii: "/"))
        id = try SDPText.number(idText, field: "extmap id")
        if let directionText {
            guard let direction = SDPDirection(rawValue: String(directionText)) else {
                throw WireError(.sdp, .malformed, "extmap: unknown direction \"\(directionText.prefix(20))\"")
            }
            self.direction = direction
        } else {
            direction = nil
        }
        uri = String(tokens[1])
        extensionAttributes = tokens.count > 2 ? tokens.dropFirst(2).joined(separator: " ") : nil
    }

    public var attributeValue: String {
        var text = String(id)
        if let direction { text += "/" + direction.rawValue }
        text += " " + uri
        if let extensionAttributes { text += " " + extensionAttributes }
        return text
    }
}
