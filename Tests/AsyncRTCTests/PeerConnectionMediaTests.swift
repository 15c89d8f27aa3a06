@testable import AsyncRTC
import AsyncRTCTesting
import Foundation
import RTCTransport
import Testing

/// Audio and video between two RTCPeerConnections in one process over real UDP on loopback: negotiation, SRTP,
/// codecs, payloaders, jitter buffers — checked on the decoded signal, not on "connected".
@Suite(.serialized) struct PeerConnectionMediaTests {
    static let configuration = RTCConfiguration(loopbackOnly: true)

    static func waitUntil(_ seconds: Double = 20, _ condition: () -> Bool) async throws {
        try await AsyncRTCTesting.waitUntil(seconds, condition)
    }

    /// The remote tracks a connection announced through onTrack.
    final class Tracks: Sendable {
        let tracks = Locked<[(MediaStreamTrack, [String])]>([])
        func add(_ t: MediaStreamTrack, _ streams: [String]) { tracks.withLock { $0.append((t, streams)) } }
        func first(_ kind: MediaKind) -> MediaStreamTrack? { tracks.withLock { $0.first { $0.0.kind == kind }?.0 } }
        var count: Int { tracks.withLock { $0.count } }
    }

    static func negotiate(_ offerer: RTCPeerConnection, _ answerer: RTCPeerConnection) async throws {
        try await offerer.setLocalDescription(try await offerer.createOffer())
        try await answerer.setRemoteDescription(try #require(offerer.localDescription))
        try await answerer.setLocalDescription(try await answerer.createAnswer())
        try await offerer.setRemoteDescription(try #require(answerer.localDescription))
    }

    /// Reads audio frames for about `frames` × 20 ms; returns the first channel of frames 25..<frames.
    static func collectAudio(_ track: AudioStreamTrack, frames: Int) async throws -> (samples: [Int16], rate: Int, count: Int) {
        var samples: [Int16] = []
        var rate = 0
        var count = 0
        while count < frames {
            let frame = try await track.recv()
            count += 1
            rate = frame.sampleRate
            if count > 25 { samples += SignalAnalysis.firstChannel(frame) }
        }
        return (samples, rate, count)
    }

    @Test func offerCarriesAudioVideoAndDataBundledWithCodecsAndSSRCs() async throws {
        let pc = RTCPeerConnection(configuration: Self.configuration)
        try pc.addTrack(SineTrack())
        try pc.addTransceiver(kind: .video, direction: .recvonly)
        // Media only: no data section (browsers and aiortc offer one only once a channel exists).
        let mediaOnly = try await pc.createOffer().sdp
        #expect(mediaOnly.contains("a=group:BUNDLE 0 1\r\n") && !mediaOnly.contains("m=application"))
        _ = try pc.createDataChannel("chat")
        let offer = try await pc.createOffer()
        let sdp = offer.sdp
        #expect(sdp.contains("a=group:BUNDLE 0 1 2"))
        #expect(sdp.contains("m=audio ") && sdp.contains("m=video ") && sdp.contains("m=application "))
        #expect(sdp.contains("a=rtpmap:111 opus/48000/2") && sdp.contains("a=rtpmap:96 VP8/90000"))
        #expect(sdp.contains("a=rtpmap:97 rtx/90000") && sdp.contains("a=fmtp:97 apt=96"))
        #expect(sdp.contains("a=rtcp-fb:96 nack pli"))
        #expect(sdp.contains("a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid"))
        #expect(sdp.contains("a=sendrecv") && sdp.contains("a=recvonly"))
        let sender = try #require(pc.getSenders().first)
        #expect(sdp.contains("a=ssrc:\(sender.ssrc) cname:"))
        #expect(pc.getTransceivers().map(\.mid) == ["0", "1"])
        await pc.close()
    }

    @Test func audioAndVideoCrossBothWaysAndDecode() async throws {
        let offerer = RTCPeerConnection(configuration: Self.configuration)
        let answerer = RTCPeerConnection(configuration: Self.configuration)
        let atOfferer = Tracks(), atAnswerer = Tracks()
        offerer.onTrack = { track, _, streams in atOfferer.add(track, streams) }
        answerer.onTrack = { track, _, streams in atAnswerer.add(track, streams) }

        try offerer.addTrack(SineTrack(frequency: 440))
        let pattern = PatternTrack(width: 320, height: 240)
        try offerer.addTrack(pattern)
        try answerer.addTrack(SineTrack(frequency: 1000))
        try answerer.addTrack(PatternTrack(width: 160, height: 120))
        try await Self.negotiate(offerer, answerer)

        #expect(atAnswerer.count == 2 && atOfferer.count == 2)
        #expect(answerer.getTransceivers().count == 2, "addTrack's transceivers are reused by the answer")
        try await Self.waitUntil { offerer.connectionState == .connected && answerer.connectionState == .connected }
        try #require(offerer.connectionState == .connected)

        let audioAtAnswerer = try #require(atAnswerer.first(.audio) as? AudioStreamTrack)
        let audioAtOfferer = try #require(atOfferer.first(.audio) as? AudioStreamTrack)
        let (a, rateA, _) = try await Self.collectAudio(audioAtAnswerer, frames: 75)
        let (b, rateB, _) = try await Self.collectAudio(audioAtOfferer, frames: 75)
        // Each side hears the other's tone: the spectral peak is at its frequency (± 2 Hz), and it dominates.
        let peakA = SignalAnalysis.peakFrequency(a, sampleRate: rateA)
        let peakB = SignalAnalysis.peakFrequency(b, sampleRate: rateB)
        #expect(abs(peakA - 440) <= 2, "peak at \(peakA) Hz")
        #expect(abs(peakB - 1000) <= 2, "peak at \(peakB) Hz")
        #expect(SignalAnalysis.power(a, sampleRate: rateA, frequency: 440) >
                100 * SignalAnalysis.power(a, sampleRate: rateA, frequency: 1000))

        let videoAtAnswerer = try #require(atAnswerer.first(.video) as? VideoStreamTrack)
        let videoAtOfferer = try #require(atOfferer.first(.video) as? VideoStreamTrack)
        // The content, not just the count: each decoded frame is the pattern at the offset its timestamp implies.
        var first: (offset: Int, pts: Int64)?
        for _ in 0..<20 {
            let frame = try await videoAtAnswerer.recv()
            #expect(frame.width == 320 && frame.height == 240)
            let (offset, error) = pattern.identify(frame)
            #expect(error < 12, "the picture is the pattern (mean luma error \(error))")
            let pts = try #require(frame.pts)
            if let first {
                let elapsed = UInt32(truncatingIfNeeded: pts) &- UInt32(truncatingIfNeeded: first.pts)  // RTP clock, wraps
                let frames = (Int(elapsed) + 1500) / 3000
                #expect(offset == PatternTrack.offset(after: first.offset, frames: frames), "bars moved with time")
            } else {
                first = (offset, pts)
            }
        }
        for _ in 0..<20 {
            let frame = try await videoAtOfferer.recv()
            #expect(frame.width == 160 && frame.height == 120)
        }

        // Stats with W3C names and units; RTT appears once a report block about our stream came back.
        try await Self.waitUntil(30) {
            let senders = offerer.getSenders()
            return senders.allSatisfy { $0.state.withLock { $0.roundTripTime } != nil }
        }
        let report = await offerer.getStats()
        let outbound = report.stats(of: RTCOutboundRtpStreamStats.self)
        let inbound = report.stats(of: RTCInboundRtpStreamStats.self)
        #expect(Set(outbound.map(\.kind)) == ["audio", "video"] && Set(inbound.map(\.kind)) == ["audio", "video"])
        for o in outbound {
            #expect(o.packetsSent > 0 && o.bytesSent > 0 && o.framesEncoded > 0 && o.codecId != nil)
        }
        #expect(outbound.first { $0.kind == "video" }?.frameWidth == 320)
        for i in inbound {
            #expect(i.packetsReceived > 0 && i.framesDecoded > 0)
            #expect(i.jitter >= 0 && i.jitter < 1, "jitter is in seconds")
        }
        #expect(inbound.first { $0.kind == "video" }?.frameHeight == 120)
        let remoteInbound = report.stats(of: RTCRemoteInboundRtpStreamStats.self)
        #expect(!remoteInbound.isEmpty && remoteInbound.allSatisfy { ($0.roundTripTime ?? -1) >= 0 })
        #expect(report.stats(of: RTCCodecStats.self).contains { $0.mimeType == "audio/opus" })

        await offerer.close()
        await answerer.close()
    }

    @Test func vp9IsUsedWhenPreferredAndDecodes() async throws {
        let offerer = RTCPeerConnection(configuration: Self.configuration)
        let answerer = RTCPeerConnection(configuration: Self.configuration)
        let atAnswerer = Tracks()
        answerer.onTrack = { track, _, streams in atAnswerer.add(track, streams) }
        let transceiver = try offerer.addTransceiver(PatternTrack(width: 320, height: 240), direction: .sendonly)
        let vp9 = RTCRtpSender.getCapabilities(.video).codecs.filter { $0.mimeType == "video/VP9" }
        try transceiver.setCodecPreferences(vp9)
        try await Self.negotiate(offerer, answerer)
        let offer = try #require(offerer.localDescription?.sdp)
        #expect(offer.contains("VP9/90000") && !offer.contains("VP8/90000"))
        #expect(answerer.getTransceivers().first?.currentDirection == .recvonly)
        let video = try #require(atAnswerer.first(.video) as? VideoStreamTrack)
        for _ in 0..<15 {
            let frame = try await video.recv()
            #expect(frame.width == 320 && frame.height == 240)
        }
        await offerer.close()
        await answerer.close()
    }

    /// 640x480 at 30 fps for 10 s, VP8 and VP9: the receiver decodes ≥ 95 % of the frames sent, at the right size
    /// and with the right content.
    @Test(arguments: ["VP8", "VP9"])
    func tenSecondsOf640x480DecodeAtLeast95Percent(codec: String) async throws {
        let offerer = RTCPeerConnection(configuration: Self.configuration)
        let answerer = RTCPeerConnection(configuration: Self.configuration)
        let tracks = Tracks()
        answerer.onTrack = { track, _, streams in tracks.add(track, streams) }
        let pattern = PatternTrack(width: 640, height: 480)
        let transceiver = try offerer.addTransceiver(pattern, direction: .sendonly)
        try transceiver.setCodecPreferences(RTCRtpSender.getCapabilities(.video).codecs.filter { $0.name == codec })
        try await Self.negotiate(offerer, answerer)
        let video = try #require(tracks.first(.video) as? VideoStreamTrack)
        let received = Locked(0), wrong = Locked(0)
        let consumer = Task {
            while let frame = try? await video.recv() {
                received.withLock { $0 += 1 }
                if frame.width != 640 || frame.height != 480 || pattern.identify(frame).error >= 12 { wrong.withLock { $0 += 1 } }
            }
        }
        try await Task.sleep(for: .seconds(10))
        let sender = transceiver.sender
        let encoded = sender.state.withLock { $0.counters.framesEncoded }
        try await Self.waitUntil(5) { received.withLock { $0 } >= encoded }  // the last frames in flight
        let decoded = received.withLock { $0 }
        #expect(encoded > 0 && Double(decoded) >= 0.95 * Double(encoded), "\(decoded) of \(encoded) frames decoded")
        #expect(wrong.withLock { $0 } == 0, "every frame 640x480 and the pattern")
        consumer.cancel()
        await offerer.close()
        await answerer.close()
    }

    /// A video source that remembers the pts of every frame it hands out (PatternTrack's pictures).
    final class CountedVideoTrack: VideoStreamTrack, @unchecked Sendable {
        // @unchecked: the wrapped track is Sendable; `produced` sits behind a lock.
        let pattern: PatternTrack
        let produced = Locked<[Int64]>([])
        init(width: Int, height: Int) {
            pattern = PatternTrack(width: width, height: height)
            super.init()
        }
        override func recv() async throws -> VideoFrame {
            let frame = try await pattern.recv()
            produced.withLock { $0.append(frame.pts ?? -1) }
            return frame
        }
    }

    /// Regression: benchmark scenario 4 (Opus beside VP8 640x480 at 30 fps, as two processes) received 5–6 video
    /// frames a second. Every frame the source produced must come out of the receiver's decoder: over five seconds
    /// of media (counted on the media clock, not the wall clock, so a loaded machine only slows it down), the
    /// frames decoded are ≥ 90 % of the frames the source handed to the sender in the same span of pts.
    @Test(.timeLimit(.minutes(2)))
    func videoBesideAudioDecodesAtLeast90PercentOfTheFramesSentPerSecondOfMedia() async throws {
        let offerer = RTCPeerConnection(configuration: Self.configuration)
        let answerer = RTCPeerConnection(configuration: Self.configuration)
        let tracks = Tracks()
        answerer.onTrack = { track, _, streams in tracks.add(track, streams) }
        try offerer.addTrack(SineTrack())
        let source = CountedVideoTrack(width: 640, height: 480)
        let sender = try offerer.addTrack(source)
        try await Self.negotiate(offerer, answerer)
        let video = try #require(tracks.first(.video) as? VideoStreamTrack)
        let audio = try #require(tracks.first(.audio) as? AudioStreamTrack)
        let audioReader = Task { while (try? await audio.recv()) != nil {} }

        // The receiver's pts are RTP timestamps: the source's pts plus the sender's random offset.
        let offset = sender.state.withLock { $0.timestampOffset }
        var decoded: [Int64] = []
        while true {
            let frame = try await video.recv()
            #expect(frame.width == 640 && frame.height == 480)
            let pts = Int64(UInt32(truncatingIfNeeded: try #require(frame.pts)) &- offset)
            decoded.append(pts)
            if let first = decoded.first, pts - first >= 5 * 90_000 { break }
        }
        let span = try #require(decoded.first)...(try #require(decoded.last))
        let sent = source.produced.withLock { $0.filter { span.contains($0) }.count }
        let seconds = Double(span.upperBound - span.lowerBound) / 90_000
        let decodedPerSecond = Double(decoded.count) / seconds, sentPerSecond = Double(sent) / seconds
        #expect(sent >= 150, "the source produced \(sent) frames in \(seconds) s of media")
        #expect(decodedPerSecond >= 0.9 * sentPerSecond,
                "\(decoded.count) frames decoded of \(sent) sent in \(seconds) s of media")
        audioReader.cancel()
        await offerer.close()
        await answerer.close()
    }

    /// An SFU's receiver forwards encoded frames without decoding them while nobody reads its decoded track; once
    /// someone does, decoding starts at a key frame (asked for with a PLI) and the pictures are right.
    @Test(.timeLimit(.minutes(2)))
    func encodedTapWithoutAReaderSkipsDecodingUntilTheTrackIsRead() async throws {
        let offerer = RTCPeerConnection(configuration: Self.configuration)
        let answerer = RTCPeerConnection(configuration: Self.configuration)
        let taps = Locked<[RemoteEncodedTrack]>([])
        let tracks = Tracks()
        answerer.onTrack = { track, receiver, streams in
            taps.withLock { $0.append(receiver.makeEncodedTrack()) }
            tracks.add(track, streams)
        }
        let pattern = PatternTrack(width: 320, height: 240)
        try offerer.addTransceiver(pattern, direction: .sendonly)
        try await Self.negotiate(offerer, answerer)
        let tap = try #require(taps.withLock { $0.first })
        for _ in 0..<30 { _ = try await tap.recvEncoded() }
        let receiver = try #require(answerer.getReceivers().first)
        #expect(receiver.state.withLock { $0.counters.framesDecoded } == 0, "forwarded, not decoded")

        let video = try #require(tracks.first(.video) as? VideoStreamTrack)
        let keyframesBefore = offerer.getSenders().first?.state.withLock { $0.counters.keyFramesEncoded } ?? 0
        for _ in 0..<10 {
            let frame = try await video.recv()
            #expect(frame.width == 320 && pattern.identify(frame).error < 12)
        }
        let keyframesAfter = offerer.getSenders().first?.state.withLock { $0.counters.keyFramesEncoded } ?? 0
        #expect(keyframesAfter > keyframesBefore, "decoding started at a key frame the receiver asked for")
        #expect(receiver.state.withLock { $0.counters.decodeFailures } == 0)
        await offerer.close()
        await answerer.close()
    }
}
