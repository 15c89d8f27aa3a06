/// The type of a session description (W3C `RTCSdpType`).
public enum RTCSdpType: String, Hashable, Sendable, CaseIterable {
    /// `offer`, `pranswer` (a provisional answer), `answer`, or `rollback` (undo the last offer).
    case offer, pranswer, answer, rollback
}

/// An SDP offer or answer with its type, as aiortc's `RTCSessionDescription(sdp=..., type=...)`.
public struct RTCSessionDescription: Hashable, Sendable {
    /// The SDP text (RFC 8866).
    public var sdp: String
    /// What role the description plays in offer/answer (RFC 9429).
    public var type: RTCSdpType

    /// A description from its text and type; the text is not parsed here.
    public init(sdp: String, type: RTCSdpType) {
        self.sdp = sdp
        self.type = type
    }
}
