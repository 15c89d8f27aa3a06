import Foundation
import NIOCore
import NIOPosix
import RTCCrypto
import RTCTransport
import Synchronization
import Testing

/// Issue 7, R5: the DTLS handshake over ICE over real loopback UDP, with the seeded impairment layer dropping
/// datagrams both ways, using the options a peer connection uses (``DTLSEndpoint/Options`` defaults: 400 ms first
/// retransmission, doubling up to 3 s, retransmitted flights sent twice, a 30 s handshake deadline). At
/// 0/10/20/50 % loss each handshake must complete before the deadline (one run per level here;
/// `ASYNCRTC_R5_RUNS=50` in the nightly, 0 failures allowed); at 100 % loss it must end in `failed` by the deadline,
/// never hang.
///
/// Two ways to lose packets: from DTLS's first datagram, once ICE has a pair on both sides (a peer connection
/// starts DTLS only then), which is R5 proper; and from ICE's first check, which also asks ICE to connect under
/// the same loss.
@Suite(.serialized) struct DTLSHandshakeLossTests {
    typealias Side = DTLSEndpointTests.Side

    static var runsPerLevel: Int {
        ProcessInfo.processInfo.environment["ASYNCRTC_R5_RUNS"].flatMap(Int.init) ?? 1
    }

    /// Handshakes run this many at a time (they mostly wait on retransmission timers).
    static let concurrency = 10

    /// When the loss starts.
    enum LossStart: Sendable {
        /// With ICE's first check: ICE has to connect under the loss too, and DTLS starts at once on both sides
        /// (its first flights are lost until ICE has a pair).
        case firstICECheck
        /// Once ICE has a selected pair on both sides (gathered and checked without loss), just before DTLS
        /// starts: every DTLS datagram crosses the lossy path.
        case dtlsStart
    }

    struct Outcome: Sendable {
        var states: [[DTLSEndpoint.State]]
        var keysMatch: Bool
        var seconds: Double
        /// Each side's ICE state and whether it had a selected pair when the handshake settled (for failures).
        var ice: [String] = []
    }

    /// One ICE + DTLS handshake under `impairment`; returns once both sides left `connecting` (or after
    /// `hangBound`, which is a failure).
    static func handshake(impairment: ImpairmentProfile, lossStart: LossStart = .firstICECheck,
                          options: DTLSEndpoint.Options, hangBound: Duration = .seconds(90)) async throws -> Outcome {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var iceOptions = ICEEndpoint.Options()
        iceOptions.loopbackOnly = true
        iceOptions.includeIPv6 = false
        // A transparent profile, not nil: nil would read ASYNCRTC_IMPAIR.
        iceOptions.impairment = lossStart == .firstICECheck ? impairment : ImpairmentProfile()
        let sides = [Side(), Side()]
        var ice: [ICEEndpoint] = []
        for i in 0..<2 {
            let side = sides[i]
            ice.append(try await ICEEndpoint.gather(on: group.next(), role: i == 0 ? .controlling : .controlled,
                                                    options: iceOptions) { side.onICE($0) })
        }
        let certificates = [try DTLSCertificate.generate(), try DTLSCertificate.generate()]
        var dtls: [DTLSEndpoint] = []
        for i in 0..<2 {
            let side = sides[i], transport = ice[i]
            let endpoint = DTLSEndpoint(eventLoop: ice[i].eventLoop, certificate: certificates[i], options: options,
                                        transmit: { transport.send($0) }, onEvent: { side.onDTLS($0) })
            side.dtls.withLock { $0 = endpoint }
            dtls.append(endpoint)
        }
        for (from, to) in [(0, 1), (1, 0)] {
            for c in await ice[from].localCandidates {
                ice[to].addRemoteCandidate(ICERemoteCandidate(type: c.type, address: c.address, priority: c.priority,
                                                              foundation: c.foundation))
            }
            ice[to].start(remoteCredentials: await ice[from].localCredentials)
        }
        if lossStart == .dtlsStart {
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(20)
            while clock.now < deadline {
                let pairs = [await ice[0].selectedPair, await ice[1].selectedPair]
                if pairs.allSatisfy({ $0 != nil }) { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            for endpoint in ice { await endpoint.setImpairment(impairment) }
        }
        let started = ContinuousClock.now
        for i in 0..<2 {
            dtls[i].start(role: i == 0 ? .server : .client, remoteFingerprints: [certificates[1 - i].fingerprint()])
        }
        func settled() -> Bool {
            sides.allSatisfy { side in
                switch side.last {
                case .connected, .failed, .closed: true
                default: false
                }
            }
        }
        while !settled() && ContinuousClock.now - started < hangBound {
            try await Task.sleep(for: .milliseconds(20))
        }
        let seconds = Double((ContinuousClock.now - started) / .milliseconds(1)) / 1000
        let keys = sides.map { $0.keys.withLock { $0 } }
        var iceSummary: [String] = []
        for endpoint in ice {
            let pair = await endpoint.selectedPair
            iceSummary.append("\(await endpoint.state)\(pair == nil ? ", no pair" : ", pair selected")")
        }
        let outcome = Outcome(states: sides.map { $0.states.withLock { $0 } },
                              keysMatch: keys[0] != nil && keys[0] == keys[1], seconds: seconds, ice: iceSummary)
        for d in dtls { await d.close() }
        for i in ice { await i.close() }
        try await group.shutdownGracefully()
        return outcome
    }

    /// Runs ``runsPerLevel`` handshakes at `percent` loss, ``concurrency`` at a time; returns the failures.
    static func runLevel(_ percent: Int, lossStart: LossStart, label: String) async throws -> [String] {
        let runs = Self.runsPerLevel
        var failures: [String] = []
        var times: [Double] = []
        var next = 0
        // Different seeds for the two ways of losing packets, so they do not replay one loss pattern.
        let seedBase = (lossStart == .dtlsStart ? 500_000 : 0) + 1000 * percent
        while next < runs {
            let batch = next..<min(next + Self.concurrency, runs)
            next = batch.upperBound
            let outcomes = try await withThrowingTaskGroup(of: (Int, Outcome).self) { group in
                for run in batch {
                    group.addTask {
                        let profile = try ImpairmentProfile(parsing: "loss=\(percent)%,seed=\(seedBase + run + 1)")
                        return (run, try await Self.handshake(impairment: profile, lossStart: lossStart,
                                                              options: DTLSEndpoint.Options()))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for (run, outcome) in outcomes {
                let last = outcome.states.map(\.last)
                if last == [.connected, .connected] && outcome.keysMatch {
                    times.append(outcome.seconds)
                } else {
                    failures.append("run \(run): \(outcome.states) after \(outcome.seconds) s, keys match \(outcome.keysMatch), ICE \(outcome.ice)")
                }
            }
        }
        times.sort()
        print("R5 \(percent) % loss \(label): \(times.count)/\(runs) handshakes, median \(times.isEmpty ? 0 : times[times.count / 2]) s, slowest \(times.last ?? 0) s")
        return failures
    }

    @Test("the DTLS handshake completes before its 30 s deadline at 0, 10, 20 and 50 % loss each way",
          .timeLimit(.minutes(30)), arguments: [0, 10, 20, 50])
    func handshakeCompletesUnderLoss(percent: Int) async throws {
        let failures = try await Self.runLevel(percent, lossStart: .dtlsStart, label: "from DTLS's first datagram")
        #expect(failures.isEmpty, "\(failures.count) of \(Self.runsPerLevel) handshakes at \(percent) % loss failed: \(failures.prefix(5))")
    }

    @Test("ICE and then DTLS complete within DTLS's 30 s deadline with the loss on from the first ICE check",
          .timeLimit(.minutes(30)), arguments: [0, 10, 20, 50])
    func iceAndHandshakeCompleteUnderLoss(percent: Int) async throws {
        let failures = try await Self.runLevel(percent, lossStart: .firstICECheck, label: "from the first ICE check")
        // At 50 % loss each way ICE used to fail in about a third of the runs: a check unanswered after seven
        // transmissions failed its pair for good, and an unanswered nomination was never sent again. ICE now
        // re-checks until its 30 s connection timeout (ICEAgentLossTests), so every level must pass.
        #expect(failures.isEmpty, "\(failures.count) of \(Self.runsPerLevel) at \(percent) % loss failed: \(failures.prefix(5))")
    }

    @Test("at 100 % loss the handshake ends in failed at its deadline, never hangs", .timeLimit(.minutes(2)))
    func handshakeFailsAtTotalLoss() async throws {
        var options = DTLSEndpoint.Options()
        options.handshakeTimeout = .seconds(5)
        let outcome = try await Self.handshake(impairment: try ImpairmentProfile(parsing: "loss=100%,seed=3"),
                                               lossStart: .dtlsStart, options: options, hangBound: .seconds(60))
        for states in outcome.states {
            guard case .failed(let reason) = states.last else {
                Issue.record("expected failed, got \(states)")
                continue
            }
            #expect(reason.contains("did not complete"), "\(reason)")
            #expect(states.first == .connecting && states.count == 2, "\(states)")
        }
        #expect(!outcome.keysMatch)
        // Not before the configured deadline (the failure is the deadline's, not something else's).
        #expect(outcome.seconds >= 4.9, "failed after \(outcome.seconds) s, before the 5 s deadline")
    }

    @Test("at 100 % loss from the first ICE check too, both sides end in failed, never hang", .timeLimit(.minutes(2)))
    func handshakeFailsAtTotalLossFromTheStart() async throws {
        var options = DTLSEndpoint.Options()
        options.handshakeTimeout = .seconds(5)
        let outcome = try await Self.handshake(impairment: try ImpairmentProfile(parsing: "loss=100%,seed=4"),
                                               options: options, hangBound: .seconds(60))
        #expect(outcome.states.allSatisfy { if case .failed = $0.last { true } else { false } }, "\(outcome.states)")
        #expect(!outcome.keysMatch)
        #expect(outcome.seconds >= 4.9, "failed after \(outcome.seconds) s, before the 5 s deadline")
    }
}
