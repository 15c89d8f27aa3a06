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
        try await AsyncRTCTesting.waitUntil(seconds, condition)
    }

    /// Swift offers a 440 Hz tone with one audio codec and a moving VP8 pattern (640x480 with Opus); aiortc decodes,
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
        // 640x480 once (with Opus); the other audio codecs ride with 320x240 to keep the suite short.
        let (width, height) = audioCodec == "opus" ? (640, 480) : (320, 240)
        let pattern = PatternTrack(width: width, height: height)
        let video = try pc.addTransceiver(pattern)
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
        let peak = SignalAnalysis.peakFrequency(samples, sampleRate: rate)
        #expect(abs(peak - 440) <= 2, "the echoed tone peaks at \(peak) Hz")
        let p440 = SignalAnalysis.power(samples, sampleRate: rate, frequency: 440)
        let p1000 = SignalAnalysis.power(samples, sampleRate: rate, frequency: 1000)
        #expect(p440 > 100 * p1000, "and dominates (440: \(p440), 1000: \(p1000))")

        // The video that comes back is our pattern (by content), moving: aiortc decoded and re-encoded it.
        let remoteVideo = try #require(received.first(.video) as? VideoStreamTrack)
        var sizes = Set<String>()
        var offsets = Set<Int>()
        for _ in 0..<30 {
            let frame = try await remoteVideo.recv()
            sizes.insert("\(frame.width)x\(frame.height)")
            let (offset, error) = pattern.identify(frame)
            #expect(error < 16, "the echoed picture is the pattern (mean luma error \(error))")
            offsets.insert(offset)
        }
        #expect(sizes == ["\(width)x\(height)"])
        #expect(offsets.count >= 10, "the bars move: \(offsets.count) distinct positions in 30 frames")

        try await signaling.send(.bye)
        try await peer.wait()
        await signaling.close()
        await pc.close()
        let tracks = try PythonPeer.jsonLines(out).filter { $0["event"] as? String == "track" }.compactMap { $0["kind"] as? String }
        #expect(Set(tracks) == ["audio", "video"])
    }

    /// aiortc offers an 880 Hz tone and a VP8 pattern; Swift answers by echoing the remote tracks and records the
    /// tone to WAV (checked for its peak); aiortc decodes what Swift re-encoded and reports frame counts, size and peak.
    @Test func aiortcOffersAsyncRTCEchoes() async throws {
        let videoCodec = "VP8"
        let port = Int.random(in: 20_000..<60_000)
        let out = URL(fileURLWithPath: NSTemporaryDirectory() + "asyncrtc-media-\(UUID().uuidString).jsonl")
        let signaling = TcpSocketSignaling(host: "127.0.0.1", port: port, acceptTimeout: .seconds(90))
        let peer = try PythonPeer("media_peer.py", ["offer", "127.0.0.1", String(port), out.path, videoCodec])

        let pc = RTCPeerConnection(configuration: Self.configuration)
        // Echo what arrives, and record aiortc's audio to a WAV file on the way (through a relay: one source,
        // two consumers).
        let wav = NSTemporaryDirectory() + "asyncrtc-from-aiortc-\(UUID().uuidString).wav"
        defer { try? FileManager.default.removeItem(atPath: wav) }
        let recorder = try MediaRecorder(file: wav)
        let relay = MediaRelay()
        pc.onTrack = { track, _, _ in
            if track.kind == .audio {
                _ = try? pc.addTrack(relay.subscribe(track))
                recorder.addTrack(relay.subscribe(track))
            } else {
                _ = try? pc.addTrack(track)
            }
        }
        guard case .description(let offer)? = try await signaling.receive() else {
            Issue.record("expected aiortc's offer")
            return
        }
        try await pc.setRemoteDescription(offer)
        try await pc.setLocalDescription()
        try await signaling.send(.description(try #require(pc.localDescription)))
        #expect(pc.localDescription?.sdp.contains("\(videoCodec)/90000") == true)

        try await recorder.start()

        guard case .bye? = try await signaling.receive() else {
            Issue.record("expected bye")
            return
        }
        await recorder.stop()
        try await peer.wait()
        await signaling.close()
        await pc.close()

        // Swift recorded aiortc's tone: the WAV's spectral peak is at 880 Hz.
        #expect(recorder.lastError == nil && recorder.framesWritten >= 100)
        let player = try MediaPlayer(file: wav)
        let recorded = try #require(player.audio as? AudioStreamTrack)
        var samples: [Int16] = []
        var rate = 48_000
        for n in 0..<100 {
            guard let frame = try? await recorded.recv() else { break }
            rate = frame.sampleRate
            if n >= 50 { samples += SignalAnalysis.firstChannel(frame) }
        }
        player.stop()
        let heardPeak = SignalAnalysis.peakFrequency(samples, sampleRate: rate)
        #expect(abs(heardPeak - 880) <= 2, "the WAV Swift recorded peaks at \(heardPeak) Hz")

        let summary = try #require(try PythonPeer.jsonLines(out).first { $0["event"] as? String == "summary" })
        let audioFrames = summary["audioFrames"] as? Int ?? 0
        let videoFrames = summary["videoFrames"] as? Int ?? 0
        #expect(audioFrames >= 150, "aiortc decoded \(audioFrames) audio frames")
        #expect(videoFrames >= 60, "aiortc decoded \(videoFrames) video frames")
        #expect(summary["videoSizes"] as? [String] == ["320x240"])
        let peak = summary["peakFrequency"] as? Double ?? 0
        #expect(abs(peak - 880) <= 2, "aiortc hears its 880 Hz tone in Swift's echo, peak at \(peak) Hz")
        let p880 = summary["power880"] as? Double ?? 0
        let p440 = summary["power440"] as? Double ?? 0
        #expect(p880 > 100 * p440, "and it dominates (880: \(p880), 440: \(p440))")
    }
}
