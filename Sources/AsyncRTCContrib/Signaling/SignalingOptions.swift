/// The signaling choices of aiortc's examples (`aiortc.contrib.signaling.add_signaling_arguments`), so that the
/// Swift examples take the same command-line flags and pair with aiortc's.
public enum SignalingKind: String, Sendable, CaseIterable {
    case copyAndPaste = "copy-and-paste"
    case tcpSocket = "tcp-socket"
    case unixSocket = "unix-socket"
}

/// Makes the signaling aiortc's `create_signaling(args)` would: TCP on 127.0.0.1:1234, a Unix socket at
/// `aiortc.socket`, or copy-and-paste.
public func makeSignaling(_ kind: SignalingKind, host: String = "127.0.0.1", port: Int = 1234,
                          path: String = "aiortc.socket") -> any Signaling {
    switch kind {
    case .copyAndPaste: CopyAndPasteSignaling()
    case .tcpSocket: TcpSocketSignaling(host: host, port: port)
    case .unixSocket: UnixSocketSignaling(path: path)
    }
}

/// Answers every message the other side sends until it says bye, like aiortc's examples'
/// `consume_signaling`: descriptions are applied (an offer is answered), candidates are added.
public func consumeSignaling(_ pc: RTCPeerConnection, _ signaling: any Signaling) async throws {
    while let message = try await signaling.receive() {
        switch message {
        case .description(let description):
            try await pc.setRemoteDescription(description)
            if description.type == .offer {
                try await pc.setLocalDescription()
                if let answer = pc.localDescription { try await signaling.send(.description(answer)) }
            }
        case .candidate(let candidate):
            try await pc.addIceCandidate(candidate)
        case .bye:
            return
        }
    }
}
