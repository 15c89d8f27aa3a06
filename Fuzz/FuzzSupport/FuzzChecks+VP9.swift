import NIOCore
import RTCWire

extension FuzzChecks {
    /// Fuzz check for the VP9 payload format (RFC 9628): parses the input as a payload descriptor; on success
    /// writes it, parses it back and compares (the written size must be ``VP9PayloadDescriptor/headerSize``).
    /// The depayloader and the frame header reader must not trap on the input, and its first 256
    /// bytes taken as a frame (a bound that keeps the fuzzer fast) must survive payloading and depayloading.
    public static func vp9(_ bytes: [UInt8]) -> FuzzOutcome {
        if let broken = vp9FrameRoundTrip(Array(bytes.prefix(256))) { return .invariantBroken(broken) }
        let whole = ByteBuffer(bytes: bytes)
        _ = try? VP9Depayloader.frame(from: [whole])
        _ = VP9Depayloader.isKeyframe(payload: whole)
        _ = VP9Depayloader.isFrameStart(payload: whole)
        _ = VP9FrameHeader(parsing: bytes)
        let half = bytes.count / 2
        _ = try? VP9Depayloader.frame(from: [ByteBuffer(bytes: bytes[..<half]), ByteBuffer(bytes: bytes[half...])])

        var input = whole
        let descriptor: VP9PayloadDescriptor
        do {
            descriptor = try VP9PayloadDescriptor(parsing: &input)
        } catch {
            return .rejected(error)
        }
        var output = ByteBuffer()
        descriptor.write(to: &output)
        if output.readableBytes != descriptor.headerSize {
            return .invariantBroken("headerSize \(descriptor.headerSize), wrote \(output.readableBytes)")
        }
        let reparsed: VP9PayloadDescriptor
        do {
            reparsed = try VP9PayloadDescriptor(parsing: &output)
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

    /// The input as a frame (key frame or not, as its header says), payloaded with a size taken from its last
    /// byte, must depayload to itself; every payload's descriptor must parse.
    private static func vp9FrameRoundTrip(_ bytes: [UInt8]) -> String? {
        guard let last = bytes.last else { return nil }
        let maxPayloadSize = Int(last % 64) + 1
        var payloader = VP9Payloader(pictureID: UInt16(last) << 7 | UInt16(bytes.count & 0x7F))
        let payloads = payloader.payloads(for: bytes, maxPayloadSize: maxPayloadSize)
        for payload in payloads {
            var buffer = ByteBuffer(bytes: payload)
            guard (try? VP9PayloadDescriptor(parsing: &buffer)) != nil else {
                return "payloader wrote a descriptor that does not parse"
            }
        }
        do {
            let frame = try VP9Depayloader.frame(from: payloads.map { ByteBuffer(bytes: $0) })
            return frame == bytes ? nil : "payload round trip changed the frame"
        } catch {
            return "payloaded frame does not depayload: \(error)"
        }
    }
}
