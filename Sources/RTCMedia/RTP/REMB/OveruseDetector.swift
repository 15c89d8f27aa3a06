/// Compares the delay trend with an adaptive threshold (draft-ietf-rmcat-gcc-02 §5.4, §5.5): overuse when the
/// trend stays above the threshold for more than 10 ms and keeps rising, underuse below its negative.
struct OveruseDetector {
    static let overuseTime = 10.0  // ms
    static let upGain = 0.0087
    static let downGain = 0.039
    static let maxAdaptOffset = 15.0

    private(set) var threshold = 12.5  // ms
    private(set) var usage: BandwidthUsage = .normal
    private var timeOverusing = -1.0
    private var overuseCount = 0
    private var previousTrend = 0.0
    private var lastUpdate: Double?

    mutating func detect(modifiedTrend: Double, trend: Double, sendDelta: Double, deltaCount: Int, now: Double) -> BandwidthUsage {
        guard deltaCount >= 2 else { return .normal }
        if modifiedTrend > threshold {
            if timeOverusing < 0 {
                timeOverusing = sendDelta * 1000 / 2
            } else {
                timeOverusing += sendDelta * 1000
            }
            overuseCount += 1
            if timeOverusing > Self.overuseTime && overuseCount > 1 && trend >= previousTrend {
                timeOverusing = 0
                overuseCount = 0
                usage = .overusing
            }
        } else if modifiedTrend < -threshold {
            timeOverusing = -1
            overuseCount = 0
            usage = .underusing
        } else {
            timeOverusing = -1
            overuseCount = 0
            usage = .normal
        }
        previousTrend = trend
        updateThreshold(modifiedTrend, now: now)
        return usage
    }

    private mutating func updateThreshold(_ modifiedTrend: Double, now: Double) {
        let last = lastUpdate ?? now
        lastUpdate = now
        let magnitude = abs(modifiedTrend)
        if magnitude > threshold + Self.maxAdaptOffset { return }  // a spike: do not adapt to it
        let gain = magnitude < threshold ? Self.downGain : Self.upGain
        let elapsed = min((now - last) * 1000, 100)
        threshold += gain * (magnitude - threshold) * elapsed
        threshold = min(max(threshold, 6), 600)
    }
}
