/// `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]` (RFC 8866 §6.6).
public struct SDPRtpMap: SDPAttributeValue {
    public static let attributeName = "rtpmap"
    public var payloadType: UInt8
    public var encodingName: String
    public var clockRate: UInt32
    /// For audio, the number of channels (`opus/48000/2`).
    public var encodingParameters: String?

    public init(payloadType: UInt8, encodingName: String, clockRate: UInt32, encodingParameters: String? = nil) {
        self.payloadType = payloadType
        self.encodingName = encodingName
        self.clockRate = clockRate
        self.encodingParameters = encodingParameters
    }

    public init(attributeValue: String) throws(WireError) {
        let (pt, rest) = SDPText.splitOnce(attributeValue[...], at: SDPText.space)
        guard let rest else { throw WireError(.sdp, .malformed, "rtpmap: expected <pt> <encoding>") }
        payloadType = try SDPRtpMap.payloadType(pt, field: "rtpmap payload type")
        let parts = rest.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { Substring($0) }
        guard (2...3).contains(parts.count) else {
            throw WireError(.sdp, .malformed, "rtpmap: expected <name>/<clock rate>[/<parameters>]")
        }
        encodingName = try SDPText.token(parts[0], field: "rtpmap encoding name")
        clockRate = try SDPText.number(parts[1], field: "rtpmap clock rate")
        encodingParameters = parts.count == 3 ? try SDPText.token(parts[2], field: "rtpmap encoding parameters") : nil
    }

    public var attributeValue: String {
        var text = "\(payloadType) \(encodingName)/\(clockRate)"
        if let encodingParameters { text += "/" + encodingParameters }
        return text
    }

    /// An RTP payload type: 0...127 (RFC 3550 §5.1).
    static func payloadType(_ text: Substring, field: String) throws(WireError) -> UInt8 {
        let value: UInt8 = try SDPText.number(text, field: field)
        guard value <= 127 else { throw WireError(.sdp, .malformed, "\(field): \(value) is above 127") }
        return value
    }
}
