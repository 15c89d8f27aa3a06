import NIOCore
import RTCWire

extension FuzzChecks {
    /// Fuzz check for DNS / mDNS messages (RFC 1035 §4, RFC 6762): parse (following compression pointers);
    /// whatever parses must serialize (uncompressed) to bytes that parse back to an equal message, and
    /// reserializing those must give the same bytes. The address accessors run on every record.
    public static func dns(_ bytes: [UInt8]) -> FuzzOutcome {
        var buffer = ByteBuffer(bytes: bytes)
        let message: DNSMessage
        do {
            message = try DNSMessage(parsing: &buffer)
        } catch {
            return .rejected(error)
        }
        for question in message.questions { _ = message.addresses(of: question.name); _ = question.name.description }
        let first = message.bytes
        var out = ByteBuffer(bytes: first)
        do {
            let again = try DNSMessage(parsing: &out)
            guard again == message else { return .invariantBroken("DNS reparse differs") }
            guard again.bytes == first else { return .invariantBroken("DNS reserialization differs") }
        } catch {
            return .invariantBroken("DNS serialization does not parse: \(error)")
        }
        return .accepted
    }
}
