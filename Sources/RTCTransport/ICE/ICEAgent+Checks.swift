public import NIOCore
public import RTCWire

extension ICEAgent {
    /// Handles a STUN datagram that arrived on `socket` from `address`. Anything that does not authenticate is
    /// counted and dropped without a state change.
    public mutating func receiveSTUN(_ datagram: ByteBuffer, socket: Int, from address: STUNAddress, now: NIODeadline) -> [Action] {
        guard state != .closed else { return [] }
        var buffer = datagram
        guard let message = try? STUNMessage(parsing: &buffer), message.method == .binding else {
            counters.malformedDiscarded += 1
            return []
        }
        // RFC 8445 §7.3 / §7.2.5: ICE messages carry FINGERPRINT; it tells a check from other traffic.
        guard (try? STUNMessage.verifyFingerprint(rawMessage: datagram, crc32: crypto.crc32)) != nil else {
            counters.malformedDiscarded += 1
            return []
        }
        switch message.messageClass {
        case .request:
            handleRequest(message, raw: datagram, socket: socket, from: address, now: now)
        case .successResponse, .errorResponse:
            handleResponse(message, raw: datagram, socket: socket, from: address, now: now)
            // A success may settle the best pair: nominate now rather than at the next timer.
            nominateIfReady(now: now)
        case .indication:
            break  // Binding indications are keepalives (RFC 8445 §11); nothing to do.
        }
        return takeActions()
    }

    // MARK: Requests (RFC 8445 §7.3)

    private mutating func handleRequest(_ request: STUNMessage, raw: ByteBuffer, socket: Int, from address: STUNAddress,
                                        now: NIODeadline) {
        // USERNAME must be "<our ufrag>:<their ufrag>" and MESSAGE-INTEGRITY keyed with our password.
        guard let username = request.username,
              username.hasPrefix(localCredentials.usernameFragment + ":"),
              (try? STUNMessage.verifyIntegrity(rawMessage: raw, key: Array(localCredentials.password.utf8),
                                                hmac: crypto.hmacSHA1)) != nil else {
            counters.unauthenticatedDiscarded += 1
            return
        }
        let remoteFragment = username.dropFirst(localCredentials.usernameFragment.count + 1)
        if let remote = remoteCredentials, remote.usernameFragment != remoteFragment {
            counters.unauthenticatedDiscarded += 1  // a check from a previous ICE generation or another peer
            return
        }
        notePeerSoftware(request)
        guard let priority = request.priority else {
            respondError(to: request, code: 400, reason: "Bad Request", socket: socket, to: address)
            return
        }
        if resolveRoleConflict(request, socket: socket, from: address) == false { return }

        // The request is authentic: answer it (RFC 8445 §7.3.1.1) with where we saw it come from.
        var attributes: [STUNAttribute] = [.xorMappedAddress(address)]
        if let software = configuration.software { attributes.append(.software(software)) }
        let response = STUNMessage(type: STUNMessageType(method: .binding, class: .successResponse),
                                   transactionID: request.transactionID, attributes: attributes)
        send(response, integrityPassword: localCredentials.password, socket: socket, to: address)

        // An unknown source is a peer-reflexive remote candidate (RFC 8445 §7.3.1.3).
        if !remoteCandidates.contains(where: { $0.address == address }) {
            let learnt = ICERemoteCandidate(type: .peerReflexive, address: address, priority: priority,
                                            foundation: "prflx" + ICEFoundation.compute(type: .peerReflexive, base: address))
            remoteCandidates.append(learnt)
            actions.append(.remoteCandidateDiscovered(learnt))
            if selectedPairIndex != nil && !restarting { learntAfterSelection[address] = now }
            for local in localCandidates where local.socket == socket { addPair(local: local, remote: learnt) }
        }
        guard let index = pairs.firstIndex(where: { $0.matches(socket: socket, remote: address) }) else { return }
        pairs[index].requestsReceived += 1
        if index == selectedPairIndex { lastHeard = now }

        let useCandidate = request.contains(.useCandidate)
        if useCandidate && role == .controlled {
            pairs[index].nominated = true
            if pairs[index].state == .succeeded {
                select(index, now: now)
                return
            }
        }
        // Triggered check (RFC 8445 §7.3.1.4), unless the pair is already known to work.
        switch pairs[index].state {
        case .succeeded:
            break
        case .inProgress:
            // RFC 8445 §7.3.1.4: a check in progress is retransmitted at once (its timer is left alone): the peer's
            // check got through, so ours may too, and under loss this is what brings the pair up quickly.
            retransmitNow(pair: index)
        case .frozen, .waiting, .failed:
            pairs[index].state = .waiting
            if !triggered.contains(index) { triggered.append(index) }
            startChecksIfReady(now: now, force: true)
            if nextPacedCheck == nil || nextPacedCheck! > now { nextPacedCheck = now }
        }
    }

    /// RFC 8445 §7.3.1.1: the agent with the larger tie-breaker keeps controlling. Returns false when the
    /// request was answered with 487 (Role Conflict) and must not be processed further.
    private mutating func resolveRoleConflict(_ request: STUNMessage, socket: Int, from address: STUNAddress) -> Bool {
        for attribute in request.attributes {
            switch (attribute, role) {
            case (.iceControlling(let theirs), .controlling):
                counters.roleConflicts += 1
                if tieBreaker >= theirs {
                    respondError(to: request, code: 487, reason: "Role Conflict", socket: socket, to: address)
                    return false
                }
                switchRole(to: .controlled)
            case (.iceControlled(let theirs), .controlled):
                counters.roleConflicts += 1
                if tieBreaker >= theirs {
                    switchRole(to: .controlling)
                } else {
                    respondError(to: request, code: 487, reason: "Role Conflict", socket: socket, to: address)
                    return false
                }
            default:
                continue
            }
        }
        return true
    }

    mutating func switchRole(to newRole: ICERole) {
        role = newRole
        nominating = nil
    }

    private mutating func respondError(to request: STUNMessage, code: Int, reason: String, socket: Int, to address: STUNAddress) {
        let response = STUNMessage(type: STUNMessageType(method: .binding, class: .errorResponse),
                                   transactionID: request.transactionID,
                                   attributes: [.errorCode(STUNErrorCode(code: code, reason: reason))])
        send(response, integrityPassword: localCredentials.password, socket: socket, to: address)
    }

    // MARK: Responses (RFC 8445 §7.2.5)

    private mutating func handleResponse(_ response: STUNMessage, raw: ByteBuffer, socket: Int, from address: STUNAddress,
                                         now: NIODeadline) {
        guard let transaction = transactions[response.transactionID], let remote = remoteCredentials else {
            counters.unmatchedResponses += 1
            return
        }
        // Responses are signed with the password of the agent that answered: theirs.
        guard (try? STUNMessage.verifyIntegrity(rawMessage: raw, key: Array(remote.password.utf8),
                                                hmac: crypto.hmacSHA1)) != nil else {
            counters.unauthenticatedDiscarded += 1
            return
        }
        notePeerSoftware(response)
        let index = transaction.pair
        transactions[response.transactionID] = nil
        // RFC 8445 §7.2.5.2.1: the response must come back on the same 5-tuple.
        guard pairs[index].matches(socket: socket, remote: address) else {
            fail(pair: index, now: now)
            return
        }
        if response.messageClass == .errorResponse {
            if response.errorCode?.code == 487 {
                // RFC 8445 §7.2.5.1: switch role and check the pair again.
                counters.roleConflicts += 1
                switchRole(to: role == .controlling ? .controlled : .controlling)
                pairs[index].state = .waiting
                if !triggered.contains(index) { triggered.append(index) }
            } else if !transaction.isConsent {
                fail(pair: index, now: now)
            }
            return
        }
        pairs[index].responsesReceived += 1
        pairs[index].currentRoundTripTime = .nanoseconds((now - transaction.firstSent).nanoseconds)
        if index == selectedPairIndex { lastHeard = now }
        if transaction.isConsent || index == selectedPairIndex {
            lastConsent = now
            if state == .disconnected { setState(.connected) }
        }
        if pairs[index].state != .succeeded {
            pairs[index].state = .succeeded
            if firstSuccess == nil { firstSuccess = now }
        }
        if transaction.useCandidate {
            pairs[index].nominated = true
            select(index, now: now)
        } else if role == .controlled && pairs[index].nominated {
            select(index, now: now)
        } else {
            evaluateRebinding(now: now)
        }
    }

    mutating func select(_ index: Int, now: NIODeadline) {
        // After a restart, the new generation's nomination is reported even when it picks the same 5-tuple.
        guard selectedPairIndex != index || restarting else { return }
        restarting = false
        learntAfterSelection.removeAll()
        // A pair already selected stays unless the new one was nominated after it (RFC 8445 §8.1.1 lets the
        // controlled agent follow the latest nomination).
        selectedPairIndex = index
        lastConsent = now
        lastHeard = now
        scheduleConsent(now: now)
        actions.append(.selectedPairChanged(pairs[index]))
        setState(.connected)
    }

    mutating func fail(pair index: Int, now: NIODeadline) {
        pairs[index].state = .failed
        transactions = transactions.filter { $0.value.pair != index || $0.value.isConsent }
        updateFailure(now: now)
    }

    /// The agent fails when every pair failed and the peer said it has no more candidates (RFC 8445 §8.1.2), or
    /// when no pair was selected within the connection timeout. A check that merely timed out does not fail its
    /// pair before that deadline (``checkTimedOut(_:now:)``), so under loss only the deadline ends checking.
    mutating func updateFailure(now: NIODeadline) {
        guard selectedPairIndex == nil, state == .checking || state == .new else { return }
        let allFailed = !pairs.isEmpty && pairs.allSatisfy { $0.state == .failed }
        if allFailed && remoteEndOfCandidates {
            setState(.failed)
        } else if started != nil, !withinCheckingDeadline(now: now) {
            // Nothing selected by the deadline (not even a pair that succeeded but whose nomination never got
            // through): give up, and stop checking.
            transactions.removeAll()
            triggered.removeAll()
            for pair in pairs.indices where pairs[pair].state != .succeeded { pairs[pair].state = .failed }
            setState(.failed)
        }
    }

    /// Remembers the SOFTWARE of an authenticated message from the peer.
    private mutating func notePeerSoftware(_ message: STUNMessage) {
        for case .software(let text) in message.attributes {
            peerSoftware = text
            return
        }
    }

    // MARK: Sending checks

    /// Sends a Binding request on pair `index` (RFC 8445 §7.2.2), optionally nominating it.
    mutating func sendCheck(pair index: Int, useCandidate: Bool, isConsent: Bool, now: NIODeadline) {
        guard let remote = remoteCredentials else { return }
        var attributes: [STUNAttribute] = [
            .username("\(remote.usernameFragment):\(localCredentials.usernameFragment)"),
            // PRIORITY: what a peer-reflexive candidate of ours would get (RFC 8445 §7.1.1).
            .priority(ICEPriority.candidate(type: .peerReflexive, localPreference: UInt16((pairs[index].local.priority >> 8) & 0xFFFF),
                                            component: pairs[index].local.component)),
            role == .controlling ? .iceControlling(tieBreaker) : .iceControlled(tieBreaker),
        ]
        if useCandidate && role == .controlling { attributes.append(.useCandidate) }
        if let software = configuration.software { attributes.append(.software(software)) }
        let request = STUNMessage(type: STUNMessageType(method: .binding, class: .request),
                                  transactionID: .random(using: &random), attributes: attributes)
        guard let bytes = try? request.bytes(integrity: .shortTerm(password: remote.password), fingerprint: true,
                                             crypto: crypto) else { return }
        transactions[request.transactionID] = Transaction(
            pair: index, request: bytes, firstSent: now, nextRetransmit: now + configuration.checkRTO,
            rto: configuration.checkRTO, transmissions: 1, useCandidate: useCandidate && role == .controlling,
            isConsent: isConsent)
        if !isConsent && pairs[index].state != .succeeded { pairs[index].state = .inProgress }
        pairs[index].requestsSent += 1
        actions.append(.send(datagram: bytes, socket: pairs[index].local.socket, to: pairs[index].remote.address))
    }

    /// Sends the outstanding ordinary check of pair `index` again, without touching its retransmission timer.
    private mutating func retransmitNow(pair index: Int) {
        guard let transaction = transactions.values.first(where: { $0.pair == index && !$0.isConsent }) else { return }
        actions.append(.send(datagram: transaction.request, socket: pairs[index].local.socket,
                             to: pairs[index].remote.address))
    }

    private mutating func send(_ message: STUNMessage, integrityPassword: String, socket: Int, to address: STUNAddress) {
        guard let bytes = try? message.bytes(integrity: .shortTerm(password: integrityPassword), fingerprint: true,
                                             crypto: crypto) else { return }
        actions.append(.send(datagram: bytes, socket: socket, to: address))
    }
}
