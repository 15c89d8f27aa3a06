extension ICECandidate: SDPAttributeValue {
    public static let attributeName = "candidate"

    /// Parses a candidate, with or without the `candidate:` prefix (as in `RTCIceCandidate.candidate` or after
    /// `a=`). Fields may be separated by runs of spaces. Throws ``WireError`` (layer ``WireError/Layer/sdp``).
    public init(parsing text: String) throws(WireError) {
        var body = text[...]
        if body.utf8.starts(with: "candidate:".utf8) { body = Substring(body.utf8.dropFirst(10)) }
        let tokens = SDPText.tokens(body)
        guard tokens.count >= 8 else {
            throw WireError(.sdp, .truncated, "candidate: expected at least 8 fields up to the type, got \(tokens.count)")
        }
        foundation = String(tokens[0])
        component = try SDPText.number(tokens[1], field: "candidate component-id")
        guard (1...256).contains(component) else {
            throw WireError(.sdp, .malformed, "candidate component-id: \(component) is outside 1...256")
        }
        transport = String(tokens[2])
        priority = try SDPText.number(tokens[3], field: "candidate priority")
        address = String(tokens[4])
        port = try SDPText.number(tokens[5], field: "candidate port")
        guard tokens[6] == "typ" else { throw WireError(.sdp, .malformed, "candidate: expected \"typ\" as field 7") }
        guard let type = CandidateType(rawValue: String(tokens[7])) else {
            throw WireError(.sdp, .unsupported, "candidate: unknown type \"\(tokens[7].prefix(20))\"")
        }
        self.type = type
        relatedAddress = nil
        relatedPort = nil
        extensions = []

        var index = 8
        guard (tokens.count - index) % 2 == 0 else {
            throw WireError(.sdp, .malformed, "candidate: extension \"\(tokens[tokens.count - 1].prefix(20))\" has no value")
        }
        if index < tokens.count, tokens[index] == "raddr" {
            relatedAddress = String(tokens[index + 1])
            index += 2
        }
        if index < tokens.count, tokens[index] == "rport" {
            relatedPort = try SDPText.number(tokens[index + 1], field: "candidate rport")
            index += 2
        }
        while index + 1 < tokens.count {
            let item = Extension(name: String(tokens[index]), value: String(tokens[index + 1]))
            try Self.validate(item)
            extensions.append(item)
            index += 2
        }
    }

    public init(attributeValue: String) throws(WireError) {
        try self.init(parsing: attributeValue)
    }

    /// The line with its `candidate:` prefix, as `RTCIceCandidate.candidate` carries it.
    public var description: String { "candidate:" + attributeValue }

    /// The line without the `candidate:` prefix (the value after `a=candidate:`).
    public var attributeValue: String {
        var text = "\(foundation) \(component) \(transport) \(priority) \(address) \(port) typ \(type.rawValue)"
        if let relatedAddress { text += " raddr " + relatedAddress }
        if let relatedPort { text += " rport " + String(relatedPort) }
        for item in extensions { text += " " + item.name + " " + item.value }
        return text
    }

    private static func validate(_ item: Extension) throws(WireError) {
        switch item.name {
        case "tcptype":
            guard TCPType(rawValue: item.value) != nil else {
                throw WireError(.sdp, .malformed, "candidate tcptype: expected active, passive or so")
            }
        case "generation", "network-id", "network-cost":
            let _: UInt32 = try SDPText.number(item.value[...], field: "candidate \(item.name)")
        default:
            break
        }
    }
}
