public import NIOCore
import RTCWire

extension ICEAgent {
    /// The next time ``handleTimeout(now:)`` has work to do, or nil when nothing is scheduled.
    public var nextTimeout: NIODeadline? {
        guard state != .closed, state != .failed else { return nil }
        var deadlines: [NIODeadline] = transactions.values.map(\.nextRetransmit)
        // Only while pacedCheck would act on it: a pair waiting in another state (the peer's early check, answered
        // before its credentials arrived with its description) would make a past deadline that nothing advances,
        // and the timer would fire again at once, forever.
        if let next = nextPacedCheck, hasWaitingWork, checksMayRun { deadlines.append(next) }
        if let started, selectedPairIndex == nil, state == .new || state == .checking {
            deadlines.append(started + configuration.connectionTimeout)
        }
        if role == .controlling, selectedPairIndex == nil || restarting, nominating == nil, let firstSuccess {
            deadlines.append(firstSuccess + configuration.nominationDelay)
        }
        if let selected = selectedPairIndex {
            if let nextConsentCheck { deadlines.append(nextConsentCheck) }
            if let lastHeard {
                // Only deadlines still ahead of us: a past one would fire the timer in a loop.
                let probing = transactions.values.contains { $0.pair == selected && $0.isConsent }
                if !probing { deadlines.append(lastHeard + configuration.livenessProbeAfter) }
                if state == .connected || state == .completed { deadlines.append(lastHeard + configuration.disconnectedTimeout) }
            }
            if let lastConsent { deadlines.append(lastConsent + configuration.consentTimeout) }
            if let rebindingDeadline { deadlines.append(rebindingDeadline) }
        }
        return deadlines.min()
    }

    private var hasWaitingWork: Bool {
        !triggered.isEmpty || pairs.contains { $0.state == .waiting }
    }

    /// The states in which paced checks are sent (RFC 8445 §6.1.4.2 runs them once checking has started).
    private var checksMayRun: Bool { state == .checking || state == .connected || state == .disconnected }

    /// Runs every timer that is due at `now`: paced checks, retransmissions, nomination, consent.
    public mutating func handleTimeout(now: NIODeadline) -> [Action] {
        guard state != .closed, state != .failed else { return [] }
        retransmit(now: now)
        pacedCheck(now: now)
        nominateIfReady(now: now)
        consent(now: now)
        evaluateRebinding(now: now)
        updateFailure(now: now)
        return takeActions()
    }

    private mutating func retransmit(now: NIODeadline) {
        for (id, var transaction) in transactions where transaction.nextRetransmit <= now {
            if transaction.transmissions >= configuration.maximumTransmissions {
                transactions[id] = nil
                if !transaction.isConsent { checkTimedOut(transaction, now: now) }
                continue
            }
            transaction.transmissions += 1
            transaction.rto = min(transaction.rto * 2,
                                  transaction.isConsent ? configuration.maximumRTO : configuration.maximumCheckRTO)
            transaction.nextRetransmit = now + transaction.rto
            transactions[id] = transaction
            let pair = pairs[transaction.pair]
            actions.append(.send(datagram: transaction.request, socket: pair.local.socket, to: pair.remote.address))
        }
    }

    /// A check got no answer after ``Configuration/maximumTransmissions``. Under heavy loss that says little (at 50 %
    /// each way one transmission gets through with p = 0.25, and seven all miss 13 % of the time), so while the
    /// agent has no pair selected and is within ``Configuration/connectionTimeout`` of the start of checks, the pair
    /// is checked again rather than failed, as browsers keep pinging until a connection-level timeout: an ordinary
    /// check goes back to `waiting` for the paced checks (RFC 8445 §6.1.4.2), and a nomination that timed out is
    /// sent again with a new transaction by ``nominateIfReady(now:)``. Otherwise the pair fails, as RFC 8445 has it
    /// on the first timeout.
    private mutating func checkTimedOut(_ transaction: Transaction, now: NIODeadline) {
        let index = transaction.pair
        if transaction.useCandidate && nominating == index { nominating = nil }
        // Once a pair is selected (and no restart is looking for a new one) checks of other pairs fail as before:
        // persisting is for getting connected, not for keeping a pair nobody answers on (a spoofed source).
        guard withinCheckingDeadline(now: now), selectedPairIndex == nil || restarting else {
            fail(pair: index, now: now)
            return
        }
        // A valid pair whose nomination went unanswered stays valid; anything else is checked again.
        if pairs[index].state != .succeeded { pairs[index].state = .waiting }
    }

    /// True while checks began less than ``Configuration/connectionTimeout`` ago.
    func withinCheckingDeadline(now: NIODeadline) -> Bool {
        guard let started else { return false }
        return now - started < configuration.connectionTimeout
    }

    /// One new check per Ta: a triggered one first, else the highest-priority waiting pair (RFC 8445 §6.1.4.2).
    private mutating func pacedCheck(now: NIODeadline) {
        guard let next = nextPacedCheck, next <= now, checksMayRun else { return }
        var index: Int? = nil
        while !triggered.isEmpty && index == nil {
            let candidate = triggered.removeFirst()
            if pairs[candidate].state == .waiting { index = candidate }
        }
        if index == nil {
            index = pairs.indices.filter { pairs[$0].state == .waiting }
                .max { pairs[$0].priority(role: role) < pairs[$1].priority(role: role) }
        }
        guard let index else { return }
        sendCheck(pair: index, useCandidate: false, isConsent: false, now: now)
        nextPacedCheck = now + configuration.pacing
    }

    /// Regular nomination (RFC 8445 §8.1.1): the controlling agent picks the best succeeded pair once no better
    /// pair is still waiting or in progress (or the nomination delay ran out), and checks it again with
    /// USE-CANDIDATE.
    mutating func nominateIfReady(now: NIODeadline) {
        guard role == .controlling, selectedPairIndex == nil || restarting, nominating == nil, let firstSuccess else { return }
        let succeeded = pairs.indices.filter { pairs[$0].state == .succeeded }
        guard let best = succeeded.max(by: { pairs[$0].priority(role: role) < pairs[$1].priority(role: role) }) else { return }
        let bestPriority = pairs[best].priority(role: role)
        let betterPending = pairs.contains {
            ($0.state == .waiting || $0.state == .inProgress) && $0.priority(role: role) > bestPriority
        }
        guard !betterPending || now - firstSuccess >= configuration.nominationDelay else { return }
        nominating = best
        sendCheck(pair: best, useCandidate: true, isConsent: false, now: now)
    }

    /// Consent freshness (RFC 7675) and liveness on the selected pair.
    private mutating func consent(now: NIODeadline) {
        guard let selected = selectedPairIndex else { return }
        if let lastConsent, now - lastConsent >= configuration.consentTimeout {
            // RFC 7675 §5.1: consent expired; stop sending at once.
            transactions.removeAll()
            setState(.failed)
            return
        }
        let consentPending = transactions.values.contains { $0.pair == selected && $0.isConsent }
        if let next = nextConsentCheck, next <= now {
            if !consentPending { sendCheck(pair: selected, useCandidate: false, isConsent: true, now: now) }
            scheduleConsent(now: now)
        } else if let lastHeard, now - lastHeard >= configuration.livenessProbeAfter, !consentPending {
            sendCheck(pair: selected, useCandidate: false, isConsent: true, now: now)
        }
        if let lastHeard, now - lastHeard >= configuration.disconnectedTimeout, state == .connected || state == .completed {
            setState(.disconnected)
        }
    }

    /// The next consent check, 0.8–1.2 × the interval from now (RFC 7675 §5.1).
    mutating func scheduleConsent(now: NIODeadline) {
        let base = configuration.consentInterval.nanoseconds
        let jitter = Int64((random.unit() * 0.4 - 0.2) * Double(base))
        nextConsentCheck = now + .nanoseconds(base + jitter)
    }
}
