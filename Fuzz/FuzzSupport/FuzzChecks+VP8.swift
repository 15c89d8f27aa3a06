import NIOCore
import RTCWire

extension FuzzChecks {
    /// Fuzz check for the VP8 payload format (RFC 7741): parses the input as a payload descriptor; on success
    /// writes it, parses it back and compares (the written size must be ``VP8PayloadDescriptor/headerSize``).
    /// The depayloader must not trap on the input as one payload or split in two, and its first 256
    /// bytes taken as a frame (a bound that keeps the fuzzer fast) must survive payloading and depayloading.
    public static func vp8(_ bytes: [UInt8]) -> FuzzOutcome {
        if let broken = vp8FrameRoundTrip(Array(bytes.prefix(256))) { return .invariantBroken(broken) }
        let whole = ByteBuffer(bytes: bytes)
        _ = try? VP8Depayloader.frame(from: [whole])
        _ = VP8Depayloader.isKeyframe(payload: whole)
        _ = VP8Depayloader.isFrameStart(payload: whole)
        let half = bytes.count / 2
        _ = try? VP8Depayloader.frame(from: [ByteBuffer(bytes: bytes[..<half]), ByteBuffer(bytes: bytes[half...])])

        var input = whole
        let descriptor: VP8PayloadDescriptor
        do {
            descriptor = try VP8PayloadDescriptor(parsing: &input)
        } catch {
            return .rejected(error)
        }
        var output = ByteBuffer()
        descriptor.write(to: &output)
        if output.readableBytes != descriptor.headerSize {
            return .invariantBroken("headerSize \(descriptor.headerSize), wrote \(output.readableBytes)")
        }
        let reparsed: VP8PayloadDescriptor
        do {
            reparsed = try VP8PayloadDescriptor(parsing: &output)
        } catch {
            return .invariantBroken("written descriptor does not parse: \(error)")
        }
        if reparsed != descriptor {
            return .invariantBroken("round trip changed the descriptor: \(descriptor) -> \(reparsed)")
        }
        if output.readableBytes != 0 {
            return .invariantBroken("parser left \(output.readableBytes) bytes of a written descriptor")
        }
        return .accepted
    }

    /// The input as a frame, payloaded with a size taken from its first byte, must depayload to itself.
    private static func vp8FrameRoundTrip(_ bytes: [UInt8]) -> String? {
        guard let first = bytes.first else { return nil }
        let maxPayloadSize = Int(first % 64) + 1
        var payloader = VP8Payloader(pictureID: UInt16(first) << 7 | UInt16(bytes.count & 0x7F))
        let payloads = payloader.payloads(for: bytes, maxPayloadSize: maxPayloadSize)
        for payload in payloads where payload.count > max(maxPayloadSize, VP8Payloader.descriptorSize + 1) {
            return "payload of \(payload.count) bytes over \(maxPayloadSize)"
        }
        do {
            let frame = try VP8Depayloader.frame(from: payloads.map { ByteBuffer(bytes: $0) })
            return frame == bytes ? nil : "payload round trip changed the frame"
        } catch {
            return "payloaded frame does not depayload: \(error)"
        }
    }
}
