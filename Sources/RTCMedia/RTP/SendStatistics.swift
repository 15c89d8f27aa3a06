public import NIOCore
public import RTCWire

/// What a sender counts for its sender reports (RFC 3550 §6.4.1).
public struct SendStatistics: Sendable {
    public let ssrc: UInt32
    public let clockRate: Int
    /// Packets sent (wraps as the SR field does).
    public private(set) var packetsSent: UInt32 = 0
    /// Payload octets sent, headers and padding excluded (wraps as the SR field does).
    public private(set) var octetsSent: UInt32 = 0
    private var last: (timestamp: UInt32, time: NIODeadline)?

    public init(ssrc: UInt32, clockRate: Int) {
        self.ssrc = ssrc
        self.clockRate = max(1, clockRate)
    }

    /// Whether anything was sent since the start (an SR is due only then, RFC 3550 §6.4).
    public var hasSent: Bool { last != nil }

    /// Notes a sent packet with this RTP timestamp and payload size.
    public mutating func packetSent(timestamp: UInt32, payloadSize: Int, now: NIODeadline) {
        packetsSent &+= 1
        octetsSent &+= UInt32(truncatingIfNeeded: max(0, payloadSize))
        last = (timestamp, now)
    }

    /// The RTP timestamp that corresponds to `now`: the last packet's, moved on by the time since at the clock rate.
    public func rtpTimestamp(at now: NIODeadline) -> UInt32 {
        guard let last else { return 0 }
        let elapsed = (now - last.time).nanoseconds
        let units = elapsed / 1000 * Int64(clockRate) / 1_000_000
        return last.timestamp &+ UInt32(truncatingIfNeeded: units)
    }

    /// A sender report for `now`, whose wall-clock time is `ntpTimestamp` (see ``NTPTimestamp/from(unixSeconds:)``).
    public func makeSenderReport(now: NIODeadline, ntpTimestamp: UInt64,
                                 reportBlocks: [RTCPReportBlock] = []) -> RTCPSenderReport {
        RTCPSenderReport(ssrc: ssrc, ntpTimestamp: ntpTimestamp, rtpTimestamp: rtpTimestamp(at: now),
                         packetCount: packetsSent, octetCount: octetsSent, reportBlocks: reportBlocks)
    }
}
