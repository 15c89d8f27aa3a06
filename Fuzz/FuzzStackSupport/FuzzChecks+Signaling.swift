import AsyncRTC
import AsyncRTCContrib
public import FuzzSupport
public import RTCWire

extension WireError.Layer {
    /// The aiortc-compatible signaling messages (`SignalingMessage`), as the fuzz checks report them.
    public static let signaling = WireError.Layer("signaling")
}

extension FuzzChecks {
    /// Fuzz check for the signaling JSON (`SignalingMessage(decoding:)`, aiortc's `object_from_string` format):
    /// decode the bytes as UTF-8 text; whatever decodes must encode to JSON that decodes to an equal message and
    /// encodes to the same text again. A typed `RTCError` is the right answer to garbage; a trap is a bug.
    public static func signaling(_ bytes: [UInt8]) -> FuzzOutcome {
        let text = String(decoding: bytes, as: UTF8.self)
        let message: SignalingMessage?
        do {
            message = try SignalingMessage(decoding: text)
        } catch {
            return .rejected(WireError(.signaling, .malformed, error.reason))
        }
        // nil is the end-of-candidates marker (a candidate message with an empty candidate): nothing to encode.
        guard let message else { return .accepted }
        let encoded = message.encoded()
        let again: SignalingMessage?
        do {
            again = try SignalingMessage(decoding: encoded)
        } catch {
            return .invariantBroken("the encoding of \(message) does not decode: \(error)")
        }
        guard let again else {
            return .invariantBroken("the encoding of \(message) decodes as an end-of-candidates marker: \(encoded)")
        }
        guard again == message else {
            return .invariantBroken("decode(encode(m)) differs: \(message) became \(again)")
        }
        guard again.encoded() == encoded else {
            return .invariantBroken("encoding is not stable: \(encoded) then \(again.encoded())")
        }
        return .accepted
    }
}
