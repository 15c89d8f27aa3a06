public import NIOCore
import RTCWire

extension ICEAgent {
    /// ICE restart (RFC 8445 §9, JSEP RFC 8829 §3.5.1): both sides exchanged new ufrags and passwords.
    ///
    /// From now on only checks with the new credentials authenticate (a check or response of the previous
    /// generation is discarded and counted). Candidates are kept: every pair goes back to ``ICECandidatePair/State/waiting``
    /// and is checked again, and the controlling agent nominates anew. The pair selected before keeps carrying data
    /// (and its consent checks, now with the new credentials) until a pair of the new generation is selected, so
    /// DTLS, SCTP and SRTP above see no gap; ``Action/selectedPairChanged(_:)`` then reports the new selection, even
    /// when it is the same 5-tuple. A failed agent is revived in ``State/checking`` with no selected pair.
    ///
    /// - Parameters:
    ///   - localCredentials: our new ufrag and password (the ones in our new description).
    ///   - remoteCredentials: the peer's new ufrag and password (from its new description).
    ///   - now: the current time; checks start at once.
    public mutating func restart(localCredentials: ICECredentials, remoteCredentials: ICECredentials,
                                 now: NIODeadline) -> [Action] {
        guard state != .closed else { return [] }
        self.localCredentials = localCredentials
        self.remoteCredentials = remoteCredentials
        generation += 1
        // Transactions of the old generation: their responses would be signed with the old password.
        transactions.removeAll()
        triggered.removeAll()
        for index in pairs.indices {
            pairs[index].state = .waiting
            pairs[index].nominated = false
        }
        remoteEndOfCandidates = false
        learntAfterSelection.removeAll()
        firstSuccess = nil
        nominating = nil
        started = now
        nextPacedCheck = now
        if state == .failed {
            // Consent expired on the old pair: it must carry nothing more.
            selectedPairIndex = nil
            lastConsent = nil
            lastHeard = nil
            nextConsentCheck = nil
            state = .checking
            actions.append(.stateChanged(.checking))
        } else if selectedPairIndex != nil {
            restarting = true
            scheduleConsent(now: now)
        } else {
            setState(.checking)
        }
        return takeActions()
    }

    /// NAT rebinding: the peer's address changed under a selected pair (RFC 8445 §7.3.1.3 learns it as
    /// peer-reflexive; RFC 7675 §5.1 keeps consent per 5-tuple).
    ///
    /// The selected pair moves to pair `index` only when all of this holds: the pair's remote address was learnt
    /// from an authenticated check that arrived after the selection; our own check on the pair has just
    /// succeeded with an authenticated response (we are talking to the peer, not to whoever spoofs its address);
    /// the pair shares the selected pair's socket; and the selected pair has heard nothing since the new
    /// address first appeared. Anything unauthenticated never gets here, so it never moves the selected pair.
    mutating func followRebinding(to index: Int, now: NIODeadline) {
        guard let selected = selectedPairIndex, index != selected, !restarting,
              let learnt = learntAfterSelection[pairs[index].remote.address],
              pairs[index].local.socket == pairs[selected].local.socket,
              lastHeard.map({ $0 < learnt }) ?? true else { return }
        pairs[index].nominated = true
        select(index, now: now)
    }
}
