public import NIOCore
public import RTCWire

/// Reception statistics of one RTP source and the report block that carries them (RFC 3550 §6.4.1, §A.1, §A.3,
/// §A.8); sans-I/O, driven by the caller's clock.
public struct ReceiveStatistics: Sendable {
    /// RFC 3550 §A.1: a jump of more than this many packets is a restart unless it is confirmed.
    static let maxDropout: UInt32 = 3000
    /// RFC 3550 §A.1: packets this far behind are old duplicates/reorders.
    static let maxMisorder: UInt32 = 100
    static let sequenceModulo: UInt32 = 1 << 16

    public let ssrc: UInt32
    public let clockRate: Int

    private var started = false
    private var maxSequence: UInt16 = 0
    private var cycles: UInt32 = 0
    private var baseSequence: UInt32 = 0
    private var badSequence: UInt32 = sequenceModulo + 1
    private var expectedPrior: Int64 = 0
    private var receivedPrior: Int64 = 0
    private var jitterUnits: Double = 0
    private var lastTransitArrival: NIODeadline?
    private var lastTransitTimestamp: UInt32 = 0
    private var lastSR: (middle: UInt32, arrival: NIODeadline)?

    /// Packets received, duplicates included (RFC 3550 §6.4.1).
    public private(set) var packetsReceived: Int64 = 0
    /// Bytes received (as passed to ``packetReceived(sequence:timestamp:arrival:size:)``).
    public private(set) var bytesReceived: Int64 = 0

    public init(ssrc: UInt32, clockRate: Int) {
        self.ssrc = ssrc
        self.clockRate = max(1, clockRate)
    }

    /// The sequence number cycle count, shifted (RFC 3550 §A.1: multiples of 2¹⁶).
    public var sequenceCycles: UInt32 { cycles }

    /// The extended highest sequence number received.
    public var extendedHighestSequence: UInt32 { cycles &+ UInt32(maxSequence) }

    /// Packets expected: extended highest − base + 1 (RFC 3550 §A.3).
    public var expected: Int64 { started ? Int64(extendedHighestSequence) - Int64(baseSequence) + 1 : 0 }

    /// Packets lost since the start, clamped to the signed 24-bit range of the report (RFC 3550 §A.3); negative
    /// when duplicates outnumber losses.
    public var cumulativeLost: Int32 {
        Int32(min(max(expected - packetsReceived, -0x80_0000), 0x7F_FFFF))
    }

    /// The interarrival jitter in timestamp units (RFC 3550 §A.8).
    public var jitter: UInt32 { UInt32(min(jitterUnits, Double(UInt32.max))) }

    /// The interarrival jitter in seconds.
    public var jitterSeconds: Double { jitterUnits / Double(clockRate) }

    /// Notes one received packet.
    /// - Parameter size: bytes to count (the caller picks: whole packet or payload).
    public mutating func packetReceived(sequence: UInt16, timestamp: UInt32, arrival: NIODeadline, size: Int) {
        guard updateSequence(sequence) else { return }
        packetsReceived += 1
        bytesReceived += Int64(max(0, size))
        // RFC 3550 §A.8: D(i-1,i) = (Rj − Ri) − (Sj − Si); J += (|D| − J) / 16.
        if let previous = lastTransitArrival {
            let arrivalUnits = Double(Int64(bitPattern: arrival.uptimeNanoseconds &- previous.uptimeNanoseconds))
                * Double(clockRate) / 1e9
            let sendUnits = Double(Int32(bitPattern: timestamp &- lastTransitTimestamp))
            let d = abs(arrivalUnits - sendUnits)
            jitterUnits += (d - jitterUnits) / 16
        }
        lastTransitArrival = arrival
        lastTransitTimestamp = timestamp
    }

    /// RFC 3550 §A.1 `update_seq`, without the probation of new sources: the first packet starts the count. A
    /// jump by more than ``maxDropout`` is only accepted when the next packet follows it (the source restarted);
    /// returns false for a packet that is not counted.
    private mutating func updateSequence(_ sequence: UInt16) -> Bool {
        guard started else {
            initSequence(sequence)
            started = true
            return true
        }
        let delta = UInt32(sequence &- maxSequence)
        if delta < Self.maxDropout {
            // In order, with a permissible gap.
            if sequence < maxSequence {
                cycles &+= Self.sequenceModulo
            }
            maxSequence = sequence
        } else if delta <= Self.sequenceModulo - Self.maxMisorder {
            // A very large jump.
            if UInt32(sequence) == badSequence {
                // Two sequential packets: the source restarted without telling us.
                initSequence(sequence)
            } else {
                badSequence = (UInt32(sequence) + 1) & (Self.sequenceModulo - 1)
                return false
            }
        } else {
            // A duplicate or reordered packet.
        }
        return true
    }

    private mutating func initSequence(_ sequence: UInt16) {
        baseSequence = UInt32(sequence)
        maxSequence = sequence
        badSequence = Self.sequenceModulo + 1
        cycles = 0
        packetsReceived = 0
        expectedPrior = 0
        receivedPrior = 0
    }

    /// Notes a sender report from this source that arrived at `arrival`, for LSR and DLSR.
    public mutating func senderReportReceived(ntpTimestamp: UInt64, arrival: NIODeadline) {
        lastSR = (NTPTimestamp.middle32(ntpTimestamp), arrival)
    }

    /// The report block for this source at `now`; starts a new interval for the fraction lost (RFC 3550 §A.3).
    public mutating func makeReportBlock(now: NIODeadline) -> RTCPReportBlock {
        let expected = self.expected
        let expectedInterval = expected - expectedPrior
        expectedPrior = expected
        let receivedInterval = packetsReceived - receivedPrior
        receivedPrior = packetsReceived
        let lostInterval = expectedInterval - receivedInterval
        let fraction: UInt8
        if expectedInterval == 0 || lostInterval <= 0 {
            fraction = 0
        } else {
            fraction = UInt8(min((lostInterval << 8) / expectedInterval, 255))
        }
        var lsr: UInt32 = 0
        var dlsr: UInt32 = 0
        if let lastSR {
            lsr = lastSR.middle
            let elapsed = max(Int64(0), (now - lastSR.arrival).nanoseconds)
            dlsr = UInt32(min(elapsed / 1000 * 65536 / 1_000_000, Int64(UInt32.max)))
        }
        return RTCPReportBlock(
            ssrc: ssrc, fractionLost: fraction, cumulativeLost: cumulativeLost,
            extendedHighestSequenceNumber: extendedHighestSequence, jitter: jitter,
            lastSenderReport: lsr, delaySinceLastSenderReport: dlsr)
    }
}
