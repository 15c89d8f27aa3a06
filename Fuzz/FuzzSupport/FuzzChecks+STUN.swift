import NIOCore
import RTCWire

extension FuzzChecks {
    /// Fuzz check for the STUN parser: parse a message; on success write it back as it is (no integrity added),
    /// check the output is `20 + length` bytes and parses to an equal message. The same bytes also go through the
    /// TURN ChannelData parser in both framings, with the same round-trip check. The outcome reported is the STUN
    /// parser's.
    public static func stun(_ bytes: [UInt8]) -> FuzzOutcome {
        if let broken = channelDataRoundTrip(bytes) {
            return .invariantBroken(broken)
        }
        var input = ByteBuffer(bytes: bytes)
        let message: STUNMessage
        do {
            message = try STUNMessage(parsing: &input)
        } catch {
            return .rejected(error)
        }
        let consumed = bytes.count - input.readableBytes
        var output = ByteBuffer()
        do {
            try message.write(to: &output)
        } catch {
            return .invariantBroken("a parsed message does not serialize: \(error)")
        }
        guard output.readableBytes == consumed else {
            return .invariantBroken("serialized \(output.readableBytes) bytes from \(consumed) parsed")
        }
        let serialized = output
        do {
            let again = try STUNMessage(parsing: &output)
            guard output.readableBytes == 0 else {
                return .invariantBroken("reparse left \(output.readableBytes) bytes")
            }
            guard again == message else {
                return .invariantBroken("reparse differs: \(message) vs \(again)")
            }
        } catch {
            return .invariantBroken("serialized message does not parse: \(error)")
        }
        // Serializing the reparsed message again is a fixed point.
        if let bytesAgain = try? message.bytes(), bytesAgain != Array(serialized.readableBytesView) {
            return .invariantBroken("serialization is not deterministic")
        }
        // The quick demux test must accept whatever the parser accepted.
        if !STUNMessage.looksLikeSTUN(bytes) {
            return .invariantBroken("looksLikeSTUN rejects a message the parser accepts")
        }
        return .accepted
    }

    private static func channelDataRoundTrip(_ bytes: [UInt8]) -> String? {
        for framing in [TURNChannelData.Framing.datagram, .stream] {
            var input = ByteBuffer(bytes: bytes)
            guard let channelData = try? TURNChannelData(parsing: &input, framing: framing) else { continue }
            var output = ByteBuffer()
            do {
                try channelData.write(to: &output, framing: framing)
                let consumed = bytes.count - input.readableBytes
                guard output.readableBytes == consumed || framing == .datagram else {
                    return "ChannelData wrote \(output.readableBytes) bytes from \(consumed)"
                }
                let again = try TURNChannelData(parsing: &output, framing: framing)
                guard again == channelData, output.readableBytes == 0 else {
                    return "ChannelData reparse differs"
                }
            } catch {
                return "ChannelData does not round-trip: \(error)"
            }
        }
        return nil
    }
}
