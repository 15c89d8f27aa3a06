import AsyncRTC
import AsyncRTCContrib
import Foundation
import Testing

@Suite struct SignalingMessageTests {
    static let candidate = try! RTCIceCandidate(
        sdp: "candidate:0 1 UDP 2122252543 192.168.1.7 53421 typ host", sdpMid: "0", sdpMLineIndex: 0)

    @Test func encodesAiortcShapes() throws {
        let offer = SignalingMessage.description(RTCSessionDescription(sdp: "v=0\r\n", type: .offer))
        #expect(offer.encoded() == #"{"sdp":"v=0\r\n","type":"offer"}"#)
        #expect(SignalingMessage.bye.encoded() == #"{"type":"bye"}"#)
        let json = try JSONSerialization.jsonObject(with: Data(SignalingMessage.candidate(Self.candidate).encoded().utf8)) as? [String: Any]
        // The transport is lower-cased, as RTCIceCandidate.protocol is in aiortc and browsers.
        #expect(json?["candidate"] as? String == "candidate:0 1 udp 2122252543 192.168.1.7 53421 typ host")
        #expect(json?["id"] as? String == "0")
        #expect(json?["label"] as? Int == 0)
        #expect(json?["type"] as? String == "candidate")
    }

    @Test func decodesWhatItEncodes() throws {
        for message: SignalingMessage in [
            .description(RTCSessionDescription(sdp: "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n", type: .answer)),
            .candidate(Self.candidate), .bye,
        ] {
            #expect(try SignalingMessage(decoding: message.encoded()) == message)
        }
    }

    @Test func candidateFieldsMatchAiortc() {
        let c = Self.candidate
        #expect(c.foundation == "0" && c.component == 1 && c.protocol == "udp" && c.priority == 2122252543)
        #expect(c.ip == "192.168.1.7" && c.port == 53421 && c.type == "host")
    }

    @Test func emptyCandidateIsIgnoredLikeAiortc() throws {
        #expect(try SignalingMessage(decoding: #"{"candidate": "", "id": "0", "label": 0, "type": "candidate"}"#) == nil)
    }

    @Test(arguments: ["not json", "[]", #"{"sdp": "x"}"#, #"{"type": "offer"}"#, #"{"type": "weird"}"#,
                      #"{"type": "candidate", "candidate": "candidate:garbage"}"#])
    func rejectsMalformedMessages(_ text: String) {
        #expect(throws: RTCError(.syntax)) { try SignalingMessage(decoding: text) }
    }
}

@Suite struct SocketSignalingTests {
    static func freePort() -> Int { Int.random(in: 20_000..<60_000) }

    func converse(_ a: any Signaling, _ b: any Signaling) async throws {
        let offer = SignalingMessage.description(RTCSessionDescription(sdp: "v=0\r\nünïcode\r\n", type: .offer))
        // `a` sends first, so it listens; `b` receives first, so it connects (and retries until a listens).
        async let sent: Void = a.send(offer)
        let received = try await b.receive()
        try await sent
        #expect(received == offer)
        try await b.send(.candidate(SignalingMessageTests.candidate))
        try await b.send(.bye)
        #expect(try await a.receive() == .candidate(SignalingMessageTests.candidate))
        #expect(try await a.receive() == .bye)
        await b.close()
        #expect(try await a.receive() == nil)  // the other side went away
        await a.close()
    }

    @Test func tcpPairExchangesMessages() async throws {
        let port = Self.freePort()
        try await converse(TcpSocketSignaling(host: "127.0.0.1", port: port), TcpSocketSignaling(host: "127.0.0.1", port: port))
    }

    @Test func unixPairExchangesMessages() async throws {
        let path = NSTemporaryDirectory() + "asyncrtc-signaling-\(UUID().uuidString).sock"
        try await converse(UnixSocketSignaling(path: path), UnixSocketSignaling(path: path))
    }

    @Test func connectingSideGivesUpAfterItsTimeout() async throws {
        let lonely = TcpSocketSignaling(host: "127.0.0.1", port: Self.freePort(), connectTimeout: .milliseconds(300))
        await #expect(throws: (any Error).self) { try await lonely.receive() }
    }
}
