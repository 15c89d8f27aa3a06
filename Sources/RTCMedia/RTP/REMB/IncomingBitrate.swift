/// The received bit rate over a sliding window (seconds-based clock).
struct IncomingBitrate {
    static let window = 1.0

    private var samples: [(time: Double, size: Int)] = []
    private var start = 0
    private var bytes = 0
    private var firstTime: Double?

    mutating func add(size: Int, now: Double) {
        if firstTime == nil { firstTime = now }
        samples.append((now, size))
        bytes += size
        expire(now: now)
    }

    mutating func expire(now: Double) {
        while start < samples.count, samples[start].time <= now - Self.window {
            bytes -= samples[start].size
            start += 1
        }
        if start > 256 && start * 2 > samples.count {
            samples.removeFirst(start)
            start = 0
        }
    }

    /// Bits per second over the window, once at least half a window of data has been seen.
    mutating func rate(now: Double) -> Double? {
        expire(now: now)
        guard let firstTime, now - firstTime >= Self.window / 2 else { return nil }
        let span = min(Self.window, now - firstTime)
        return Double(bytes) * 8 / span
    }
}
