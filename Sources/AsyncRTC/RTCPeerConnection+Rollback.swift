/// Rollback (JSEP §4.1.10.2, W3C `RTCSdpType.rollback`): abandon the offer in progress and return to the state of
/// the last completed negotiation — descriptions, m= sections, mids, and transceivers a remote offer created.
extension RTCPeerConnection {
    /// What the last completed negotiation left, to return to on rollback.
    struct Committed {
        var local: RTCSessionDescription?
        var remote: RTCSessionDescription?
        var isOfferer = false
        var sections: [Section] = []
        var transceivers: [RTCRtpTransceiver] = []
        var mids: [ObjectIdentifier: String] = [:]
    }

    /// Records the current negotiation as the one to return to.
    func commitNegotiation() {
        state.withLock { state in
            var mids: [ObjectIdentifier: String] = [:]
            for t in state.media.transceivers { if let mid = t.mid { mids[ObjectIdentifier(t)] = mid } }
            state.media.committed = Committed(local: state.localDescription, remote: state.remoteDescription,
                                              isOfferer: state.isOfferer, sections: state.media.sections,
                                              transceivers: state.media.transceivers, mids: mids)
        }
    }

    /// Undoes a local offer (`local`) or a remote offer (not `local`).
    func rollback(local: Bool) throws(RTCError) {
        try state.withLock { state throws(RTCError) in
            let expected: RTCSignalingState = local ? .haveLocalOffer : .haveRemoteOffer
            guard state.signalingState == expected else {
                throw RTCError(.invalidState, "cannot roll back a \(local ? "local" : "remote") offer in \(state.signalingState.rawValue)")
            }
            let committed = state.media.committed
            state.signalingState = .stable
            state.localDescription = committed.local
            state.remoteDescription = committed.remote
            state.isOfferer = committed.isOfferer
            state.media.sections = committed.sections
            // Transceivers a remote offer created (recvonly, no track) go; those the application added stay.
            let kept = Set(committed.transceivers.map(ObjectIdentifier.init))
            state.media.transceivers.removeAll { t in
                !kept.contains(ObjectIdentifier(t)) && state.media.createdByRemoteOffer.contains(ObjectIdentifier(t))
            }
            state.media.createdByRemoteOffer = []
            for t in state.media.transceivers {
                let mid = committed.mids[ObjectIdentifier(t)]
                t.state.withLock { $0.mid = mid }
            }
        }
        emitSignalingState()
    }
}
