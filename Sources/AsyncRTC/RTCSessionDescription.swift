/// The type of a session description (W3C `RTCSdpType`).
public enum RTCSdpType: String, Hashable, Sendable, CaseIterable {
    case offer, pranswer, answer, rollback
}

/// An SDP offer or answer with its type, as aiortc's `RTCSessionDescription(sdp=..., type=...)`.
public struct RTCSessionDescription: Hashable, Sendable {
    public var sdp: String
    public var type: RTCSdpType

    public init(sdp: String, type: RTCSdpType) {
        self.sdp = sdp
        self.type = type
    }
}
