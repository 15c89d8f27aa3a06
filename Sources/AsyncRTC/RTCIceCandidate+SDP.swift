import RTCWire

extension RTCIceCandidate {
    /// Parses the SDP form, with or without the `candidate:` prefix (RFC 8839 §5.1), as browsers' `candidate`
    /// strings and aiortc's `candidate_from_sdp` take it.
    public init(sdp: String, sdpMid: String? = nil, sdpMLineIndex: Int? = nil) throws(RTCError) {
        let line: ICECandidate
        do {
            line = try ICECandidate(parsing: sdp)
        } catch {
            throw RTCError(.syntax, "invalid ICE candidate '\(sdp)': \(error.reason)")
        }
        self.init(line, sdpMid: sdpMid, sdpMLineIndex: sdpMLineIndex)
    }

    init(_ line: ICECandidate, sdpMid: String?, sdpMLineIndex: Int?) {
        self.init(component: Int(line.component), foundation: line.foundation, ip: line.address, port: Int(line.port),
                  priority: line.priority, protocol: line.transport.lowercased(), type: line.type.rawValue,
                  relatedAddress: line.relatedAddress, relatedPort: line.relatedPort.map(Int.init),
                  sdpMid: sdpMid, sdpMLineIndex: sdpMLineIndex, tcpType: line[extension: "tcptype"])
    }

    /// The wire form of this candidate (RFC 8839), or nil if a field cannot be written (e.g. a port out of range).
    var wireCandidate: ICECandidate? {
        guard let type = ICECandidate.CandidateType(rawValue: type), let component = UInt16(exactly: component),
              let port = UInt16(exactly: port) else { return nil }
        var line = ICECandidate(foundation: foundation, component: component, transport: `protocol`, priority: priority,
                                address: ip, port: port, type: type, relatedAddress: relatedAddress,
                                relatedPort: relatedPort.flatMap { UInt16(exactly: $0) })
        if let tcpType { line[extension: "tcptype"] = tcpType }
        return line
    }

    /// The SDP form, `candidate:<foundation> <component> <protocol> <priority> <ip> <port> typ <type> ...`, as a
    /// browser's `RTCIceCandidate.candidate`.
    public var sdp: String {
        wireCandidate?.description ?? "candidate:\(foundation) \(component) \(`protocol`) \(priority) \(ip) \(port) typ \(type)"
    }
}
