/// Something holding an ordered list of `a=` lines: a ``SessionDescription`` (session level) or a
/// ``MediaDescription``. The typed accessors below read from that list; they skip values that do not parse, which
/// never happens for a description produced by ``SessionDescription/init(parsing:)`` (it checks them).
public protocol SDPAttributeContainer {
    var attributes: [SDPAttribute] { get set }
}

extension SDPAttributeContainer {
    /// Every attribute with this name, in order.
    public func attributes(named name: String) -> [SDPAttribute] {
        attributes.filter { $0.name == name }
    }

    /// The value of the first attribute with this name (`""` for a property attribute), or nil if there is none.
    public func attributeValue(named name: String) -> String? {
        attributes.first { $0.name == name }.map { $0.value ?? "" }
    }

    /// Whether an attribute with this name is present.
    public func hasAttribute(named name: String) -> Bool {
        attributes.contains { $0.name == name }
    }

    /// Every attribute of a typed kind, parsed, in order.
    public func values<Value: SDPAttributeValue>(of type: Value.Type) -> [Value] {
        attributes.compactMap { attribute in
            guard attribute.name == Value.attributeName else { return nil }
            return try? Value(attributeValue: attribute.value ?? "")
        }
    }

    /// The first attribute of a typed kind, parsed.
    public func firstValue<Value: SDPAttributeValue>(of type: Value.Type) -> Value? {
        for attribute in attributes where attribute.name == Value.attributeName {
            if let value = try? Value(attributeValue: attribute.value ?? "") { return value }
        }
        return nil
    }

    /// Appends a typed attribute at the end.
    public mutating func append<Value: SDPAttributeValue>(_ value: Value) {
        attributes.append(SDPAttribute(value))
    }

    /// Removes every attribute with this name.
    public mutating func removeAttributes(named name: String) {
        attributes.removeAll { $0.name == name }
    }

    /// Sets a single-valued attribute: replaces the first one with this name and drops the others, appends if there
    /// was none, removes all if `value` is nil.
    public mutating func setAttribute(named name: String, value: String?) {
        guard let value else { return removeAttributes(named: name) }
        if let index = attributes.firstIndex(where: { $0.name == name }) {
            attributes[index].value = value
            var seen = false
            attributes.removeAll { attribute in
                guard attribute.name == name else { return false }
                defer { seen = true }
                return seen
            }
        } else {
            attributes.append(SDPAttribute(name: name, value: value))
        }
    }

    /// Adds or removes a property attribute such as `rtcp-mux`.
    public mutating func setFlag(named name: String, _ present: Bool) {
        if present {
            if !hasAttribute(named: name) { attributes.append(SDPAttribute(name: name)) }
        } else {
            removeAttributes(named: name)
        }
    }
}

// MARK: - Typed accessors (JSEP, RFC 9429 §5.2 and §5.3)

extension SDPAttributeContainer {
    /// `a=group:` (RFC 5888), e.g. `BUNDLE 0 1 2` (RFC 9143).
    public var groups: [SDPGroup] { values(of: SDPGroup.self) }
    /// The first `a=group:BUNDLE`.
    public var bundleGroup: SDPGroup? { groups.first { $0.semantics == "BUNDLE" } }
    /// `a=msid-semantic:` (the pre-RFC 8830 session attribute browsers still send).
    public var msidSemantics: [SDPMsidSemantic] { values(of: SDPMsidSemantic.self) }
    /// `a=msid:` (RFC 8830).
    public var msids: [SDPMsid] { values(of: SDPMsid.self) }
    /// `a=mid:` (RFC 5888).
    public var mid: String? {
        get { attributeValue(named: "mid") }
        set { setAttribute(named: "mid", value: newValue) }
    }
    /// `a=rtcp-mux` (RFC 5761).
    public var rtcpMux: Bool {
        get { hasAttribute(named: "rtcp-mux") }
        set { setFlag(named: "rtcp-mux", newValue) }
    }
    /// `a=rtcp-rsize` (RFC 5506).
    public var rtcpReducedSize: Bool {
        get { hasAttribute(named: "rtcp-rsize") }
        set { setFlag(named: "rtcp-rsize", newValue) }
    }
    /// `a=rtpmap:` (RFC 8866 §6.6).
    public var rtpMaps: [SDPRtpMap] { values(of: SDPRtpMap.self) }
    /// `a=fmtp:` (RFC 8866 §6.15).
    public var formatParameters: [SDPFormatParameters] { values(of: SDPFormatParameters.self) }
    /// `a=rtcp-fb:` (RFC 4585 §4.2).
    public var rtcpFeedback: [SDPRtcpFeedback] { values(of: SDPRtcpFeedback.self) }
    /// `a=extmap:` (RFC 8285 §8).
    public var extensionMaps: [SDPExtensionMap] { values(of: SDPExtensionMap.self) }
    /// `a=ssrc:` (RFC 5576 §4.1).
    public var ssrcs: [SDPSsrc] { values(of: SDPSsrc.self) }
    /// `a=ssrc-group:` (RFC 5576 §4.2), e.g. `FID` (RFC 4588) or `SIM`.
    public var ssrcGroups: [SDPSsrcGroup] { values(of: SDPSsrcGroup.self) }
    /// `a=rid:` (RFC 8851).
    public var rids: [SDPRid] { values(of: SDPRid.self) }
    /// `a=simulcast:` (RFC 8853).
    public var simulcast: SDPSimulcast? { firstValue(of: SDPSimulcast.self) }
    /// `a=setup:` (RFC 4145 §4, RFC 8842).
    public var setup: SDPSetupRole? { firstValue(of: SDPSetupRole.self) }
    /// `a=fingerprint:` (RFC 8122 §5).
    public var fingerprints: [SDPFingerprint] { values(of: SDPFingerprint.self) }
    /// `a=ice-ufrag:` (RFC 8839 §5.4).
    public var iceUfrag: String? {
        get { attributeValue(named: "ice-ufrag") }
        set { setAttribute(named: "ice-ufrag", value: newValue) }
    }
    /// `a=ice-pwd:` (RFC 8839 §5.4).
    public var icePwd: String? {
        get { attributeValue(named: "ice-pwd") }
        set { setAttribute(named: "ice-pwd", value: newValue) }
    }
    /// The tokens of every `a=ice-options:` (RFC 8839 §5.6), e.g. `trickle`.
    public var iceOptions: [String] {
        attributes(named: "ice-options").flatMap { SDPText.tokens(($0.value ?? "")[...]).map(String.init) }
    }
    /// `a=ice-lite` (RFC 8839 §5.3).
    public var iceLite: Bool {
        get { hasAttribute(named: "ice-lite") }
        set { setFlag(named: "ice-lite", newValue) }
    }
    /// `a=candidate:` (RFC 8839 §5.1).
    public var candidates: [ICECandidate] { values(of: ICECandidate.self) }
    /// `a=end-of-candidates` (RFC 8840 §8.2).
    public var endOfCandidates: Bool {
        get { hasAttribute(named: "end-of-candidates") }
        set { setFlag(named: "end-of-candidates", newValue) }
    }
    /// `a=sctp-port:` (RFC 8841 §5).
    public var sctpPort: UInt16? { attributeValue(named: "sctp-port").flatMap { SDPText.decimal($0[...]) } }
    /// `a=max-message-size:` (RFC 8841 §6).
    public var maxMessageSize: UInt64? {
        attributeValue(named: "max-message-size").flatMap { SDPText.decimal($0[...]) }
    }
    /// The legacy `a=sctpmap:` (draft-ietf-mmusic-sctp-sdp-05) older peers send instead of `sctp-port`.
    public var sctpMaps: [SDPSctpMap] { values(of: SDPSctpMap.self) }
    /// The last of `a=sendrecv`, `a=sendonly`, `a=recvonly`, `a=inactive` (RFC 8866 §6.7).
    public var direction: SDPDirection? {
        get {
            attributes.last { $0.value == nil && SDPDirection(rawValue: $0.name) != nil }
                .flatMap { SDPDirection(rawValue: $0.name) }
        }
        set {
            let existing = attributes.firstIndex { $0.value == nil && SDPDirection(rawValue: $0.name) != nil }
            attributes.removeAll { $0.value == nil && SDPDirection(rawValue: $0.name) != nil }
            guard let newValue else { return }
            let attribute = SDPAttribute(name: newValue.rawValue)
            if let existing, existing <= attributes.count {
                attributes.insert(attribute, at: existing)
            } else {
                attributes.append(attribute)
            }
        }
    }
    /// `a=bundle-only` (RFC 9143 §6).
    public var bundleOnly: Bool {
        get { hasAttribute(named: "bundle-only") }
        set { setFlag(named: "bundle-only", newValue) }
    }
}
