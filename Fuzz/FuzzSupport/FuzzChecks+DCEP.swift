import NIOCore
import RTCWire

extension FuzzChecks {
    /// Fuzz check for DCEP (RFC 8832): parse; whatever parses must serialize to the same bytes and parse back
    /// equal. Also runs the RFC 7983 classifier on the same bytes (it must never trap).
    public static func dcep(_ bytes: [UInt8]) -> FuzzOutcome {
        _ = PacketClass(classifying: bytes)
        var buffer = ByteBuffer(bytes: bytes)
        let message: DCEPMessage
        do {
            message = try DCEPMessage(parsing: &buffer)
        } catch {
            return .rejected(error)
        }
        var out = ByteBuffer()
        message.write(to: &out)
        guard out.readableBytesView.elementsEqual(bytes) else {
            return .invariantBroken("DCEP serialization differs from the parsed bytes")
        }
        do {
            guard try DCEPMessage(parsing: &out) == message else {
                return .invariantBroken("DCEP reparse differs")
            }
        } catch {
            return .invariantBroken("DCEP serialization does not parse: \(error)")
        }
        return .accepted
    }
}
