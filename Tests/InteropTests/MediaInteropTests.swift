import AsyncRTC
import AsyncRTCContrib
import AsyncRTCTesting
import Foundation
import Synchronization
import Testing

/// Audio and video between AsyncRTC and a real aiortc (pinned, from PyPI), both roles, over loopback UDP.
/// What is checked is the decoded signal: the tone's frequency and the video frames' size and count.
@Suite(.enabled(if: PythonPeer.isAvailable), .serialized, .timeLimit(.minutes(3)))
struct MediaInteropTests {
    static let configuration = RTCConfiguration(loopbackOnly: true)

    final class Tracks: Sendable {
        let tracks = Mutex<[MediaStreamTrack]>([])
        func first(_ kind: MediaKind) -> MediaStreamTrack? { tracks.withLock { $0.first { $0.kind == kind } } }
    }

    static func waitUntil(_ seconds: Double = 30, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while !condition() && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
    }

    /// Swift offers a 440 Hz tone with one audio codec and a moving 320x240 VP8 pattern; aiortc decodes,
    /// re-encodes and sends both back; Swift decodes the echo and finds the tone and the size. (aiortc 1.16 has
    /// VP8 and H.264 only: VP9 is tested between AsyncRTC peers and with the browser.)
    @Test(arguments: ["opus", "PCMU", "PCMA", "G722"])
    func asyncRTCOffersAiortcEchoes(audioCodec: String) async throws {
        let videoCodec = "VP8"
        let port = Int.random(in: 20_000..<60_000)
        let out = URL(fileURLWithPath: NSTemporaryDirectory() + "asyncrtc-media-\(UUID().uuidString).jsonl")
        let signaling = TcpSocketSignaling(host: "127.0.0.1", port: port, acceptTimeout: .seconds(90))
        let peer = try PythonPeer("media_peer.py", ["answer", "127.0.0.1", String(port), out.path])

        let pc = RTCPeerConnection(configuration: Self.configuration)
        let received = Tracks()
        pc.onTrack = { track, _, _ in received.tracks.withLock { $0.append(track) } }
        let audioTransceiver = try pc.addTransceiver(SineTrack(frequency: 440))
        try audioTransceiver.setCodecPreferences(RTCRtpSender.getCapabilities(.audio).codecs.filter { $0.name == audioCodec })
        let video = try pc.addTransceiver(PatternTrack(width: 320, height: 240))
        try video.setCodecPreferences(RTCRtpSender.getCapabilities(.video).codecs.filter { $0.mimeType == "video/\(videoCodec)" })

        try await pc.setLocalDescription()
        try await signaling.send(.description(try #require(pc.localDescription)))
        guard case .description(let answer)? = try await signaling.receive() else {
            Issue.record("expected aiortc's answer")
            return
        }
        try await pc.setRemoteDescription(answer)
        #expect(answer.sdp.contains("\(videoCodec)/90000") && answer.sdp.contains(" \(audioCodec)/"))
        try await Self.waitUntil { pc.connectionState == .connected }
        try #require(pc.connectionState == .connected)

        let audio = try #require(received.first(.audio) as? AudioStreamTrack)
        var samples: [Int16] = []
        var rate = 48_000
        for n in 0..<100 {
            let frame = try await audio.recv()
            rate = frame.sampleRate
            if n >= 50 { samples += SignalAnalysis.firstChannel(frame) }
        }
        let p440 = SignalAnalysis.power(samples, sampleRate: rate, frequency: 440)
        let p1000 = SignalAnalysis.power(samples, sampleRate: rate, frequency: 1000)
        #expect(p440 > 100 * p1000, "the echoed tone keeps its 440 Hz peak (440: \(p440), 1000: \(p1000))")

        let remoteVideo = try #require(received.first(.video) as? VideoStreamTrack)
        var sizes = Set<String>()
        for _ in 0..<30 {
            let frame = try await remoteVideo.recv()
            sizes.insert("\(frame.width)x\(frame.height)")
        }
        #expect(sizes == ["320x240"])

        try await signaling.send(.bye)
        try await peer.wait()
        await signaling.close()
        await pc.close()
        let tracks = try PythonPeer.jsonLines(out).filter { $0["event"] as? String == "track" }.compactMap { $0["kind"] as? String }
        #expect(Set(tracks) == ["audio", "video"])
    }

    /// aiortc offers a tone and a VP8 pattern; Swift answers by echoing the remote tracks; aiortc decodes what
    /// Swift re-encoded and reports frame counts, size and the tone's peak.
    @Test func aiortcOffersAsyncRTCEchoes() async throws {
        let videoCodec = "VP8"
        let port = Int.random(in: 20_000..<60_000)
        let out = URL(fileURLWithPath: NSTemporaryDirectory() + "asyncrtc-media-\(UUID().uuidString).jsonl")
        let signaling = TcpSocketSignaling(host: "127.0.0.1", port: port, acceptTimeout: .seconds(90))
        let peer = try PythonPeer("media_peer.py", ["offer", "127.0.0.1", String(port), out.path, videoCodec])

        let pc = RTCPeerConnection(configuration: Self.configuration)
        pc.onTrack = { track, _, _ in _ = try? pc.addTrack(track) }
        guard case .description(let offer)? = try await signaling.receive() else {
            Issue.record("expected aiortc's offer")
            return
        }
        try await pc.setRemoteDescription(offer)
        try await pc.setLocalDescription()
        try await signaling.send(.description(try #require(pc.localDescription)))
        #expect(pc.localDescription?.sdp.contains("\(videoCodec)/90000") == true)

        guard case .bye? = try await signaling.receive() else {
            Issue.record("expected bye")
            return
        }
        try await peer.wait()
        await signaling.close()
        await pc.close()

        let summary = try #require(try PythonPeer.jsonLines(out).first { $0["event"] as? String == "summary" })
        let audioFrames = summary["audioFrames"] as? Int ?? 0
        let videoFrames = summary["videoFrames"] as? Int ?? 0
        #expect(audioFrames >= 150, "aiortc decoded \(audioFrames) audio frames")
        #expect(videoFrames >= 60, "aiortc decoded \(videoFrames) video frames")
        #expect(summary["videoSizes"] as? [String] == ["320x240"])
        let p440 = summary["power440"] as? Double ?? 0
        let p1000 = summary["power1000"] as? Double ?? 0
        #expect(p440 > 100 * p1000, "aiortc hears 440 Hz in Swift's echo (440: \(p440), 1000: \(p1000))")
    }
}
