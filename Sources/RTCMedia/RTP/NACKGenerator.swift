public import NIOCore

/// Decides which lost packets a receiver asks to be retransmitted with generic NACKs (RFC 4585 §6.2.1);
/// sans-I/O, driven by the caller's clock.
///
/// A hole in the received sequence numbers makes its packets missing. ``due(now:)`` names the missing packets to
/// NACK now: each is asked for at once, then again every round-trip time (a retransmission cannot come back
/// sooner), at most ``maxRetries`` times. A packet is forgotten when it arrives, after ``maxAge`` since it was
/// found missing, or once it is more than ``maxPacketsBack`` behind the newest packet.
public struct NACKGenerator: Sendable {
    public let maxRetries: Int
    public let maxAge: TimeAmount
    public let maxPacketsBack: Int
    /// The round-trip time used to space retries.
    public private(set) var rtt: TimeAmount

    struct Missing: Sendable {
        var detected: NIODeadline
        var lastSent: NIODeadline?
        var retries: Int
    }

    private var unwrapper = RTPSequenceUnwrapper()
    private var highest: Int64?
    private var missing: [Int64: Missing] = [:]

    public init(maxRetries: Int = 10, maxAge: TimeAmount = .seconds(1), maxPacketsBack: Int = 1000,
                rtt: TimeAmount = .milliseconds(100)) {
        self.maxRetries = maxRetries
        self.maxAge = maxAge
        self.maxPacketsBack = max(1, maxPacketsBack)
        self.rtt = rtt
    }

    /// The number of packets currently considered missing.
    public var missingCount: Int { missing.count }

    /// Whether this sequence number is currently considered missing.
    public func isMissing(_ sequence: UInt16) -> Bool {
        missing[unwrapper.peek(sequence)] != nil
    }

    /// Notes a received packet (original or retransmitted): fills its hole, or opens holes before it.
    public mutating func insert(sequence: UInt16, now: NIODeadline) {
        let extended = unwrapper.unwrap(sequence)
        guard let top = highest else {
            highest = extended
            return
        }
        if extended <= top {
            missing[extended] = nil
            return
        }
        // Every packet between the old top and this one is missing; a jump beyond the window keeps only its end.
        let firstMissing = max(top + 1, extended - Int64(maxPacketsBack))
        if firstMissing < extended {
            for sequence in firstMissing..<extended {
                missing[sequence] = Missing(detected: now, lastSent: nil, retries: 0)
            }
        }
        highest = extended
        let floor = extended - Int64(maxPacketsBack)
        if missing.count > maxPacketsBack || missing.keys.contains(where: { $0 < floor }) {
            missing = missing.filter { $0.key >= floor }
        }
    }

    /// The missing sequence numbers to NACK at `now`, in order; records them as sent. Packets past their age or
    /// retry limit are dropped here.
    public mutating func due(now: NIODeadline) -> [UInt16] {
        var out: [Int64] = []
        for (sequence, entry) in missing {
            if now - entry.detected > maxAge || entry.retries >= maxRetries {
                missing[sequence] = nil
                continue
            }
            if let last = entry.lastSent, now - last < rtt { continue }
            missing[sequence]?.lastSent = now
            missing[sequence]?.retries += 1
            out.append(sequence)
        }
        return out.sorted().map { UInt16(truncatingIfNeeded: $0) }
    }

    /// The earliest time ``due(now:)`` would return something (or drop an entry), if anything is missing.
    public var nextDeadline: NIODeadline? {
        missing.values.map { entry in
            let expiry = entry.detected + maxAge
            guard let last = entry.lastSent else { return entry.detected }
            return min(last + rtt, expiry)
        }.min()
    }

    /// Sets the round-trip time (e.g. from ``RTTCalculator``); values below 5 ms are raised to 5 ms so retries
    /// never flood.
    public mutating func updateRTT(_ rtt: TimeAmount) {
        self.rtt = max(rtt, .milliseconds(5))
    }
}
