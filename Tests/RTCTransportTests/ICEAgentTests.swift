import NIOCore
import RTCCrypto
import RTCTransport
import RTCWire
import Testing

/// Two ICE agents on a simulated network with a virtual clock: nothing here sleeps.
struct ICEPair {
    static let crypto = STUNCryptoFunctions(
        hmacSHA1: { HMAC.authenticationCode(.sha1, key: $0, message: $1) }, crc32: { CRC32.checksum($0) })

    var agents: [ICEAgent]
    /// addresses[side][socket]
    var addresses: [[STUNAddress]]
    var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
    var latency: TimeAmount = .milliseconds(5)
    var inFlight: [(at: NIODeadline, side: Int, socket: Int, from: STUNAddress, bytes: [UInt8])] = []
    /// Datagrams for which this returns true vanish.
    var drop: (_ fromSide: Int, _ bytes: [UInt8]) -> Bool = { _, _ in false }
    var states: [[ICEAgent.State]] = [[], []]
    var sent = [0, 0]
    /// Times an agent asked to be woken again at once after handling its timeout (must stay 0).
    var spins = 0

    init(roles: (ICERole, ICERole) = (.controlling, .controlled), tieBreakers: (UInt64, UInt64) = (200, 100)) {
        let credentials = [ICECredentials.random(), ICECredentials.random()]
        agents = [
            ICEAgent(role: roles.0, tieBreaker: tieBreakers.0, localCredentials: credentials[0], crypto: Self.crypto),
            ICEAgent(role: roles.1, tieBreaker: tieBreakers.1, localCredentials: credentials[1], crypto: Self.crypto),
        ]
        agents[0].setRemoteCredentials(credentials[1])
        agents[1].setRemoteCredentials(credentials[0])
        addresses = [[STUNAddress("10.0.0.1:1000")!], [STUNAddress("10.0.0.2:2000")!]]
        for side in 0..<2 {
            agents[side].addLocalCandidate(.host(socket: 0, address: addresses[side][0]))
        }
    }

    /// Signals side `from`'s host candidates to the other side.
    mutating func signalCandidates(from side: Int, endOfCandidates: Bool = true) {
        for local in agents[side].localCandidates {
            let remote = ICERemoteCandidate(type: local.type, address: local.address, priority: local.priority,
                                            foundation: local.foundation)
            apply(1 - side, agents[1 - side].addRemoteCandidate(remote, now: now))
        }
        if endOfCandidates { apply(1 - side, agents[1 - side].endOfRemoteCandidates(now: now)) }
    }

    mutating func apply(_ side: Int, _ actions: [ICEAgent.Action]) {
        for action in actions {
            switch action {
            case .send(let bytes, let socket, let to):
                sent[side] += 1
                guard !drop(side, bytes) else { continue }
                let from = addresses[side][socket]
                for other in 0..<2 {
                    if let s = addresses[other].firstIndex(of: to) {
                        inFlight.append((now + latency, other, s, from, bytes))
                    }
                }
            case .stateChanged(let state):
                states[side].append(state)
            default:
                break
            }
        }
    }

    /// Runs the network and both agents' timers for `duration` of virtual time in 1 ms steps.
    mutating func run(for duration: TimeAmount) {
        let end = now + duration
        while now < end {
            now = now + .milliseconds(1)
            let due = inFlight.filter { $0.at <= now }
            inFlight.removeAll { $0.at <= now }
            for d in due {
                apply(d.side, agents[d.side].receiveSTUN(ByteBuffer(bytes: d.bytes), socket: d.socket, from: d.from, now: now))
            }
            for side in 0..<2 {
                if let t = agents[side].nextTimeout, t <= now {
                    apply(side, agents[side].handleTimeout(now: now))
                    // A timer that is still due right after it ran would spin the event loop.
                    if let again = agents[side].nextTimeout, again <= now { spins += 1 }
                }
            }
        }
    }
}

@Suite struct ICEAgentTests {
    @Test func twoAgentsConnectAndAgreeOnThePair() throws {
        var net = ICEPair()
        net.signalCandidates(from: 0)
        net.signalCandidates(from: 1)
        net.run(for: .seconds(2))
        for side in 0..<2 {
            #expect(net.agents[side].state == .connected)
            #expect(net.states[side] == [.checking, .connected])
        }
        let a = try #require(net.agents[0].selectedPair), b = try #require(net.agents[1].selectedPair)
        #expect(a.remote.address == net.addresses[1][0] && b.remote.address == net.addresses[0][0])
        #expect(a.nominated && b.nominated)
        #expect(a.currentRoundTripTime == .milliseconds(10))
    }

    @Test func peerReflexiveCandidateFromAnIncomingCheck() throws {
        // Only B learns A's candidate; A learns B's address from B's check and answers with a triggered check.
        var net = ICEPair()
        net.signalCandidates(from: 0)
        _ = net.agents[0].start(now: net.now)
        net.run(for: .seconds(2))
        #expect(net.agents[0].remoteCandidates.map(\.type) == [.peerReflexive])
        #expect(net.agents[0].remoteCandidates.first?.address == net.addresses[1][0])
        #expect(net.agents[0].state == .connected && net.agents[1].state == .connected)
    }

    @Test func aSignalledCandidateLiftsThePeerReflexivePairItReplaces() throws {
        // The offerer's case: the answerer's check arrives before the answer, so A learns B's best address as
        // peer-reflexive; then the answer signals it as a host candidate, beside a worse host candidate of B.
        var net = ICEPair()
        let remoteOfA = net.agents[1].localCredentials
        net.agents[0] = ICEAgent(role: .controlling, tieBreaker: 200, localCredentials: net.agents[0].localCredentials,
                                 crypto: ICEPair.crypto)
        net.agents[0].addLocalCandidate(.host(socket: 0, address: net.addresses[0][0]))
        net.addresses[1].append(STUNAddress("10.0.0.2:2001")!)
        net.agents[1].addLocalCandidate(.host(socket: 1, address: net.addresses[1][1], localPreference: 100))
        net.signalCandidates(from: 0)
        net.run(for: .milliseconds(6))  // B's first check (on its best candidate) reaches A
        #expect(net.agents[0].remoteCandidates.map(\.type) == [.peerReflexive])

        net.agents[0].setRemoteCredentials(remoteOfA)
        let started = net.now
        net.signalCandidates(from: 1)
        let learnt = try #require(net.agents[0].pairs.first { $0.remote.address == net.addresses[1][0] })
        let signalled = try #require(net.agents[1].localCandidates.first { $0.socket == 0 })
        #expect(learnt.remote.type == .host && learnt.remote.priority == signalled.priority)

        var connectedAt: NIODeadline?
        while net.now < started + .seconds(2), connectedAt == nil {
            net.run(for: .milliseconds(1))
            if net.agents[0].state == .connected { connectedAt = net.now }
        }
        // The triggered check (one round trip), then the nomination (another): A does not wait for a paced check
        // of B's worse candidate, which it would if the learnt pair kept its peer-reflexive priority.
        let took = try #require(connectedAt) - started
        #expect(took <= net.latency * 4 + .milliseconds(2), "connected after \(took) of virtual time")
        #expect(net.agents[0].selectedPair?.remote.address == net.addresses[1][0])
    }

    @Test func roleConflictIsResolvedByTieBreaker() throws {
        var net = ICEPair(roles: (.controlling, .controlling), tieBreakers: (5, 9))
        net.signalCandidates(from: 0)
        net.signalCandidates(from: 1)
        net.run(for: .seconds(3))
        // B has the larger tie-breaker: it stays controlling, A gives way.
        #expect(net.agents[0].role == .controlled && net.agents[1].role == .controlling)
        #expect(net.agents[0].state == .connected && net.agents[1].state == .connected)
        #expect(net.agents[0].counters.roleConflicts + net.agents[1].counters.roleConflicts > 0)
    }

    @Test func unreachablePeerFailsAtTheConnectionTimeout() {
        var net = ICEPair()
        net.drop = { _, _ in true }
        net.signalCandidates(from: 1)
        // A timed-out check does not end checking (ICEAgentLossTests): the pair is checked again until the
        // 30 s connection timeout, then the agent fails and sends nothing more.
        net.run(for: .milliseconds(29_900))
        #expect(net.agents[0].state == .checking)
        net.run(for: .milliseconds(200))
        #expect(net.agents[0].state == .failed)
        #expect(net.agents[0].pairs.allSatisfy { $0.state == .failed })
        #expect(net.agents[0].pairs.first.map { $0.requestsSent > 1 } == true)
        let sentAtFailure = net.sent[0]
        net.run(for: .seconds(5))
        #expect(net.sent[0] == sentAtFailure)
        #expect(net.spins == 0)
    }

    @Test func blackholeDisconnectsThenConsentExpiresAndSendingStops() throws {
        var net = ICEPair()
        net.signalCandidates(from: 0)
        net.signalCandidates(from: 1)
        net.run(for: .seconds(2))
        try #require(net.agents[0].state == .connected)
        // Keep it up for a while: consent checks keep both sides connected.
        net.run(for: .seconds(20))
        #expect(net.agents[0].state == .connected && net.agents[1].state == .connected)
        #expect(net.agents[0].selectedPair!.requestsSent >= 4)

        net.drop = { _, _ in true }
        let cut = net.now
        var disconnectedAt: NIODeadline?
        var failedAt: NIODeadline?
        for _ in 0..<40_000 {
            net.run(for: .milliseconds(1))
            if disconnectedAt == nil && net.agents[0].state == .disconnected { disconnectedAt = net.now }
            if failedAt == nil && net.agents[0].state == .failed { failedAt = net.now }
        }
        let disconnected = try #require(disconnectedAt), failed = try #require(failedAt)
        #expect(disconnected - cut <= .seconds(5))
        #expect(failed - cut <= .seconds(31))
        #expect(!net.agents[0].maySend)
        let sentAtFailure = net.sent[0]
        net.run(for: .seconds(10))
        #expect(net.sent[0] == sentAtFailure)  // nothing leaves after consent expired
        #expect(net.spins == 0)
    }

    @Test func shortBlackholeRecovers() throws {
        var net = ICEPair()
        net.signalCandidates(from: 0)
        net.signalCandidates(from: 1)
        net.run(for: .seconds(2))
        net.drop = { _, _ in true }
        net.run(for: .seconds(6))
        #expect(net.agents[0].state == .disconnected)
        net.drop = { _, _ in false }
        net.run(for: .seconds(8))
        #expect(net.agents[0].state == .connected)
        #expect(net.states[0] == [.checking, .connected, .disconnected, .connected])
        #expect(net.spins == 0)
    }
}

@Suite struct ICEAgentSecurityTests {
    static let crypto = ICEPair.crypto

    func freshAgent() -> (ICEAgent, ICECredentials, ICECredentials) {
        let local = ICECredentials.random(), remote = ICECredentials.random()
        var agent = ICEAgent(role: .controlled, tieBreaker: 1, localCredentials: local, crypto: Self.crypto)
        agent.setRemoteCredentials(remote)
        agent.addLocalCandidate(.host(socket: 0, address: STUNAddress("10.0.0.1:1000")!))
        return (agent, local, remote)
    }

    func bindingRequest(username: String, password: String, fingerprint: Bool = true) throws -> ByteBuffer {
        let message = STUNMessage(type: STUNMessageType(method: .binding, class: .request),
                                  attributes: [.username(username), .priority(1_862_270_975), .iceControlling(7)])
        return ByteBuffer(bytes: try message.bytes(integrity: .shortTerm(password: password), fingerprint: fingerprint,
                                                   crypto: Self.crypto))
    }

    @Test func authenticCheckIsAnsweredAndLearnt() throws {
        var (agent, local, remote) = freshAgent()
        let from = STUNAddress("10.9.9.9:4444")!
        let actions = agent.receiveSTUN(try bindingRequest(username: "\(local.usernameFragment):\(remote.usernameFragment)",
                                                          password: local.password), socket: 0, from: from, now: .now())
        guard case .send(let bytes, 0, let to)? = actions.first else {
            Issue.record("no response sent: \(actions)")
            return
        }
        #expect(to == from)
        let response = try STUNMessage(bytes: bytes)
        #expect(response.messageClass == .successResponse && response.xorMappedAddress == from)
        try STUNMessage.verifyIntegrity(rawMessage: bytes, key: Array(local.password.utf8), hmac: Self.crypto.hmacSHA1)
        #expect(agent.remoteCandidates.count == 1 && agent.state == .checking)
    }

    /// Chromium checks as soon as it has answered an offer, before the answer reaches the offerer: the check is
    /// answered and its pair waits, but nothing can be sent before the remote password is known. The timer must
    /// not be due again right after it ran: it was (nextTimeout kept the paced-check deadline of the waiting pair
    /// in state new), and the endpoint's timer rescheduled itself at once forever, starving its event loop.
    @Test func earlyCheckBeforeTheAnswerDoesNotSpinTheTimer() throws {
        let local = ICECredentials.random(), remote = ICECredentials.random()
        var agent = ICEAgent(role: .controlled, tieBreaker: 1, localCredentials: local, crypto: Self.crypto)
        agent.addLocalCandidate(.host(socket: 0, address: STUNAddress("10.0.0.1:1000")!))
        let from = STUNAddress("10.9.9.9:4444")!
        var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
        let actions = agent.receiveSTUN(try bindingRequest(username: "\(local.usernameFragment):\(remote.usernameFragment)",
                                                          password: local.password), socket: 0, from: from, now: now)
        #expect(actions.contains { if case .send(_, 0, from) = $0 { true } else { false } })
        for _ in 0..<100 {
            now = now + .milliseconds(10)
            if let due = agent.nextTimeout, due <= now { _ = agent.handleTimeout(now: now) }
            if let again = agent.nextTimeout { #expect(again > now) }
        }
        // The answer arrives: checks start, the early pair among them.
        agent.setRemoteCredentials(remote)
        var sent = agent.addRemoteCandidate(ICERemoteCandidate(type: .host, address: STUNAddress("10.9.9.8:5555")!,
                                                                priority: 1, foundation: "1"), now: now)
        for _ in 0..<20 {
            now = now + .milliseconds(50)
            if let due = agent.nextTimeout, due <= now { sent += agent.handleTimeout(now: now) }
        }
        let checked = Set(sent.compactMap { if case .send(_, _, let to) = $0 { to } else { nil } })
        #expect(checked.contains(from))
    }

    @Test(arguments: ["wrong-password", "wrong-username", "other-remote-ufrag", "no-fingerprint"])
    func forgedChecksChangeNothing(_ forgery: String) throws {
        var (agent, local, remote) = freshAgent()
        let before = agent
        let username: String, password: String
        switch forgery {
        case "wrong-password": (username, password) = ("\(local.usernameFragment):\(remote.usernameFragment)", "not-the-password-000000")
        case "wrong-username": (username, password) = ("nope:\(remote.usernameFragment)", local.password)
        case "other-remote-ufrag": (username, password) = ("\(local.usernameFragment):zzzz", local.password)
        default: (username, password) = ("\(local.usernameFragment):\(remote.usernameFragment)", local.password)
        }
        let request = try bindingRequest(username: username, password: password, fingerprint: forgery != "no-fingerprint")
        let actions = agent.receiveSTUN(request, socket: 0, from: STUNAddress("10.9.9.9:4444")!, now: .now())
        #expect(actions.isEmpty)
        #expect(agent.remoteCandidates.isEmpty && agent.pairs.isEmpty && agent.state == before.state)
        #expect(agent.counters.unauthenticatedDiscarded + agent.counters.malformedDiscarded == 1)
    }

    @Test func forgedSuccessResponseChangesNothing() throws {
        var net = ICEPair()
        net.drop = { side, _ in side == 1 }  // B's real answers never arrive
        net.signalCandidates(from: 1)
        net.run(for: .milliseconds(100))
        try #require(net.agents[0].pairs.first?.state == .inProgress)
        // An attacker who saw nothing answers with a random transaction and a guessed password…
        let forged = STUNMessage(type: STUNMessageType(method: .binding, class: .successResponse),
                                 attributes: [.xorMappedAddress(net.addresses[0][0])])
        let bytes = try forged.bytes(integrity: .shortTerm(password: "guess"), fingerprint: true, crypto: ICEPair.crypto)
        let actions = net.agents[0].receiveSTUN(ByteBuffer(bytes: bytes), socket: 0, from: net.addresses[1][0], now: net.now)
        #expect(actions.isEmpty && net.agents[0].counters.unmatchedResponses == 1)
        #expect(net.agents[0].pairs.first?.state == .inProgress && net.agents[0].selectedPair == nil)
    }

    @Test func garbageIsCountedNotTrapped() {
        var (agent, _, _) = freshAgent()
        var generator = SeededRandom(seed: 42)
        for length in 0..<200 {
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if length >= 8 { bytes[0] = 0; bytes[4...7] = [0x21, 0x12, 0xA4, 0x42] }
            #expect(agent.receiveSTUN(ByteBuffer(bytes: bytes), socket: 0, from: STUNAddress("10.9.9.9:1")!, now: .now()).isEmpty)
        }
        #expect(agent.counters.malformedDiscarded == 200)
    }
}
