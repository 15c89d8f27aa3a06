public import NIOCore

/// A receiver report, PT 201 (RFC 3550 §6.4.2): the reporter's SSRC and up to 31 reception report blocks.
public struct RTCPReceiverReport: Sendable, Hashable {
    public var ssrc: UInt32
    public var reportBlocks: [RTCPReportBlock]
    /// Profile-specific extension bytes after the report blocks, kept as they are.
    public var profileExtension: ByteBuffer

    public init(ssrc: UInt32, reportBlocks: [RTCPReportBlock] = [], profileExtension: ByteBuffer = ByteBuffer()) {
        self.ssrc = ssrc
        self.reportBlocks = reportBlocks
        self.profileExtension = profileExtension
    }

    /// Reads one receiver report packet, header included.
    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        let (header, body) = try RTCPHeader.readPacket(from: &buffer)
        try header.expect(RTCPHeader.receiverReportType)
        try self.init(header: header, body: body)
    }

    init(header: RTCPHeader, body: ByteBuffer) throws(WireError) {
        var body = body
        self.ssrc = try body.readWireInteger(.rtcp, field: "RR SSRC")
        self.reportBlocks = try RTCPReportBlock.readBlocks(count: Int(header.count), from: &body)
        self.profileExtension = body
    }

    /// - Throws: ``WireError/Code/tooLarge`` for more than 31 report blocks.
    public func write(to buffer: inout ByteBuffer) throws(WireError) {
        let count = try RTCPHeader.checkCount(reportBlocks.count, "report blocks")
        let start = RTCPHeader.startPacket(count: count, packetType: RTCPHeader.receiverReportType, in: &buffer)
        buffer.writeInteger(ssrc)
        for block in reportBlocks {
            block.write(to: &buffer)
        }
        buffer.writeImmutableBuffer(profileExtension)
        try RTCPHeader.finishPacket(startingAt: start, in: &buffer)
    }
}
