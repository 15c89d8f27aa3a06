import AsyncRTC
import Foundation

/// What signaling carries between two peers, in aiortc's wire format (`aiortc.contrib.signaling`): one JSON
/// object per message —
/// - a description: `{"sdp": "...", "type": "offer" | "answer" | ...}`
/// - a candidate: `{"candidate": "candidate:...", "id": sdpMid, "label": sdpMLineIndex, "type": "candidate"}`
/// - the end: `{"type": "bye"}`
public enum SignalingMessage: Hashable, Sendable {
    /// An offer or answer: `{"sdp": ..., "type": ...}`.
    case description(RTCSessionDescription)
    /// A trickled candidate: `{"candidate": ..., "id": ..., "label": ..., "type": "candidate"}`.
    case candidate(RTCIceCandidate)
    /// The other side is done: `{"type": "bye"}`.
    case bye

    /// The JSON text of this message (no trailing newline).
    public func encoded() -> String {
        let object: [String: Any]
        switch self {
        case .description(let d):
            object = ["sdp": d.sdp, "type": d.type.rawValue]
        case .candidate(let c):
            var o: [String: Any] = ["candidate": c.sdp, "type": "candidate"]
            o["id"] = c.sdpMid ?? NSNull()
            o["label"] = c.sdpMLineIndex ?? NSNull()
            object = o
        case .bye:
            object = ["type": "bye"]
        }
        // JSONSerialization only fails for non-JSON types, and these are all strings, numbers and null.
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Parses one message. Returns nil for a candidate message with an empty candidate (an end-of-candidates
    /// marker), which the socket signalings skip. aiortc never sends one and its decoder does not accept one, so
    /// AsyncRTC never sends one either. Throws `RTCError` with code `.syntax` for anything else it cannot read.
    public init?(decoding text: String) throws(RTCError) {
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(text.utf8))
        } catch {
            throw RTCError(.syntax, "signaling message is not JSON: \(text.prefix(80))")
        }
        guard let object = json as? [String: Any], let type = object["type"] as? String else {
            throw RTCError(.syntax, "signaling message has no \"type\": \(text.prefix(80))")
        }
        switch type {
        case "bye":
            self = .bye
        case "candidate":
            guard let line = object["candidate"] as? String, !line.isEmpty else { return nil }
            let mid = object["id"] as? String
            let index = (object["label"] as? NSNumber)?.intValue
            self = .candidate(try RTCIceCandidate(sdp: line, sdpMid: mid, sdpMLineIndex: index))
        default:
            guard let sdpType = RTCSdpType(rawValue: type) else {
                throw RTCError(.syntax, "unknown signaling message type \"\(type)\"")
            }
            guard let sdp = object["sdp"] as? String else {
                throw RTCError(.syntax, "\(type) without \"sdp\"")
            }
            self = .description(RTCSessionDescription(sdp: sdp, type: sdpType))
        }
    }
}
