import NIOCore

/// Retransmission packets (RFC 4588 §4): the original packet's payload, preceded by its 2-byte sequence number
/// (the OSN), sent on the retransmission stream's SSRC, payload type and sequence numbers.
extension RTPPacket {
    /// The RTX packet that retransmits this one (RFC 4588 §4). Marker, timestamp, CSRCs and header extensions are
    /// kept; padding is dropped. Allocates one buffer for the new payload.
    public func rtxWrapped(ssrc: UInt32, payloadType: UInt8, sequenceNumber: UInt16) -> RTPPacket {
        var payload = ByteBuffer()
        payload.reserveCapacity(2 + self.payload.readableBytes)
        payload.writeInteger(self.sequenceNumber)
        payload.writeImmutableBuffer(self.payload)
        var rtx = self
        rtx.ssrc = ssrc
        rtx.payloadType = payloadType
        rtx.sequenceNumber = sequenceNumber
        rtx.payload = payload
        rtx.paddingLength = 0
        return rtx
    }

    /// The original packet this RTX packet carries, given the original stream's SSRC and payload type
    /// (RFC 4588 §4). The payload stays a slice of this packet's buffer.
    /// - Throws: ``WireError/Code/truncated`` when the payload is shorter than the 2-byte OSN.
    public func rtxUnwrapped(ssrc: UInt32, payloadType: UInt8) throws(WireError) -> RTPPacket {
        var payload = self.payload
        let osn = try payload.readWireInteger(as: UInt16.self, .rtp, field: "RTX original sequence number")
        var original = self
        original.ssrc = ssrc
        original.payloadType = payloadType
        original.sequenceNumber = osn
        original.payload = payload
        original.paddingLength = 0
        return original
    }
}
