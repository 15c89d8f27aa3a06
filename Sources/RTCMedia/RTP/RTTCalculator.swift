public import NIOCore
public import RTCWire

/// Round-trip time from a reception report block (RFC 3550 §6.4.1): the report arrives at A; the block's LSR is
/// when our sender report left and DLSR how long the peer held it, so RTT = A − LSR − DLSR, all in the 16.16
/// fixed-point seconds of the middle 32 bits of NTP time.
public enum RTTCalculator {
    /// The round-trip time, or nil when the block carries no LSR (no sender report received yet) or the result
    /// would be negative (clocks or a stale block).
    /// - Parameters:
    ///   - block: a report block about one of our sources.
    ///   - arrivalNTP: our 64-bit NTP wall-clock time when the report arrived.
    public static func rtt(reportBlock block: RTCPReportBlock, arrivalNTP: UInt64) -> TimeAmount? {
        rtt(lastSenderReport: block.lastSenderReport, delaySinceLastSenderReport: block.delaySinceLastSenderReport,
            arrival: NTPTimestamp.middle32(arrivalNTP))
    }

    /// The same from the raw 16.16 values.
    public static func rtt(lastSenderReport: UInt32, delaySinceLastSenderReport: UInt32, arrival: UInt32) -> TimeAmount? {
        guard lastSenderReport != 0 else { return nil }
        let units = Int32(bitPattern: arrival &- lastSenderReport &- delaySinceLastSenderReport)
        guard units >= 0 else { return nil }
        // 1/65536 s units to nanoseconds.
        return .nanoseconds(Int64(units) * 1_000_000_000 / 65536)
    }
}
