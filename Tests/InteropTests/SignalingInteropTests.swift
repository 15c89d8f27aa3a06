import AsyncRTC
import AsyncRTCContrib
import Foundation
import Testing

/// AsyncRTC's signaling against aiortc's own `aiortc.contrib.signaling`, in both roles, over TCP and Unix sockets.
@Suite(.enabled(if: PythonPeer.isAvailable), .serialized, .timeLimit(.minutes(3)))
struct SignalingInteropTests {
    static let ourCandidate = try! RTCIceCandidate(
        sdp: "candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host", sdpMid: "0", sdpMLineIndex: 0)

    enum Kind { case tcp, unix }

    func endpoints(_ kind: Kind) -> (any Signaling, [String]) {
        switch kind {
        case .tcp:
            let port = Int.random(in: 20_000..<60_000)
            return (TcpSocketSignaling(host: "127.0.0.1", port: port, acceptTimeout: .seconds(90)), ["tcp", "127.0.0.1", String(port)])
        case .unix:
            let path = NSTemporaryDirectory() + "asyncrtc-\(UUID().uuidString).sock"
            return (UnixSocketSignaling(path: path), ["unix", path])
        }
    }

    @Test(arguments: [Kind.tcp, .unix])
    func aiortcOffersFirst(_ kind: Kind) async throws {
        let out = URL(fileURLWithPath: NSTemporaryDirectory() + "asyncrtc-sig-\(UUID().uuidString).jsonl")
        let (signaling, args) = endpoints(kind)
        let peer = try PythonPeer("signaling_peer.py", args + ["offer", out.path])
        // aiortc sends first, so it listens; we connect (retrying until it is up).
        guard case .description(let offer) = try #require(try await signaling.receive()) else {
            Issue.record("expected a description first")
            return
        }
        #expect(offer.type == .offer)
        let answer = RTCSessionDescription(sdp: offer.sdp, type: .answer)
        try await signaling.send(.description(answer))
        try await signaling.send(.candidate(Self.ourCandidate))
        try await signaling.send(.bye)
        try await peer.wait()
        await signaling.close()

        let lines = try PythonPeer.jsonLines(out)
        try #require(lines.count == 4)
        #expect(lines[0]["kind"] as? String == "sent-offer")
        #expect(lines[0]["sdp"] as? String == offer.sdp)  // the offer crossed byte for byte
        #expect(offer.sdp.contains("m=application") && offer.sdp.contains("a=fingerprint:sha-256"))
        #expect(lines[1]["kind"] as? String == "description" && lines[1]["type"] as? String == "answer")
        #expect(lines[1]["sdp"] as? String == offer.sdp)
        #expect(lines[2]["kind"] as? String == "candidate")
        #expect(lines[2]["ip"] as? String == "127.0.0.1" && lines[2]["port"] as? Int == 40000)
        #expect(lines[2]["sdpMid"] as? String == "0" && lines[2]["sdpMLineIndex"] as? Int == 0)
        #expect(lines[2]["priority"] as? Int == 2130706431 && lines[2]["type"] as? String == "host")
        #expect(lines[3]["kind"] as? String == "bye")
    }

    @Test(arguments: [Kind.tcp, .unix])
    func asyncRTCSendsFirst(_ kind: Kind) async throws {
        let out = URL(fileURLWithPath: NSTemporaryDirectory() + "asyncrtc-sig-\(UUID().uuidString).jsonl")
        let (signaling, args) = endpoints(kind)
        let ours = RTCSessionDescription(sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", type: .offer)
        let peer = try PythonPeer("signaling_peer.py", args + ["answer", out.path])
        // We send first, so we listen; aiortc connects.
        try await signaling.send(.description(ours))
        try await signaling.send(.bye)
        guard case .description(let theirs) = try #require(try await signaling.receive()) else {
            Issue.record("expected aiortc's offer")
            return
        }
        guard case .candidate(let candidate) = try #require(try await signaling.receive()) else {
            Issue.record("expected aiortc's candidate")
            return
        }
        #expect(try await signaling.receive() == .bye)
        try await peer.wait()
        await signaling.close()

        #expect(candidate.ip == "10.0.0.2" && candidate.port == 5000 && candidate.foundation == "abc")
        #expect(candidate.priority == 2130706431 && candidate.type == "host" && candidate.protocol == "udp")
        #expect(candidate.sdpMid == "0" && candidate.sdpMLineIndex == 0)
        let lines = try PythonPeer.jsonLines(out)
        try #require(lines.count == 3)
        #expect(lines[0]["kind"] as? String == "description" && lines[0]["sdp"] as? String == ours.sdp)
        #expect(lines[1]["kind"] as? String == "bye")
        #expect(lines[2]["kind"] as? String == "sent-offer" && lines[2]["sdp"] as? String == theirs.sdp)
    }
}
