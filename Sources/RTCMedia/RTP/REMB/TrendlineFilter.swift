/// The delay gradient estimate of the GCC delay-based controller: a least-squares slope over a window of
/// smoothed accumulated one-way delay variations (draft-ietf-rmcat-gcc-02 §5.3, in its trendline form).
struct TrendlineFilter {
    static let windowSize = 20
    static let smoothing = 0.9
    static let gain = 4.0

    private var accumulatedDelay = 0.0  // ms
    private var smoothedDelay = 0.0  // ms
    private var window: [(x: Double, y: Double)] = []
    private var firstArrival: Double?
    private(set) var deltaCount = 0
    private(set) var trend = 0.0

    /// Adds one group delta (seconds); returns the modified trend (slope × min(count, 60) × gain) to compare to
    /// the overuse threshold, in ms.
    mutating func update(sendDelta: Double, arrivalDelta: Double, arrival: Double) -> Double {
        deltaCount = min(deltaCount + 1, 1000)
        accumulatedDelay += (arrivalDelta - sendDelta) * 1000
        smoothedDelay = Self.smoothing * smoothedDelay + (1 - Self.smoothing) * accumulatedDelay
        if firstArrival == nil { firstArrival = arrival }
        window.append(((arrival - (firstArrival ?? arrival)) * 1000, smoothedDelay))
        if window.count > Self.windowSize { window.removeFirst() }
        if window.count == Self.windowSize, let slope = Self.slope(window) {
            trend = slope
        }
        return Double(min(deltaCount, 60)) * trend * Self.gain
    }

    private static func slope(_ points: [(x: Double, y: Double)]) -> Double? {
        let n = Double(points.count)
        let meanX = points.reduce(0) { $0 + $1.x } / n
        let meanY = points.reduce(0) { $0 + $1.y } / n
        var numerator = 0.0
        var denominator = 0.0
        for point in points {
            numerator += (point.x - meanX) * (point.y - meanY)
            denominator += (point.x - meanX) * (point.x - meanX)
        }
        return denominator == 0 ? nil : numerator / denominator
    }
}
