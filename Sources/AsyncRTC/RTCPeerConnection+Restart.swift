import RTCTransport

/// ICE restart (RFC 8445 §9; JSEP RFC 8829 §3.5.1, §5.2.1, §5.3.1; W3C `restartIce()`).
///
/// Either side may restart. The initiator calls ``restartIce()``: its next offer carries a new ufrag and password.
/// The answerer sees the credentials of a remote offer change, restarts too and answers with new ones of its own.
/// Once each side has both new credentials, ICE checks every pair again with them and nominates anew, while the
/// pair in use keeps carrying data: DTLS, SCTP and SRTP are not restarted and see no gap. Candidates (and host
/// sockets) are kept: they are in every new description too.
extension RTCPeerConnection {
    /// Marks the next ``createOffer()`` as an ICE restart (new ice-ufrag and ice-pwd) and fires
    /// ``onNegotiationNeeded`` (W3C `restartIce()`). Before anything was negotiated there is nothing to restart;
    /// on a closed connection it does nothing.
    public func restartIce() {
        let (transport, handler) = state.withLock { state in
            (state.closed ? nil : state.transport,
             state.signalingState == .stable && !state.closed ? state.media.onNegotiationNeeded : nil)
        }
        guard let transport else { return }
        transport.ice.prepareRestart()
        handler?()
    }

    /// Restarts ICE when a remote description (an offer or the answer to our restart) brings credentials other
    /// than the ones ICE runs with; does nothing before ICE started or when they are unchanged. An answer that
    /// keeps the old credentials declines our restart: the new credentials we offered are dropped.
    func restartIceIfNeeded(_ remote: RemoteDescriptionInfo, isAnswer: Bool) async {
        guard let transport = state.withLock({ $0.started ? $0.transport : nil }),
              let current = await transport.ice.remoteCredentials else { return }
        guard current != remote.credentials else {
            if isAnswer, let offer = state.withLock({ $0.localDescription }),
               let offered = try? parsed(offer.sdp).credentials.usernameFragment {
                transport.ice.cancelRestart(offeredFragment: offered)
            }
            return
        }
        configuration.logger?.debug("ICE restart", metadata: ["rtc.ice.ufrag": "\(remote.credentials.usernameFragment)"])
        transport.ice.restart(remoteCredentials: remote.credentials)
        for candidate in remote.candidates { transport.ice.addRemoteCandidate(candidate) }
        if remote.endOfCandidates { transport.ice.endOfRemoteCandidates() }
        resolveMDNSCandidates(in: remote.description, transport: transport)
    }
}
