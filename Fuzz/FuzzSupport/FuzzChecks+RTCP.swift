import NIOCore
import RTCWire

extension FuzzChecks {
    /// Fuzz check for ``RTCPCompoundPacket``: parse; on success serialize, parse again and compare the values
    /// (padding, TWCC chunk choice and REMB exponent may normalize, so bytes are not compared). NACKs must also
    /// survive expansion to sequence numbers and rebuilding.
    public static func rtcp(_ bytes: [UInt8]) -> FuzzOutcome {
        var input = ByteBuffer(bytes: bytes)
        let compound: RTCPCompoundPacket
        do {
            compound = try RTCPCompoundPacket(parsing: &input)
        } catch {
            return .rejected(error)
        }
        var output = ByteBuffer()
        do {
            try compound.write(to: &output)
        } catch {
            return .invariantBroken("parsed compound packet does not serialize: \(error)")
        }
        let reparsed: RTCPCompoundPacket
        do {
            reparsed = try RTCPCompoundPacket(parsing: &output)
        } catch {
            return .invariantBroken("serialized compound packet does not parse: \(error)")
        }
        if reparsed != compound {
            return .invariantBroken("round trip changed the packets: \(compound.packets) -> \(reparsed.packets)")
        }
        for packet in compound.packets {
            if case .genericNACK(let nack) = packet {
                let lost = nack.lostSequenceNumbers
                let rebuilt = RTCPGenericNACK(senderSSRC: nack.senderSSRC, mediaSSRC: nack.mediaSSRC,
                                              lostSequenceNumbers: lost)
                if Set(rebuilt.lostSequenceNumbers) != Set(lost) {
                    return .invariantBroken("NACK rebuilt from its sequence numbers reports others")
                }
            }
        }
        return .accepted
    }
}
