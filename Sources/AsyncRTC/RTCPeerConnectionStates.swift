/// W3C `RTCPeerConnectionState`.
public enum RTCPeerConnectionState: String, Hashable, Sendable {
    case new, connecting, connected, disconnected, failed, closed
}

/// W3C `RTCIceConnectionState`.
public enum RTCIceConnectionState: String, Hashable, Sendable {
    case new, checking, connected, completed, failed, disconnected, closed
}

/// W3C `RTCIceGatheringState`.
public enum RTCIceGatheringState: String, Hashable, Sendable {
    case new, gathering, complete
}

/// W3C `RTCSignalingState`.
public enum RTCSignalingState: String, Hashable, Sendable {
    case stable
    case haveLocalOffer = "have-local-offer"
    case haveRemoteOffer = "have-remote-offer"
    case haveLocalPranswer = "have-local-pranswer"
    case haveRemotePranswer = "have-remote-pranswer"
    case closed
}
