/// The unit of a frame's `pts`, as a fraction of a second (PyAV's `time_base`): `1/48000` means the pts counts
/// samples at 48 kHz, `1/90000` counts ticks of the RTP video clock.
public struct MediaTimeBase: Sendable, Hashable, CustomStringConvertible {
    public var numerator: Int
    public var denominator: Int

    public init(numerator: Int, denominator: Int) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// `1/rate`: the time base of a clock ticking `rate` times per second.
    public init(rate: Int) {
        self.init(numerator: 1, denominator: rate)
    }

    /// The length of one tick in seconds (0 for a zero denominator).
    public var seconds: Double {
        denominator == 0 ? 0 : Double(numerator) / Double(denominator)
    }

    /// `pts` expressed in ticks of `other`, rounded to the nearest tick; nil when either time base is degenerate
    /// or the result does not fit. Computed in 128-bit-safe steps so 90 kHz timestamps of long sessions do not
    /// overflow.
    public func convert(_ pts: Int64, to other: MediaTimeBase) -> Int64? {
        guard denominator > 0, numerator > 0, other.denominator > 0, other.numerator > 0 else { return nil }
        // pts * num * other.den / (den * other.num), with the products done in Double only when exact math
        // would overflow.
        let (scale, scaleOverflow) = Int64(numerator).multipliedReportingOverflow(by: Int64(other.denominator))
        let (divisor, divisorOverflow) = Int64(denominator).multipliedReportingOverflow(by: Int64(other.numerator))
        if !scaleOverflow, !divisorOverflow, divisor > 0 {
            let (product, productOverflow) = pts.multipliedReportingOverflow(by: scale)
            if !productOverflow {
                let half = divisor / 2
                let rounded = product >= 0 ? (product + half) / divisor : (product - half) / divisor
                return rounded
            }
        }
        let value = (Double(pts) * seconds / other.seconds).rounded()
        guard value.isFinite, value >= -9.2e18, value <= 9.2e18 else { return nil }
        return Int64(value)
    }

    public var description: String { "\(numerator)/\(denominator)" }
}
