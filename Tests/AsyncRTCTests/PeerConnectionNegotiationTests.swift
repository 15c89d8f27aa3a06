@testable import AsyncRTC
import AsyncRTCTesting
import Foundation
import Synchronization
import Testing

/// Media negotiation beyond the first offer/answer: renegotiation after connect, negotiationneeded, rollback,
/// replaceTrack, removeTrack, setParameters, and the codec lists of the answer.
@Suite(.serialized) struct PeerConnectionNegotiationTests {
    static let configuration = RTCConfiguration(loopbackOnly: true)
    typealias Media = PeerConnectionMediaTests

    final class Counter: Sendable {
        let value = Mutex(0)
        func bump() { value.withLock { $0 += 1 } }
        var count: Int { value.withLock { $0 } }
    }

    /// The tone's dominant frequency among `candidates` in the next second of `track`.
    static func dominant(_ track: AudioStreamTrack, among candidates: [Double]) async throws -> Double {
        var samples: [Int16] = []
        var rate = 48_000
        for _ in 0..<50 {
            let frame = try await track.recv()
            rate = frame.sampleRate
            samples += SignalAnalysis.firstChannel(frame)
        }
        let tail = Array(samples.suffix(samples.count / 2))
        return candidates.max { SignalAnalysis.power(tail, sampleRate: rate, frequency: $0) <
                                SignalAnalysis.power(tail, sampleRate: rate, frequency: $1) } ?? 0
    }

    @Test func videoAddedAfterConnectArrivesThroughRenegotiation() async throws {
        let offerer = RTCPeerConnection(configuration: Self.configuration)
        let answerer = RTCPeerConnection(configuration: Self.configuration)
        let tracks = Media.Tracks()
        answerer.onTrack = { track, _, streams in tracks.add(track, streams) }
        let needed = Counter()
        offerer.onNegotiationNeeded = { needed.bump() }
        _ = try offerer.createDataChannel("keepalive")
        try offerer.addTrack(SineTrack())
        #expect(needed.count == 1)
        try await Media.negotiate(offerer, answerer)
        try await Media.waitUntil { offerer.connectionState == .connected }
        #expect(tracks.count == 1)

        // A new track on a connected connection: negotiationneeded, a second offer with the section appended.
        try offerer.addTrack(PatternTrack(width: 160, height: 120))
        #expect(needed.count == 2)
        try await Media.negotiate(offerer, answerer)
        let offer = try #require(offerer.localDescription?.sdp)
        #expect(offer.contains("a=group:BUNDLE 0 1 2"), "the data section keeps its place, video is appended")
        #expect(offer.range(of: "m=application")!.lowerBound < offer.range(of: "m=video")!.lowerBound)
        #expect(tracks.count == 2)
        let video = try #require(tracks.first(.video) as? VideoStreamTrack)
        for _ in 0..<10 {
            let frame = try await video.recv()
            #expect(frame.width == 160 && frame.height == 120)
        }
        await offerer.close()
        await answerer.close()
    }

    @Test func aMediaOnlyConnectionRunsNoSCTPUntilAChannelIsNegotiated() async throws {
        let offerer = RTCPeerConnection(configuration: Self.configuration)
        let answerer = RTCPeerConnection(configuration: Self.configuration)
        let tracks = Media.Tracks()
        answerer.onTrack = { track, _, streams in tracks.add(track, streams) }
        let needed = Counter()
        offerer.onNegotiationNeeded = { needed.bump() }
        try offerer.addTrack(SineTrack())
        try await Media.negotiate(offerer, answerer)
        try await Media.waitUntil { offerer.connectionState == .connected && answerer.connectionState == .connected }
        #expect(needed.count == 1)
        #expect(offerer.localDescription?.sdp.contains("m=application") == false)
        #expect(answerer.localDescription?.sdp.contains("m=application") == false)
        let audio = try #require(tracks.first(.audio) as? AudioStreamTrack)
        _ = try await audio.recv()
        #expect(offerer.state.withLock { $0.transport }?.sctp == nil)
        #expect(answerer.state.withLock { $0.transport }?.sctp == nil)

        // The first channel asks for a renegotiation; the new offer appends the data section and SCTP comes up
        // over the running DTLS.
        let received = Mutex<[String]>([])
        answerer.onDataChannel = { channel in
            channel.onMessage = { message in
                if case .text(let text) = message { received.withLock { $0.append(text) } }
            }
        }
        let channel = try offerer.createDataChannel("late")
        #expect(needed.count == 2)
        try await Media.negotiate(offerer, answerer)
        let offer = try #require(offerer.localDescription?.sdp)
        #expect(offer.contains("a=group:BUNDLE 0 1") && offer.contains("m=application"))
        try await Media.waitUntil { channel.readyState == .open }
        for n in 0..<5 { try channel.send("after renegotiation \(n)") }
        try await Media.waitUntil { received.withLock { $0.count } == 5 }
        #expect(received.withLock { $0 } == (0..<5).map { "after renegotiation \($0)" })
        // The media kept flowing.
        _ = try await audio.recv()
        await offerer.close()
        await answerer.close()
    }

    @Test func rollbackOfALocalOfferAndOfARemoteOfferRestoresStable() async throws {
        let a = RTCPeerConnection(configuration: Self.configuration)
        let b = RTCPeerConnection(configuration: Self.configuration)
        try a.addTrack(SineTrack())
        let offer = try await a.createOffer()
        try await a.setLocalDescription(offer)
        #expect(a.signalingState == .haveLocalOffer)
        try await a.setLocalDescription(RTCSessionDescription(sdp: "", type: .rollback))
        #expect(a.signalingState == .stable && a.localDescription == nil)

        try await b.setRemoteDescription(offer)
        #expect(b.getTransceivers().count == 1, "the remote offer created a recvonly transceiver")
        try await b.setRemoteDescription(RTCSessionDescription(sdp: "", type: .rollback))
        #expect(b.signalingState == .stable && b.remoteDescription == nil)
        #expect(b.getTransceivers().isEmpty, "rollback removes what the offer created")
        await #expect(throws: RTCError.self) {
            try await b.setRemoteDescription(RTCSessionDescription(sdp: "", type: .rollback))
        }

        // After the rollback the same offer negotiates normally.
        try await a.setLocalDescription(try await a.createOffer())
        try await b.setRemoteDescription(try #require(a.localDescription))
        try await b.setLocalDescription(try await b.createAnswer())
        try await a.setRemoteDescription(try #require(b.localDescription))
        #expect(a.signalingState == .stable && b.signalingState == .stable)
        await a.close()
        await b.close()
    }

    @Test func replaceTrackSwitchesTheToneWithoutRenegotiation() async throws {
        let offerer = RTCPeerConnection(configuration: Self.configuration)
        let answerer = RTCPeerConnection(configuration: Self.configuration)
        let tracks = Media.Tracks()
        answerer.onTrack = { track, _, streams in tracks.add(track, streams) }
        let sender = try offerer.addTrack(SineTrack(frequency: 440))
        try await Media.negotiate(offerer, answerer)
        let audio = try #require(tracks.first(.audio) as? AudioStreamTrack)
        #expect(try await Self.dominant(audio, among: [440, 1000]) == 440)
        let sdpBefore = offerer.localDescription?.sdp
        try await sender.replaceTrack(SineTrack(frequency: 1000))
        _ = try await Self.dominant(audio, among: [440, 1000])  // let the switch pass through the jitter buffer
        #expect(try await Self.dominant(audio, among: [440, 1000]) == 1000)
        #expect(offerer.localDescription?.sdp == sdpBefore && offerer.signalingState == .stable)
        await #expect(throws: RTCError.self) { try await sender.replaceTrack(PatternTrack()) }
        await offerer.close()
        await answerer.close()
    }

    @Test func maxBitrateCapsTheVideoEncoder() async throws {
        let offerer = RTCPeerConnection(configuration: Self.configuration)
        let answerer = RTCPeerConnection(configuration: Self.configuration)
        let sender = try offerer.addTrack(PatternTrack(width: 320, height: 240))
        try await Media.negotiate(offerer, answerer)
        var parameters = sender.getParameters()
        parameters.encodings[0].maxBitrate = 150_000
        parameters.encodings[0].scaleResolutionDownBy = 2
        try await sender.setParameters(parameters)
        try await Media.waitUntil(30) {
            sender.state.withLock { $0.counters.targetBitrate == 150_000 && $0.counters.frameWidth == 160 }
        }
        let stats = await sender.getStats().stats(of: RTCOutboundRtpStreamStats.self).first
        #expect(stats?.targetBitrate == 150_000)
        #expect(stats?.frameWidth == 160 && stats?.frameHeight == 120)
        parameters.encodings.append(RTCRtpEncodingParameters())
        await #expect(throws: RTCError.self) { try await sender.setParameters(parameters) }
        await offerer.close()
        await answerer.close()
    }

    @Test func removeTrackTurnsTheSectionRecvonlyAndStopsSending() async throws {
        let offerer = RTCPeerConnection(configuration: Self.configuration)
        let answerer = RTCPeerConnection(configuration: Self.configuration)
        let sender = try offerer.addTrack(SineTrack())
        try await Media.negotiate(offerer, answerer)
        try await Media.waitUntil { sender.state.withLock { $0.counters.packetsSent } > 10 }
        try await offerer.removeTrack(sender)
        #expect(sender.track == nil)
        #expect(offerer.getTransceivers().first?.direction == .recvonly)
        try await Media.negotiate(offerer, answerer)
        #expect(offerer.localDescription?.sdp.contains("a=recvonly") == true)
        #expect(answerer.getTransceivers().first?.currentDirection == .inactive)
        let sent = sender.state.withLock { $0.counters.packetsSent }
        try await Task.sleep(for: .milliseconds(300))
        #expect(sender.state.withLock { $0.counters.packetsSent } == sent)
        await offerer.close()
        await answerer.close()
    }

    @Test func answerKeepsTheOfferPayloadTypesAndDropsUnknownCodecs() async throws {
        let answerer = RTCPeerConnection(configuration: Self.configuration)
        let offerer = RTCPeerConnection(configuration: Self.configuration)
        try offerer.addTrack(SineTrack())
        let offer = try await offerer.createOffer()
        // Rewrite Opus to payload type 109 and add a codec we do not have.
        let sdp = offer.sdp
            .replacingOccurrences(of: "UDP/TLS/RTP/SAVPF 111 ", with: "UDP/TLS/RTP/SAVPF 109 120 ")
            .replacingOccurrences(of: "a=rtpmap:111 opus/48000/2", with: "a=rtpmap:109 opus/48000/2\r\na=rtpmap:120 ISAC/16000")
            .replacingOccurrences(of: "a=fmtp:111 ", with: "a=fmtp:109 ")
        try await answerer.setRemoteDescription(RTCSessionDescription(sdp: sdp, type: .offer))
        let answer = try await answerer.createAnswer()
        #expect(answer.sdp.contains("a=rtpmap:109 opus/48000/2"))
        #expect(!answer.sdp.contains("ISAC") && !answer.sdp.contains(" 120"))
        await answerer.close()
        await offerer.close()
    }
}
