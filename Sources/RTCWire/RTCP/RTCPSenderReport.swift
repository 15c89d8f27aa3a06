public import NIOCore

/// A sender report, PT 200 (RFC 3550 §6.4.1): sender info and up to 31 reception report blocks.
public struct RTCPSenderReport: Sendable, Hashable {
    public var ssrc: UInt32
    /// The 64-bit NTP timestamp of the moment the report was sent.
    public var ntpTimestamp: UInt64
    public var rtpTimestamp: UInt32
    public var packetCount: UInt32
    public var octetCount: UInt32
    public var reportBlocks: [RTCPReportBlock]
    /// Profile-specific extension bytes after the report blocks, kept as they are.
    public var profileExtension: ByteBuffer

    public init(
        ssrc: UInt32, ntpTimestamp: UInt64, rtpTimestamp: UInt32, packetCount: UInt32, octetCount: UInt32,
        reportBlocks: [RTCPReportBlock] = [], profileExtension: ByteBuffer = ByteBuffer()
    ) {
        self.ssrc = ssrc
        self.ntpTimestamp = ntpTimestamp
        self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount
        self.octetCount = octetCount
        self.reportBlocks = reportBlocks
        self.profileExtension = profileExtension
    }

    /// Reads one sender report packet, header included.
    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        let (header, body) = try RTCPHeader.readPacket(from: &buffer)
        try header.expect(RTCPHeader.senderReportType)
        try self.init(header: header, body: body)
    }

    init(header: RTCPHeader, body: ByteBuffer) throws(WireError) {
        var body = body
        self.ssrc = try body.readWireInteger(.rtcp, field: "SR SSRC")
        self.ntpTimestamp = try body.readWireInteger(.rtcp, field: "SR NTP timestamp")
        self.rtpTimestamp = try body.readWireInteger(.rtcp, field: "SR RTP timestamp")
        self.packetCount = try body.readWireInteger(.rtcp, field: "SR packet count")
        self.octetCount = try body.readWireInteger(.rtcp, field: "SR octet count")
        self.reportBlocks = try RTCPReportBlock.readBlocks(count: Int(header.count), from: &body)
        self.profileExtension = body
    }

    /// - Throws: ``WireError/Code/tooLarge`` for more than 31 report blocks.
    public func write(to buffer: inout ByteBuffer) throws(WireError) {
        let count = try RTCPHeader.checkCount(reportBlocks.count, "report blocks")
        let start = RTCPHeader.startPacket(count: count, packetType: RTCPHeader.senderReportType, in: &buffer)
        buffer.writeInteger(ssrc)
        buffer.writeInteger(ntpTimestamp)
        buffer.writeInteger(rtpTimestamp)
        buffer.writeInteger(packetCount)
        buffer.writeInteger(octetCount)
        for block in reportBlocks {
            block.write(to: &buffer)
        }
        buffer.writeImmutableBuffer(profileExtension)
        try RTCPHeader.finishPacket(startingAt: start, in: &buffer)
    }
}
