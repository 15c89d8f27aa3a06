/// `a=rid:<id> <send|recv> [<restrictions>]` (RFC 8851 §10), e.g. `hi send pt=96;max-width=1280`.
public struct SDPRid: SDPAttributeValue {
    public static let attributeName = "rid"

    public enum Direction: String, Hashable, Sendable {
        case send, recv
    }

    public var id: String
    public var direction: Direction
    /// The `pt=` list and `;`-separated restrictions, kept as text.
    public var restrictions: String?

    public init(id: String, direction: Direction, restrictions: String? = nil) {
        self.id = id
        self.direction = direction
        self.restrictions = restrictions
    }

    public init(attributeValue: String) throws(WireError) {
        let tokens = SDPText.tokens(attributeValue[...])
        guard tokens.count >= 2 else { throw WireError(.sdp, .malformed, "rid: expected <id> <send|recv>") }
        id = String(tokens[0])
        guard let direction = Direction(rawValue: String(tokens[1])) else {
            throw WireError(.sdp, .malformed, "rid: direction must be send or recv")
        }
        self.direction = direction
        restrictions = tokens.count > 2 ? tokens.dropFirst(2).joined(separator: " ") : nil
    }

    public var attributeValue: String {
        var text = id + " " + direction.rawValue
        if let restrictions { text += " " + restrictions }
        return text
    }
}
