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
    /// The selected pair moves to a pair only when all of this holds: the pair's remote address was learnt from
    /// an authenticated check that arrived after the selection; our own check on the pair succeeded with an
    /// authenticated response (we reach the peer there, not whoever spoofs its address); the pair shares the
    /// selected pair's socket; the selected pair has heard nothing since the new address first appeared, and
    /// nothing for ``Configuration/rebindingSilence`` (long enough for a liveness probe on a live path to be
    /// answered, so an idle but working pair is never replaced). Anything unauthenticated never gets here.
    /// Runs when a check succeeds and from the timer.
    mutating func evaluateRebinding(now: NIODeadline) {
        guard let selected = selectedPairIndex, !restarting, !learntAfterSelection.isEmpty else { return }
        let socket = pairs[selected].local.socket
        for (address, learnt) in learntAfterSelection.sorted(by: { $0.value > $1.value }) {
            if let lastHeard, lastHeard >= learnt {
                learntAfterSelection[address] = nil  // the old path spoke since: it is alive
                continue
            }
            guard let index = pairs.firstIndex(where: { $0.local.socket == socket && $0.remote.address == address }),
                  pairs[index].state != .failed else {
                learntAfterSelection[address] = nil
                continue
            }
            if pairs[index].state == .succeeded && now - (lastHeard ?? learnt) >= configuration.rebindingSilence {
                pairs[index].nominated = true
                select(index, now: now)
                return
            }
        }
    }

    /// When ``evaluateRebinding(now:)`` may next switch pairs: a succeeded candidate waits for the silence.
    var rebindingDeadline: NIODeadline? {
        guard let selected = selectedPairIndex, !restarting, !learntAfterSelection.isEmpty else { return nil }
        let socket = pairs[selected].local.socket
        let ready = pairs.contains {
            $0.state == .succeeded && $0.local.socket == socket && learntAfterSelection[$0.remote.address] != nil
        }
        guard ready, let heard = lastHeard ?? learntAfterSelection.values.min() else { return nil }
        return heard + configuration.rebindingSilence
    }
}
