extension SDPAttribute {
    /// Checks that an attribute this module has a typed view for parses; unknown attributes always pass.
    /// ``SessionDescription/init(parsing:)`` calls this for every `a=` line.
    public func validate() throws(WireError) {
        let value = self.value ?? ""
        switch name {
        case SDPGroup.attributeName: _ = try SDPGroup(attributeValue: value)
        case SDPMsid.attributeName: _ = try SDPMsid(attributeValue: value)
        case SDPMsidSemantic.attributeName: _ = try SDPMsidSemantic(attributeValue: value)
        case SDPRtpMap.attributeName: _ = try SDPRtpMap(attributeValue: value)
        case SDPFormatParameters.attributeName: _ = try SDPFormatParameters(attributeValue: value)
        case SDPRtcpFeedback.attributeName: _ = try SDPRtcpFeedback(attributeValue: value)
        case SDPExtensionMap.attributeName: _ = try SDPExtensionMap(attributeValue: value)
        case SDPSsrc.attributeName: _ = try SDPSsrc(attributeValue: value)
        case SDPSsrcGroup.attributeName: _ = try SDPSsrcGroup(attributeValue: value)
        case SDPRid.attributeName: _ = try SDPRid(attributeValue: value)
        case SDPSimulcast.attributeName: _ = try SDPSimulcast(attributeValue: value)
        case SDPSetupRole.attributeName: _ = try SDPSetupRole(attributeValue: value)
        case SDPFingerprint.attributeName: _ = try SDPFingerprint(attributeValue: value)
        case SDPSctpMap.attributeName: _ = try SDPSctpMap(attributeValue: value)
        case ICECandidate.attributeName: _ = try ICECandidate(attributeValue: value)
        case "sctp-port":
            let _: UInt16 = try SDPText.number(value[...], field: "sctp-port")
        case "max-message-size":
            let _: UInt64 = try SDPText.number(value[...], field: "max-message-size")
        case "mid", "ice-ufrag", "ice-pwd":
            guard !value.isEmpty else { throw WireError(.sdp, .malformed, "\(name): empty value") }
        default:
            break
        }
    }
}
