/// The legacy `a=sctpmap:<port> <app> [<streams>]` of draft-ietf-mmusic-sctp-sdp-05, e.g.
/// `5000 webrtc-datachannel 1024`, sent by peers predating RFC 8841's `a=sctp-port`.
public struct SDPSctpMap: SDPAttributeValue {
    public static let attributeName = "sctpmap"
    public var port: UInt16
    public var application: String
    public var streams: UInt32?

    public init(port: UInt16, application: String = "webrtc-datachannel", streams: UInt32? = nil) {
        self.port = port
        self.application = application
        self.streams = streams
    }

    public init(attributeValue: String) throws(WireError) {
        let tokens = SDPText.tokens(attributeValue[...])
        guard (2...3).contains(tokens.count) else {
            throw WireError(.sdp, .malformed, "sctpmap: expected <port> <application> [<streams>]")
        }
        port = try SDPText.number(tokens[0], field: "sctpmap port")
        application = String(tokens[1])
        streams = tokens.count == 3 ? try SDPText.number(tokens[2], field: "sctpmap streams") : nil
    }

    public var attributeValue: String {
        var text = "\(port) \(application)"
        if let streams { text += " \(streams)" }
        return text
    }
}
