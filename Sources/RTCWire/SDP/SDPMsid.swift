/// `a=msid:<stream id> [<track id>]` (RFC 8830 §2); the stream id is `-` when the track has no stream.
public struct SDPMsid: SDPAttributeValue {
    public static let attributeName = "msid"
    public var streamID: String
    public var trackID: String?

    public init(streamID: String, trackID: String? = nil) {
        self.streamID = streamID
        self.trackID = trackID
    }

    public init(attributeValue: String) throws(WireError) {
        let tokens = SDPText.tokens(attributeValue[...])
        guard (1...2).contains(tokens.count) else {
            throw WireError(.sdp, .malformed, "msid: expected 1 or 2 tokens, got \(tokens.count)")
        }
        streamID = String(tokens[0])
        trackID = tokens.count == 2 ? String(tokens[1]) : nil
    }

    public var attributeValue: String { trackID.map { streamID + " " + $0 } ?? streamID }
}

/// `a=msid-semantic: WMS [<stream id> ...|*]`, the session attribute of draft-ietf-mmusic-msid before RFC 8830 that
/// Chromium and aiortc still send.
public struct SDPMsidSemantic: SDPAttributeValue {
    public static let attributeName = "msid-semantic"
    public var semantic: String
    public var identifiers: [String]

    public init(semantic: String = "WMS", identifiers: [String] = ["*"]) {
        self.semantic = semantic
        self.identifiers = identifiers
    }

    public init(attributeValue: String) throws(WireError) {
        let tokens = SDPText.tokens(attributeValue[...])
        guard let first = tokens.first else { throw WireError(.sdp, .malformed, "msid-semantic: missing semantic") }
        semantic = String(first)
        identifiers = tokens.dropFirst().map(String.init)
    }

    public var attributeValue: String { ([semantic] + identifiers).joined(separator: " ") }
}
