import NIOCore
import RTCTransport
import Testing

/// Issue 7, R5 mode (b): ICE connects under heavy loss. A check that times out (seven transmissions unanswered)
/// does not fail its pair, let alone the agent, while checking is within the 30 s connection timeout: the pair is
/// checked again, and a nomination is sent again, as a browser keeps pinging until its connection-level timeout.
@Suite struct ICEAgentLossTests {
    /// Runs `net` in 1 ms steps until both agents are connected or `limit` of virtual time passed; returns how
    /// long it took, or nil.
    static func runUntilConnected(_ net: inout ICEPair, limit: TimeAmount) -> TimeAmount? {
        let start = net.now
        while net.now - start < limit {
            net.run(for: .milliseconds(1))
            if net.agents.allSatisfy({ $0.state == .connected }) { return net.now - start }
        }
        return nil
    }

    /// Two agents that signalled their candidates to each other (checks begin), with `drop` deciding losses.
    static func signalledPair(drop: @escaping (_ fromSide: Int, _ bytes: [UInt8]) -> Bool) -> ICEPair {
        var net = ICEPair()
        net.drop = drop
        net.signalCandidates(from: 0)
        net.signalCandidates(from: 1)
        return net
    }

    @Test func checksThatAllTimeOutAreRepeatedUntilAnswersGetThrough() throws {
        var net = Self.signalledPair { _, _ in true }
        // Longer than one check's seven transmissions (0.25 + 0.5 + 5 × 0.5 s): every transaction so far timed
        // out on both sides. Before, each agent failed its only pair, and with the peer's end of candidates,
        // itself.
        net.run(for: .seconds(12))
        for side in 0..<2 {
            #expect(net.agents[side].state == .checking)
            #expect(net.agents[side].pairs.allSatisfy { $0.state != .failed })
        }
        net.drop = { _, _ in false }
        let took = try #require(Self.runUntilConnected(&net, limit: .seconds(10)))
        // The re-check is at most one backed-off RTO (0.5 s) away, then two round trips (check, nomination).
        #expect(took <= .milliseconds(600), "connected \(took) after the path opened")
        for side in 0..<2 {
            #expect(net.states[side] == [.checking, .connected])
            #expect(net.agents[side].selectedPair?.nominated == true)
        }
        #expect(net.spins == 0)
    }

    @Test func anUnansweredNominationIsSentAgain() throws {
        var net = Self.signalledPair { _, _ in false }
        // Let A's ordinary check succeed, then lose everything B sends: B sees A's USE-CANDIDATE and selects the
        // pair, but A never hears the answer to its nomination, through seven transmissions and more.
        while net.agents[0].pairs.first?.state != .succeeded {
            net.run(for: .milliseconds(1))
        }
        net.drop = { side, _ in side == 1 }
        net.run(for: .seconds(12))
        #expect(net.agents[0].state == .checking && net.agents[0].selectedPair == nil)
        #expect(net.agents[1].selectedPair != nil)
        net.drop = { _, _ in false }
        // A nominates again with a new transaction; its answer selects the pair.
        let took = try #require(Self.runUntilConnected(&net, limit: .seconds(5)))
        #expect(took <= .milliseconds(600), "connected \(took) after the path opened")
        #expect(net.agents[0].selectedPair?.nominated == true)
        #expect(net.states[0] == [.checking, .connected])
    }

    @Test func nothingAnsweringStillFailsAtTheDeadline() throws {
        var net = Self.signalledPair { _, _ in true }
        net.run(for: .milliseconds(29_900))
        #expect(net.agents.allSatisfy { $0.state == .checking })
        // Checks keep going until then, about twice a second (the backed-off RTO), not a flood.
        #expect(net.sent[0] > 7 && net.sent[0] < 70, "\(net.sent[0]) datagrams in 30 s")
        net.run(for: .milliseconds(200))
        for side in 0..<2 {
            #expect(net.states[side] == [.checking, .failed])
            #expect(net.agents[side].pairs.allSatisfy { $0.state == .failed })
        }
        let sent = net.sent
        net.run(for: .seconds(5))
        #expect(net.sent == sent, "nothing is sent after failing")
        #expect(net.spins == 0)
    }

    /// 50 % loss each way, independently per datagram, from the first check: 200 seeded runs all connect well
    /// within the deadline (before, about one in seven pairs gave up after seven transmissions).
    @Test func fiftyPercentLossEachWayConnects() throws {
        var slowest: TimeAmount = .zero
        for seed in 1...200 {
            var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15
            var net = Self.signalledPair { _, _ in
                // splitmix64
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return (z ^ (z >> 31)) & 1 == 0
            }
            let took = Self.runUntilConnected(&net, limit: .seconds(30))
            #expect(took != nil, "seed \(seed): \(net.agents.map(\.state)) after 30 s")
            if let took { slowest = max(slowest, took) }
            if took == nil { break }
        }
        // ICE has to leave DTLS most of the 30 s (DTLSHandshakeLossTests).
        #expect(slowest < .seconds(10), "slowest \(slowest)")
        print("ICE at 50 % loss each way, 200 seeds: slowest \(slowest)")
    }
}
