@_spi(Testing) @testable import AsyncRTC
import AsyncRTCContrib
import AsyncRTCTesting
import Foundation
import Testing

/// The first things an aiortc user does with media, written the way a user would write them (issue 4): each test
/// body is the handful of lines of application code, plus the checks.
@Suite(.serialized) struct FirstTasksTests {
    static let configuration = RTCConfiguration(loopbackOnly: true)
    typealias Media = PeerConnectionMediaTests

    /// Receive a remote audio track and save it to WAV.
    @Test func receiveARemoteAudioTrackAndSaveItToWAV() async throws {
        let pc = RTCPeerConnection(configuration: Self.configuration)
        let peer = RTCPeerConnection(configuration: Self.configuration)
        try peer.addTrack(SineTrack(frequency: 440))
        let path = NSTemporaryDirectory() + "asyncrtc-received-\(UUID().uuidString).wav"
        defer { try? FileManager.default.removeItem(atPath: path) }

        // — the application's lines —
        let recorder = try MediaRecorder(file: path)
        pc.onTrack = { track, _, _ in recorder.addTrack(track) }
        try pc.addTransceiver(kind: .audio, direction: .recvonly)
        try await Media.negotiate(pc, peer)
        try await recorder.start()
        try await Media.waitUntil(30) { recorder.framesWritten >= 100 }  // two seconds of audio
        await recorder.stop()
        // —

        #expect(recorder.lastError == nil)
        let player = try MediaPlayer(file: path)
        let track = try #require(player.audio as? AudioStreamTrack)
        var samples: [Int16] = []
        var rate = 48_000
        for n in 0..<90 {
            guard let frame = try? await track.recv() else { break }
            rate = frame.sampleRate
            if n >= 40 { samples += SignalAnalysis.firstChannel(frame) }  // after start-up
        }
        player.stop()
        let peak = SignalAnalysis.peakFrequency(samples, sampleRate: rate)
        #expect(abs(peak - 440) <= 2, "the WAV file holds the 440 Hz tone (peak at \(peak) Hz)")
        await pc.close()
        await peer.close()
    }

    /// Transmit audio, swap the source with replaceTrack, read packetsSent/bytesSent and the supported codecs.
    @Test func transmitAudioSwapTheSourceAndReadTheCounters() async throws {
        let pc = RTCPeerConnection(configuration: Self.configuration)
        let peer = RTCPeerConnection(configuration: Self.configuration)

        // — the application's lines —
        let codecs = RTCRtpSender.getCapabilities(.audio).codecs.map(\.mimeType)
        let sender = try pc.addTrack(SineTrack(frequency: 440))
        try await Media.negotiate(pc, peer)
        try await Media.waitUntil(30) { sender.state.withLock { $0.counters.packetsSent } >= 50 }
        try await sender.replaceTrack(SineTrack(frequency: 880))
        try await Media.waitUntil(30) { sender.state.withLock { $0.counters.packetsSent } >= 100 }
        let outbound = await sender.getStats().stats(of: RTCOutboundRtpStreamStats.self).first
        // —

        #expect(codecs == ["audio/opus", "audio/G722", "audio/PCMU", "audio/PCMA"])
        let stats = try #require(outbound)
        #expect(stats.packetsSent >= 100 && stats.bytesSent > stats.packetsSent * 10)
        #expect(stats.kind == "audio" && stats.codecId != nil)
        #expect(pc.signalingState == .stable, "replaceTrack needed no renegotiation")
        await pc.close()
        await peer.close()
    }

    /// Stream video, read packet loss and RTT from stats, and lower frame rate and bitrate when loss exceeds 5 %.
    @Test func lowerFrameRateAndBitrateWhenLossExceedsFivePercent() async throws {
        let pc = RTCPeerConnection(configuration: Self.configuration)
        let peer = RTCPeerConnection(configuration: Self.configuration)
        let sender = try pc.addTrack(PatternTrack(width: 320, height: 240))
        try await pc.setLocalDescription()
        try await peer.setRemoteDescription(try #require(pc.localDescription))
        try await peer.setLocalDescription()
        try await peer.setImpairment("loss=0.15,seed=5")  // what the peer receives: our video, 15 % lost
        try await pc.setRemoteDescription(try #require(peer.localDescription))

        // — the application's lines —
        var adapted = false
        var roundTripTime: Double?
        for _ in 0..<300 where !adapted || roundTripTime == nil {
            try await Task.sleep(for: .milliseconds(100))
            guard let remote = await pc.getStats().stats(of: RTCRemoteInboundRtpStreamStats.self).first else { continue }
            roundTripTime = remote.roundTripTime ?? roundTripTime
            if remote.fractionLost > 0.05 && !adapted {
                var parameters = sender.getParameters()
                parameters.encodings[0].maxBitrate = 200_000
                parameters.encodings[0].maxFramerate = 15
                try await sender.setParameters(parameters)
                adapted = true
            }
        }
        // —

        #expect(adapted, "the peer's receiver reports showed the loss")
        #expect(roundTripTime != nil)
        try await Media.waitUntil(30) { sender.state.withLock { $0.counters.targetBitrate } == 200_000 }
        let stats = try #require(await sender.getStats().stats(of: RTCOutboundRtpStreamStats.self).first)
        #expect(stats.targetBitrate == 200_000)
        #expect(sender.getParameters().encodings[0].maxFramerate == 15)
        // Video keeps flowing at the lower rate.
        let before = sender.state.withLock { $0.counters.framesEncoded }
        try await Media.waitUntil(30) { sender.state.withLock { $0.counters.framesEncoded } >= before + 10 }
        await pc.close()
        await peer.close()
    }
}
