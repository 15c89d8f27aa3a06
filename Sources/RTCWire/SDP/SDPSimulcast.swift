/// `a=simulcast:send <alternatives>;... recv <alternatives>;...` (RFC 8853 §5.1), e.g. `send hi;mid;~lo`.
/// Each stream is a list of alternative rids separated by `,`; a `~` prefix marks a paused rid.
public struct SDPSimulcast: SDPAttributeValue {
    public static let attributeName = "simulcast"

    public struct Rid: Hashable, Sendable {
        public var id: String
        public var paused: Bool

        public init(id: String, paused: Bool = false) {
            self.id = id
            self.paused = paused
        }
    }

    /// Send streams, each a list of alternatives; nil when there is no `send` part.
    public var send: [[Rid]]?
    /// Receive streams; nil when there is no `recv` part.
    public var receive: [[Rid]]?
    /// Whether `recv` was written before `send`.
    public var receiveFirst: Bool

    public init(send: [[Rid]]? = nil, receive: [[Rid]]? = nil, receiveFirst: Bool = false) {
        self.send = send
        self.receive = receive
        self.receiveFirst = receiveFirst
    }

    public init(attributeValue: String) throws(WireError) {
        let tokens = SDPText.tokens(attributeValue[...])
        guard tokens.count == 2 || tokens.count == 4 else {
            throw WireError(.sdp, .malformed, "simulcast: expected send/recv followed by a stream list, once or twice")
        }
        send = nil
        receive = nil
        receiveFirst = tokens[0] == "recv"
        for index in stride(from: 0, to: tokens.count, by: 2) {
            let list = try Self.streams(tokens[index + 1])
            switch tokens[index] {
            case "send" where send == nil: send = list
            case "recv" where receive == nil: receive = list
            default: throw WireError(.sdp, .malformed, "simulcast: expected send or recv, each at most once")
            }
        }
    }

    private static func streams(_ text: Substring) throws(WireError) -> [[Rid]] {
        var result: [[Rid]] = []
        for stream in text.utf8.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false) {
            var alternatives: [Rid] = []
            for alternative in stream.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                var id = Substring(alternative)
                let paused = id.utf8.first == UInt8(ascii: "~")
                if paused { id = Substring(id.utf8.dropFirst()) }
                guard !id.isEmpty else { throw WireError(.sdp, .malformed, "simulcast: empty rid") }
                alternatives.append(Rid(id: String(id), paused: paused))
            }
            result.append(alternatives)
        }
        return result
    }

    private static func text(_ streams: [[Rid]]) -> String {
        streams.map { $0.map { ($0.paused ? "~" : "") + $0.id }.joined(separator: ",") }.joined(separator: ";")
    }

    public var attributeValue: String {
        var parts: [String] = []
        if let send { parts.append("send " + Self.text(send)) }
        if let receive { parts.append("recv " + Self.text(receive)) }
        if receiveFirst { parts.reverse() }
        return parts.joined(separator: " ")
    }
}
