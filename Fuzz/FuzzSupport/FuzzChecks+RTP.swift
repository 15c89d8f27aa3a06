import NIOCore
import RTCWire

extension FuzzChecks {
    /// Fuzz check for ``RTPPacket``: parse; on success serialize, parse again and compare the values (padding
    /// content and header-extension form may normalize, so bytes are not compared). Also unwraps the packet as
    /// RTX and wraps it back, which must give the original packet again.
    public static func rtp(_ bytes: [UInt8]) -> FuzzOutcome {
        var input = ByteBuffer(bytes: bytes)
        let packet: RTPPacket
        do {
            packet = try RTPPacket(parsing: &input)
        } catch {
            return .rejected(error)
        }
        if input.readableBytes != 0 {
            return .invariantBroken("parser left \(input.readableBytes) bytes")
        }
        var output = ByteBuffer()
        do {
            try packet.write(to: &output)
        } catch {
            return .invariantBroken("parsed packet does not serialize: \(error)")
        }
        if output.readableBytes != packet.encodedLength {
            return .invariantBroken("encodedLength \(packet.encodedLength), wrote \(output.readableBytes)")
        }
        let reparsed: RTPPacket
        do {
            reparsed = try RTPPacket(parsing: &output)
        } catch {
            return .invariantBroken("serialized packet does not parse: \(error)")
        }
        if reparsed != packet {
            return .invariantBroken("round trip changed the packet: \(packet) -> \(reparsed)")
        }
        // Element access must agree with iteration.
        if let block = packet.headerExtension {
            for element in block where packet.headerExtension(id: element.id) == nil {
                return .invariantBroken("extension element \(element.id) iterated but not found by id")
            }
        }
        // RTX: unwrapping then wrapping with the same parameters restores the packet (padding aside).
        if let original = try? packet.rtxUnwrapped(ssrc: 1, payloadType: 96) {
            let rewrapped = original.rtxWrapped(ssrc: packet.ssrc, payloadType: packet.payloadType,
                                                sequenceNumber: packet.sequenceNumber)
            var expected = packet
            expected.paddingLength = 0
            if rewrapped != expected {
                return .invariantBroken("RTX unwrap/wrap changed the packet")
            }
        }
        return .accepted
    }
}
