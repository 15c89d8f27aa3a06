import NIOCore
import RTCTransport
import Testing

@Suite struct ImpairmentProfileTests {
    @Test func parsesTheIssueExample() throws {
        let p = try ImpairmentProfile(parsing: "loss=0.1,delay=50ms,jitter=5ms,reorder=0.02,dup=0.01,seed=7")
        #expect(p.loss == 0.1)
        #expect(p.delay == .milliseconds(50))
        #expect(p.jitter == .milliseconds(5))
        #expect(p.reorder == 0.02)
        #expect(p.duplicate == 0.01)
        #expect(p.seed == 7)
        #expect(!p.isTransparent)
        #expect(try ImpairmentProfile(parsing: p.description) == p)
    }

    @Test func parsesUnitsAndPercentages() throws {
        let p = try ImpairmentProfile(parsing: "loss=10%, delay=1s ,jitter=500us,rate=2m,queue=100ms,mtu=1200,blackhole=1,rebind=3,burst=4")
        #expect(p.loss == 0.1)
        #expect(p.delay == .seconds(1))
        #expect(p.jitter == .microseconds(500))
        #expect(p.rateBitsPerSecond == 2_000_000)
        #expect(p.maxQueueDelay == .milliseconds(100))
        #expect(p.mtu == 1200)
        #expect(p.blackhole)
        #expect(p.sourcePortShift == 3)
        #expect(p.meanBurstLength == 4)
        #expect(try ImpairmentProfile(parsing: "delay=20").delay == .milliseconds(20))
        #expect(try ImpairmentProfile(parsing: "").isTransparent)
    }

    @Test(arguments: ["loss=2", "loss=-0.1", "delay=abc", "nonsense=1", "loss", "seed=-1", "rate=0", "blackhole=maybe",
                      "nth=0", "nth=2.5", "nth=-5"])
    func rejectsBadProfiles(_ text: String) {
        #expect(throws: ImpairmentProfile.ParseError.self) { try ImpairmentProfile(parsing: text) }
    }

    @Test func readsTheEnvironmentVariable() throws {
        #expect(try ImpairmentProfile.fromEnvironment([:]) == nil)
        #expect(try ImpairmentProfile.fromEnvironment(["ASYNCRTC_IMPAIR": ""]) == nil)
        #expect(try ImpairmentProfile.fromEnvironment(["ASYNCRTC_IMPAIR": "loss=0.5"])?.loss == 0.5)
    }
}

@Suite struct ImpairmentTests {
    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

    func run(_ profile: ImpairmentProfile, packets: Int = 100_000, size: Int = 1000,
             spacing: TimeAmount = .milliseconds(1)) -> (Impairment, [[NIODeadline]]) {
        var impairment = Impairment(profile: profile)
        var fates: [[NIODeadline]] = []
        for i in 0..<packets {
            fates.append(impairment.admit(size: size, now: Self.t0 + spacing * Int64(i)))
        }
        return (impairment, fates)
    }

    @Test func transparentProfileDeliversEverythingAtOnce() {
        let (_, fates) = run(ImpairmentProfile(), packets: 1000)
        for (i, fate) in fates.enumerated() {
            #expect(fate == [Self.t0 + .milliseconds(Int64(i))])
        }
    }

    @Test func nthDropsExactlyEveryNthDatagram() throws {
        let profile = try ImpairmentProfile(parsing: "nth=5")
        #expect(profile.dropEveryNth == 5 && !profile.isTransparent)
        #expect(try ImpairmentProfile(parsing: profile.description) == profile)
        var impairment = Impairment(profile: profile)
        let now = NIODeadline.uptimeNanoseconds(0)
        let dropped = (1...100).filter { _ in impairment.admit(size: 1000, now: now).isEmpty }
        #expect(dropped == Array(stride(from: 5, through: 100, by: 5)), "datagrams 5, 10, 15, … and no others")
        #expect(impairment.counters.dropped == 20)
    }

    @Test func randomLossMatchesTheRateAndIsReproducible() throws {
        let profile = try ImpairmentProfile(parsing: "loss=0.1,seed=7")
        let (a, fatesA) = run(profile)
        let (_, fatesB) = run(profile)
        #expect(fatesA == fatesB)
        let rate = Double(a.counters.dropped) / 100_000
        #expect(abs(rate - 0.1) < 0.01, "loss rate \(rate)")
        let (_, fatesC) = run(try ImpairmentProfile(parsing: "loss=0.1,seed=8"))
        #expect(fatesA != fatesC)
    }

    @Test func burstLossKeepsTheRateButLengthensRuns() throws {
        let (impairment, fates) = run(try ImpairmentProfile(parsing: "loss=0.1,burst=5,seed=3"))
        let rate = Double(impairment.counters.dropped) / 100_000
        #expect(abs(rate - 0.1) < 0.02, "loss rate \(rate)")
        var runs: [Int] = [], current = 0
        for fate in fates {
            if fate.isEmpty { current += 1 } else if current > 0 { runs.append(current); current = 0 }
        }
        let meanRun = Double(runs.reduce(0, +)) / Double(runs.count)
        #expect(abs(meanRun - 5) < 1, "mean burst \(meanRun)")
    }

    @Test func delayAndJitterStayInRange() throws {
        let (_, fates) = run(try ImpairmentProfile(parsing: "delay=50ms,jitter=5ms,seed=1"), packets: 10_000)
        var reordered = 0
        var previous: NIODeadline? = nil
        for (i, fate) in fates.enumerated() {
            let sent = Self.t0 + .milliseconds(Int64(i))
            #expect(fate.count == 1)
            let d = fate[0] - sent
            #expect(d >= .milliseconds(50) && d <= .milliseconds(55))
            if let previous, fate[0] < previous { reordered += 1 }
            previous = fate[0]
        }
        // 5 ms of jitter over 1 ms spacing reorders some neighbours.
        #expect(reordered > 0)
    }

    @Test func reorderHoldsPacketsBehindLaterOnes() throws {
        let (impairment, fates) = run(try ImpairmentProfile(parsing: "reorder=0.02,reordergap=10ms,seed=5"), packets: 10_000)
        #expect(abs(Double(impairment.counters.reordered) / 10_000 - 0.02) < 0.005)
        let late = fates.enumerated().filter { i, fate in fate[0] - (Self.t0 + .milliseconds(Int64(i))) == .milliseconds(10) }
        #expect(late.count == impairment.counters.reordered)
    }

    @Test func duplicatesDeliverTwice() throws {
        let (impairment, fates) = run(try ImpairmentProfile(parsing: "dup=0.01,seed=9"), packets: 20_000)
        #expect(fates.filter { $0.count == 2 }.count == impairment.counters.duplicated)
        #expect(abs(Double(impairment.counters.duplicated) / 20_000 - 0.01) < 0.003)
    }

    @Test func rateLimitQueuesThenTailDrops() throws {
        // 1 Mbit/s carries 125 datagrams of 1000 bytes per second; offer 1000 per second for 2 s.
        let (impairment, fates) = run(try ImpairmentProfile(parsing: "rate=1m,queue=100ms"), packets: 2000)
        let delivered = fates.filter { !$0.isEmpty }
        #expect(impairment.counters.rateDropped == 2000 - delivered.count)
        // Each kept datagram leaves 8 ms after the previous one; the queue never holds more than 100 ms.
        let departures = delivered.map { $0[0] }
        for (a, b) in zip(departures, departures.dropFirst()) { #expect(b - a == .milliseconds(8)) }
        for (i, fate) in fates.enumerated() where !fate.isEmpty {
            #expect(fate[0] - (Self.t0 + .milliseconds(Int64(i))) <= .milliseconds(108))
        }
        #expect(delivered.count >= 250 && delivered.count <= 265)
    }

    @Test func mtuAndBlackholeDrop() throws {
        var impairment = Impairment(profile: try ImpairmentProfile(parsing: "mtu=1200"))
        #expect(impairment.admit(size: 1200, now: Self.t0).count == 1)
        #expect(impairment.admit(size: 1201, now: Self.t0).isEmpty)
        impairment.profile.blackhole = true
        #expect(impairment.admit(size: 100, now: Self.t0).isEmpty)
        impairment.profile.blackhole = false
        #expect(impairment.admit(size: 100, now: Self.t0).count == 1)
        #expect(impairment.counters.mtuDropped == 1 && impairment.counters.blackholed == 1)
    }
}
