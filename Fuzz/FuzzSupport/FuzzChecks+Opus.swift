import NIOCore
import RTCWire

extension FuzzChecks {
    /// Fuzz check for Opus packet framing (RFC 6716 §3): parses the input as one packet (an RTP payload,
    /// RFC 7587); on success checks [R2]/[R5] on the result, writes it, parses it back and compares, and checks
    /// that the parser consumed every byte.
    public static func opus(_ bytes: [UInt8]) -> FuzzOutcome {
        var input = ByteBuffer(bytes: bytes)
        let packet: OpusPacket
        do {
            packet = try OpusPacket(parsing: &input)
        } catch {
            return .rejected(error)
        }
        if input.readableBytes != 0 {
            return .invariantBroken("parser left \(input.readableBytes) bytes of the packet")
        }
        if packet.frames.isEmpty || packet.frames.contains(where: { $0.count > OpusPacket.maximumFrameSize }) {
            return .invariantBroken("accepted \(packet.frames.count) frames, sizes \(packet.frames.map(\.count))")
        }
        if packet.samples > OpusPacket.maximumSamples {
            return .invariantBroken("accepted \(packet.samples) samples, over 120 ms")
        }
        if packet.toc != bytes.first {
            return .invariantBroken("TOC \(packet.toc) differs from the first byte \(bytes.first ?? 0)")
        }
        var output = ByteBuffer()
        packet.write(to: &output)
        let reparsed: OpusPacket
        do {
            reparsed = try OpusPacket(parsing: &output)
        } catch {
            return .invariantBroken("written packet does not parse: \(error)")
        }
        if reparsed != packet {
            return .invariantBroken("round trip changed the packet")
        }
        return .accepted
    }
}
