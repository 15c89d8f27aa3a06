public import NIOCore
import RTCWire

/// The sender's memory of recently sent RTP packets, to answer NACKs (RFC 4585 §6.2.1) with the packet itself
/// or with an RTX packet (RFC 4588 §4).
///
/// Holds unprotected RTP packets (before SRTP) by sequence number: at most ``capacity`` of them and none older
/// than ``maxAge``; older ones are forgotten as new ones are stored.
public struct RetransmissionHistory: Sendable {
    public let capacity: Int
    public let maxAge: TimeAmount

    private struct Entry: Sendable {
        var sequence: UInt16
        var bytes: [UInt8]
        var sent: NIODeadline
        var lastRetransmitted: NIODeadline?
    }

    /// Entries in the order stored (a ring).
    private var ring: [Entry?]
    private var head = 0
    private var count = 0
    /// Sequence number → ring index.
    private var index: [UInt16: Int] = [:]
    /// The next RTX sequence number (RFC 4588 §4: the RTX stream has its own sequence).
    public private(set) var rtxSequenceNumber: UInt16

    public init(capacity: Int = 1000, maxAge: TimeAmount = .seconds(1),
                rtxSequenceNumber: UInt16 = UInt16.random(in: 0...UInt16.max)) {
        self.capacity = max(1, capacity)
        self.maxAge = maxAge
        self.ring = Array(repeating: nil, count: max(1, capacity))
        self.rtxSequenceNumber = rtxSequenceNumber
    }

    /// The number of packets held.
    public var storedCount: Int { count }

    /// Remembers a sent packet (its unprotected bytes). A packet stored again under the same sequence number
    /// replaces the old one.
    public mutating func store(_ packet: [UInt8], sequence: UInt16, now: NIODeadline) {
        expire(now: now)
        if let old = index[sequence] {
            ring[old] = nil
            index[sequence] = nil
        }
        if count == capacity {
            dropOldest()
        }
        let slot = (head + count) % capacity
        ring[slot] = Entry(sequence: sequence, bytes: packet, sent: now, lastRetransmitted: nil)
        index[sequence] = slot
        count += 1
    }

    /// Forgets packets older than ``maxAge``.
    public mutating func expire(now: NIODeadline) {
        while count > 0 {
            if let entry = ring[head], now - entry.sent <= maxAge { break }
            dropOldest()
        }
    }

    private mutating func dropOldest() {
        guard count > 0 else { return }
        if let entry = ring[head], index[entry.sequence] == head {
            index[entry.sequence] = nil
        }
        ring[head] = nil
        head = (head + 1) % capacity
        count -= 1
    }

    /// The stored bytes of this packet, or nil when it was never stored or is forgotten.
    public func packet(for sequence: UInt16) -> [UInt8]? {
        guard let slot = index[sequence] else { return nil }
        return ring[slot]?.bytes
    }

    /// The packet to resend for a NACK of `sequence` at `now`: the original bytes, or nil when it is not held
    /// (or older than ``maxAge``) or was already resent less than `minInterval` ago (a NACK repeated within one
    /// RTT).
    public mutating func retransmission(for sequence: UInt16, now: NIODeadline,
                                        minInterval: TimeAmount = .zero) -> [UInt8]? {
        expire(now: now)
        guard let slot = index[sequence], let entry = ring[slot] else { return nil }
        if let last = entry.lastRetransmitted, now - last < minInterval { return nil }
        ring[slot]?.lastRetransmitted = now
        return entry.bytes
    }

    /// The RTX packet (RFC 4588 §4) resending `sequence` at `now`: the original's payload preceded by its sequence
    /// number (OSN), on the RTX SSRC and payload type, with the next RTX sequence number; nil as for
    /// ``retransmission(for:now:minInterval:)`` or when the stored bytes do not parse as RTP.
    public mutating func rtxPacket(for sequence: UInt16, rtxSSRC: UInt32, rtxPayloadType: UInt8, now: NIODeadline,
                                   minInterval: TimeAmount = .zero) -> [UInt8]? {
        guard let bytes = retransmission(for: sequence, now: now, minInterval: minInterval) else { return nil }
        var buffer = ByteBuffer(bytes: bytes)
        guard let original = try? RTPPacket(parsing: &buffer) else { return nil }
        let rtx = original.rtxWrapped(ssrc: rtxSSRC, payloadType: rtxPayloadType, sequenceNumber: rtxSequenceNumber)
        var out = ByteBuffer()
        out.reserveCapacity(rtx.encodedLength)
        guard (try? rtx.write(to: &out)) != nil else { return nil }
        rtxSequenceNumber &+= 1
        return Array(out.readableBytesView)
    }
}
