import NIOCore
import RTCMedia
import Testing

@Suite("REMB remote bitrate estimator")
struct RTPRemoteBitrateEstimatorTests {
    /// Sends 1200-byte packets at `sendRate` through a bottleneck of `linkRate` (a FIFO queue) with 40 ms of
    /// propagation delay, from `start` for `duration` seconds; asks for a REMB every 50 ms.
    struct Link {
        var queueFreeAt = 0.0
        var sendTime = 0.0
        var rembs: [(time: Double, bitrate: Int)] = []
        /// Polls at which the estimate had fallen below 97 % of the last report (each must send a REMB at once).
        var drops = 0

        mutating func run(_ estimator: RemoteBitrateEstimator, sendRate: Double, linkRate: Double, duration: Double) {
            let end = sendTime + duration
            let size = 1200
            let interval = Double(size * 8) / sendRate
            var nextPoll = sendTime
            while sendTime < end {
                let serviceStart = max(sendTime, queueFreeAt)
                queueFreeAt = serviceStart + Double(size * 8) / linkRate
                let arrival = queueFreeAt + 0.040
                let sendTime24 = UInt32(truncatingIfNeeded: Int64(sendTime * 262_144)) & 0xFF_FFFF
                estimator.incoming(arrival: at(arrival * 1000), sendTime24: sendTime24, size: size,
                                   ssrc: sendTime < 1 ? 0x1111 : 0x2222)
                while nextPoll <= arrival {
                    let current = estimator.currentBitrate
                    let dropped = rembs.last.map { current < $0.bitrate * 97 / 100 } ?? false
                    let remb = estimator.estimate(now: at(nextPoll * 1000))
                    if dropped {
                        drops += 1
                        #expect(remb?.bitrate == current, "a drop to \(current) was not reported at once")
                    }
                    if let remb {
                        rembs.append((nextPoll, remb.bitrate))
                        #expect(!remb.ssrcs.isEmpty)
                    }
                    nextPoll += 0.05
                }
                sendTime += interval
            }
        }
    }

    @Test("on a stable link the estimate rises towards the send rate, reported once a second")
    func stableLinkRises() {
        let estimator = RemoteBitrateEstimator(initialBitrate: 300_000)
        var link = Link()
        link.run(estimator, sendRate: 1_500_000, linkRate: 10_000_000, duration: 40)
        #expect(estimator.usage != .overusing)
        let final = estimator.currentBitrate
        #expect(final >= 1_200_000, "estimate \(final)")
        // Bounded by 1.5 × the incoming rate (+ 10 kbit/s), the incoming rate measured over a 1 s window.
        #expect(final <= 1_520_000 * 3 / 2 + 10_000)
        // Rising: the reports never go down on a clean link, and come about once a second.
        let bitrates = link.rembs.map(\.bitrate)
        #expect(bitrates.first ?? 0 <= 400_000)
        #expect(zip(bitrates, bitrates.dropFirst()).allSatisfy { $1 >= $0 })
        let gaps = zip(link.rembs, link.rembs.dropFirst()).map { $1.time - $0.time }
        #expect(gaps.allSatisfy { $0 >= 0.99 && $0 <= 1.06 })
        #expect(link.rembs.count >= 35)
    }

    @Test("growing queuing delay makes the estimate drop, reported at once")
    func queueBuildupDrops() {
        let estimator = RemoteBitrateEstimator(initialBitrate: 300_000)
        var link = Link()
        link.run(estimator, sendRate: 1_000_000, linkRate: 5_000_000, duration: 30)
        let before = estimator.currentBitrate
        #expect(before >= 1_000_000, "estimate \(before)")
        let reportsBefore = link.rembs.count
        // The path narrows to 600 kbit/s: the queue grows by 0.4 s every second.
        link.run(estimator, sendRate: 1_000_000, linkRate: 600_000, duration: 3)
        let after = estimator.currentBitrate
        #expect(after < 700_000, "estimate \(after)")
        #expect(link.drops > 0)
        #expect(link.rembs[reportsBefore...].contains { $0.bitrate < 700_000 })
    }

    @Test("no REMB before any packet; the 24-bit send time wraps every 64 s")
    func wrapAndSilence() {
        let estimator = RemoteBitrateEstimator()
        #expect(estimator.estimate(now: at(0)) == nil)
        var link = Link()
        link.sendTime = 60  // crosses the 64 s wrap of abs-send-time
        link.run(estimator, sendRate: 800_000, linkRate: 10_000_000, duration: 10)
        #expect(estimator.usage != .overusing)
        #expect(estimator.currentBitrate > 300_000)
    }
}
