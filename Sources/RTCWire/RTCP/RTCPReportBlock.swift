public import NIOCore

/// One reception report block of a sender or receiver report (RFC 3550 §6.4.1), 24 bytes.
public struct RTCPReportBlock: Sendable, Hashable {
    /// The source this block reports on.
    public var ssrc: UInt32
    /// Fraction of packets lost since the last report, in 1/256 units.
    public var fractionLost: UInt8
    /// Cumulative number of packets lost: a signed 24-bit value (−8388608 … 8388607).
    public var cumulativeLost: Int32
    public var extendedHighestSequenceNumber: UInt32
    /// Interarrival jitter in timestamp units.
    public var jitter: UInt32
    /// The middle 32 bits of the NTP timestamp of the last sender report received (LSR).
    public var lastSenderReport: UInt32
    /// Delay since that sender report, in 1/65536 seconds (DLSR).
    public var delaySinceLastSenderReport: UInt32

    public init(
        ssrc: UInt32, fractionLost: UInt8 = 0, cumulativeLost: Int32 = 0, extendedHighestSequenceNumber: UInt32 = 0,
        jitter: UInt32 = 0, lastSenderReport: UInt32 = 0, delaySinceLastSenderReport: UInt32 = 0
    ) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = cumulativeLost
        self.extendedHighestSequenceNumber = extendedHighestSequenceNumber
        self.jitter = jitter
        self.lastSenderReport = lastSenderReport
        self.delaySinceLastSenderReport = delaySinceLastSenderReport
    }

    public static let encodedLength = 24

    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        self.ssrc = try buffer.readWireInteger(.rtcp, field: "report block SSRC")
        let lost = try buffer.readWireInteger(as: UInt32.self, .rtcp, field: "fraction/cumulative lost")
        self.fractionLost = UInt8(lost >> 24)
        // Sign-extend the 24-bit cumulative count.
        self.cumulativeLost = Int32(bitPattern: lost << 8) >> 8
        self.extendedHighestSequenceNumber = try buffer.readWireInteger(.rtcp, field: "extended highest sequence")
        self.jitter = try buffer.readWireInteger(.rtcp, field: "jitter")
        self.lastSenderReport = try buffer.readWireInteger(.rtcp, field: "LSR")
        self.delaySinceLastSenderReport = try buffer.readWireInteger(.rtcp, field: "DLSR")
    }

    /// Writes the block; a cumulative loss outside the 24-bit range is clamped to it (RFC 3550 §6.4.1 asks to
    /// saturate rather than wrap).
    public func write(to buffer: inout ByteBuffer) {
        let lost = UInt32(bitPattern: min(max(cumulativeLost, -0x80_0000), 0x7F_FFFF)) & 0x00FF_FFFF
        buffer.writeInteger(ssrc)
        buffer.writeInteger(UInt32(fractionLost) << 24 | lost)
        buffer.writeInteger(extendedHighestSequenceNumber)
        buffer.writeInteger(jitter)
        buffer.writeInteger(lastSenderReport)
        buffer.writeInteger(delaySinceLastSenderReport)
    }

    /// Reads `count` blocks, checking first that the bytes are there.
    static func readBlocks(count: Int, from body: inout ByteBuffer) throws(WireError) -> [RTCPReportBlock] {
        guard body.readableBytes >= count * encodedLength else {
            throw WireError(.rtcp, .truncated, "\(count) report blocks, \(body.readableBytes) bytes left")
        }
        var blocks: [RTCPReportBlock] = []
        blocks.reserveCapacity(count)
        for _ in 0..<count {
            blocks.append(try RTCPReportBlock(parsing: &body))
        }
        return blocks
    }
}
