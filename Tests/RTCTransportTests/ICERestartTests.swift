import NIOCore
import RTCTransport
import RTCWire
import Testing

/// ICE restart (RFC 8445 §9) on two agents with a virtual clock (the ``ICEPair`` network of ICEAgentTests).
@Suite struct ICERestartTests {
    func connected() throws -> ICEPair {
        var net = ICEPair()
        net.signalCandidates(from: 0)
        net.signalCandidates(from: 1)
        net.run(for: .seconds(2))
        try #require(net.agents[0].state == .connected && net.agents[1].state == .connected)
        return net
    }

    /// Both sides restart 40 ms apart (the answer travelling); the new generation must be found and nominated.
    static func restartBoth(_ net: inout ICEPair) -> (ICECredentials, ICECredentials) {
        let new = (ICECredentials.random(), ICECredentials.random())
        // The answerer learns the offer first and restarts; the offerer restarts when the answer arrives.
        net.apply(1, net.agents[1].restart(localCredentials: new.1, remoteCredentials: new.0, now: net.now))
        net.signalCandidates(from: 0)
        net.run(for: .milliseconds(40))
        net.apply(0, net.agents[0].restart(localCredentials: new.0, remoteCredentials: new.1, now: net.now))
        net.signalCandidates(from: 1)
        return new
    }

    @Test func oldPairCarriesDataUntilTheNewNomination() throws {
        var net = try connected()
        let before = try #require(net.agents[0].selectedPair)
        let new = Self.restartBoth(&net)
        #expect(net.agents[0].isRestarting && net.agents[1].isRestarting)
        #expect(net.agents[0].localCredentials == new.0 && net.agents[1].remoteCredentials == new.0)
        // Every millisecond until both have nominated anew: the old pair stays selected and usable.
        var steps = 0
        while (net.agents[0].isRestarting || net.agents[1].isRestarting) && steps < 3000 {
            for side in 0..<2 {
                #expect(net.agents[side].selectedPair != nil && net.agents[side].maySend)
            }
            #expect(net.agents[0].selectedPair?.local == before.local && net.agents[0].selectedPair?.remote == before.remote)
            net.run(for: .milliseconds(1))
            steps += 1
        }
        #expect(steps < 3000, "the new generation was never nominated")
        for side in 0..<2 {
            #expect(!net.agents[side].isRestarting)
            #expect(net.agents[side].generation == 1)
            #expect(net.agents[side].state == .connected)
            #expect(net.agents[side].selectedPair?.nominated == true)
        }
        // Never left connected: no gap for the layers above.
        #expect(net.states[0] == [.checking, .connected] && net.states[1] == [.checking, .connected])
        // Consent keeps working with the new credentials.
        net.run(for: .seconds(20))
        #expect(net.agents[0].state == .connected && net.agents[1].state == .connected)
        #expect(net.spins == 0)
    }

    @Test func checksWithTheOldCredentialsAreRejectedAfterRestart() throws {
        var net = try connected()
        let old = (net.agents[0].localCredentials, net.agents[1].localCredentials)
        _ = Self.restartBoth(&net)
        net.run(for: .seconds(2))
        try #require(!net.agents[1].isRestarting)
        let selected = net.agents[1].selectedPair
        let pairs = net.agents[1].pairs.count
        let discarded = net.agents[1].counters.unauthenticatedDiscarded
        // A's previous generation check, replayed (or forged by someone who knew the old password), from a new
        // address and with USE-CANDIDATE: it must be dropped without an answer.
        for from in [net.addresses[0][0], STUNAddress("10.6.6.6:666")!] {
            let message = STUNMessage(type: STUNMessageType(method: .binding, class: .request),
                                      attributes: [.username("\(old.1.usernameFragment):\(old.0.usernameFragment)"),
                                                   .priority(1_862_270_975), .iceControlling(200), .useCandidate])
            let bytes = try message.bytes(integrity: .shortTerm(password: old.1.password), fingerprint: true,
                                          crypto: ICEPair.crypto)
            let actions = net.agents[1].receiveSTUN(ByteBuffer(bytes: bytes), socket: 0, from: from, now: net.now)
            #expect(actions.isEmpty)
        }
        #expect(net.agents[1].counters.unauthenticatedDiscarded == discarded + 2)
        #expect(net.agents[1].selectedPair == selected && net.agents[1].pairs.count == pairs)
        net.run(for: .seconds(6))
        #expect(net.agents[1].state == .connected)
    }

    @Test func restartRevivesAFailedAgent() throws {
        var net = try connected()
        net.drop = { _, _ in true }
        net.run(for: .seconds(32))
        try #require(net.agents[0].state == .failed && net.agents[1].state == .failed)
        net.drop = { _, _ in false }
        _ = Self.restartBoth(&net)
        net.run(for: .seconds(2))
        for side in 0..<2 {
            #expect(net.agents[side].state == .connected && net.agents[side].maySend)
            #expect(net.agents[side].selectedPair != nil)
        }
        #expect(net.states[0].suffix(3) == [.failed, .checking, .connected])
    }
}
