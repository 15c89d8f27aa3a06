#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Additive-increase, multiplicative-decrease control of the estimate (draft-ietf-rmcat-gcc-02 §5.5): grow by
/// 8 % a second while the path is normal (additively once near the rate where congestion last happened), back
/// off to 85 % of the measured incoming rate on overuse, hold on underuse. The estimate never exceeds 1.5 × the
/// incoming rate + 10 kbit/s, so it cannot run away from what is actually sent.
struct AIMDRateControl {
    enum State { case hold, increase, decrease }

    static let beta = 0.85
    static let increasePerSecond = 1.08
    static let minDecreaseInterval = 0.2  // s, about one RTT

    let minBitrate: Double
    let maxBitrate: Double
    private(set) var bitrate: Double
    private var state: State = .increase
    private var lastUpdate: Double?
    private var lastDecrease: Double?
    /// The smoothed incoming rate at past decreases (kbit/s), with its variance, for the convergence test.
    private var averageMaxKbps: Double?
    private var varianceMaxKbps = 0.4

    init(initialBitrate: Double, minBitrate: Double, maxBitrate: Double) {
        self.minBitrate = minBitrate
        self.maxBitrate = maxBitrate
        self.bitrate = min(max(initialBitrate, minBitrate), maxBitrate)
    }

    /// Applies the detector's verdict at `now` (seconds) with the measured incoming rate (bit/s).
    mutating func update(usage: BandwidthUsage, incoming: Double?, now: Double) {
        let elapsed = min(max(now - (lastUpdate ?? now), 0), 1)
        lastUpdate = now
        switch usage {
        case .normal:
            if state == .hold { state = .increase }
        case .overusing:
            state = .decrease
        case .underusing:
            state = .hold
        }
        switch state {
        case .hold:
            break
        case .increase:
            if let averageMaxKbps, let incoming,
               abs(incoming / 1000 - averageMaxKbps) < 3 * (averageMaxKbps * varianceMaxKbps).squareRoot() {
                // Near the rate where congestion last set in: creep up by about one packet per response time.
                let responseTime = 0.3
                bitrate += max(1000, 1200 * 8 / responseTime * elapsed)
            } else {
                if let averageMaxKbps, let incoming, incoming / 1000 > averageMaxKbps + 3 * (averageMaxKbps * varianceMaxKbps).squareRoot() {
                    self.averageMaxKbps = nil  // the path got faster: forget the old limit
                }
                bitrate = bitrate * pow(Self.increasePerSecond, elapsed) + 1000 * elapsed
            }
        case .decrease:
            if let incoming, now - (lastDecrease ?? -.infinity) >= Self.minDecreaseInterval {
                let target = Self.beta * incoming
                bitrate = min(bitrate, target)
                lastDecrease = now
                updateMaxAverage(incomingKbps: incoming / 1000)
            }
            state = .hold
        }
        if let incoming {
            bitrate = min(bitrate, 1.5 * incoming + 10_000)
        }
        if !bitrate.isFinite { bitrate = minBitrate }
        bitrate = min(max(bitrate, minBitrate), maxBitrate)
    }

    private mutating func updateMaxAverage(incomingKbps: Double) {
        let alpha = 0.05
        guard let average = averageMaxKbps else {
            averageMaxKbps = incomingKbps
            return
        }
        let updated = (1 - alpha) * average + alpha * incomingKbps
        let norm = max(updated, 1)
        varianceMaxKbps = (1 - alpha) * varianceMaxKbps
            + alpha * (updated - incomingKbps) * (updated - incomingKbps) / norm
        varianceMaxKbps = min(max(varianceMaxKbps, 0.4), 2.5)
        averageMaxKbps = updated
    }
}
