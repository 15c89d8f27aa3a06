import RTCWire

extension FuzzChecks {
    /// Fuzz check for the SDP parser: decode the bytes as UTF-8 (invalid sequences become U+FFFD), parse; on success
    /// serialize, parse again, and require an equal value and identical text the second time round.
    public static func sdp(_ bytes: [UInt8]) -> FuzzOutcome {
        let text = String(decoding: bytes, as: UTF8.self)
        let first: SessionDescription
        do {
            first = try SessionDescription(parsing: text)
        } catch {
            return .rejected(error)
        }
        let serialized = first.text
        let second: SessionDescription
        do {
            second = try SessionDescription(parsing: serialized)
        } catch {
            return .invariantBroken("serialized description does not parse: \(error)")
        }
        guard first == second else { return .invariantBroken("parse(serialize(x)) != x") }
        guard second.text == serialized else { return .invariantBroken("serialization is not stable") }
        // Typed views must never trap on whatever the parser accepted.
        for section in [first.attributes] + first.media.map(\.attributes) {
            let container = SDPAttributeList(attributes: section)
            _ = (container.groups, container.msids, container.msidSemantics, container.rtpMaps,
                 container.formatParameters, container.rtcpFeedback, container.extensionMaps, container.ssrcs,
                 container.ssrcGroups, container.rids, container.simulcast, container.setup, container.fingerprints,
                 container.candidates, container.sctpPort, container.maxMessageSize, container.sctpMaps,
                 container.direction, container.iceOptions)
        }
        return .accepted
    }
}

/// A bare attribute list, to run the typed views of ``SDPAttributeContainer`` over any section.
private struct SDPAttributeList: SDPAttributeContainer {
    var attributes: [SDPAttribute]
}
