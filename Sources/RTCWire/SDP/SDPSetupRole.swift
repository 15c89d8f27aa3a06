/// `a=setup:` (RFC 4145 §4, RFC 8842 §5.1): which side starts the DTLS handshake.
public enum SDPSetupRole: String, SDPAttributeValue, CaseIterable {
    case active, passive, actpass, holdconn

    public static let attributeName = "setup"

    public init(attributeValue: String) throws(WireError) {
        guard let role = SDPSetupRole(rawValue: attributeValue) else {
            throw WireError(.sdp, .malformed, "setup: expected active, passive, actpass or holdconn")
        }
        self = role
    }

    public var attributeValue: String { rawValue }
}
