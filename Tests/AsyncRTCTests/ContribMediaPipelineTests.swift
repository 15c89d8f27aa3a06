@testable import AsyncRTCContrib
import AsyncRTCTesting
import Foundation
import Synchronization
import Testing

/// MediaPlayer, MediaRecorder, MediaBlackhole and MediaRelay with real tracks and peer connections.
@Suite(.serialized) struct ContribMediaPipelineTests {
    typealias M = ContribMedia

    /// An unpaced audio track of `count` numbered frames (the first sample holds the index), then the end.
    final class CountingTrack: AudioStreamTrack, @unchecked Sendable {
        // @unchecked: `index` is touched only by recv(), which one consumer (the relay) calls at a time.
        let count: Int
        private nonisolated(unsafe) var index = 0
        /// Frames flow only once the test has set up every consumer (the relay starts pulling at the first one).
        let started: Mutex<Bool>
        init(count: Int, gated: Bool = false) {
            self.count = count
            self.started = Mutex(!gated)
            super.init()
        }
        func start() { started.withLock { $0 = true } }
        override func recv() async throws -> AudioFrame {
            while !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(1)) }
            guard index < count else { stop(); throw MediaStreamError() }
            defer { index += 1 }
            var frame = AudioFrame(s16: [Int16](repeating: Int16(index), count: 160), layout: .mono, sampleRate: 8000)
            frame.pts = Int64(index * 160)
            frame.timeBase = MediaTimeBase(rate: 8000)
            await Task.yield()
            return frame
        }
    }

    static func negotiate(_ offerer: RTCPeerConnection, _ answerer: RTCPeerConnection) async throws {
        try await offerer.setLocalDescription(try await offerer.createOffer())
        try await answerer.setRemoteDescription(try #require(offerer.localDescription))
        try await answerer.setLocalDescription(try await answerer.createAnswer())
        try await offerer.setRemoteDescription(try #require(answerer.localDescription))
    }

    final class Box<T: Sendable>: Sendable {
        let value: Mutex<T?> = Mutex(nil)
        func set(_ v: T) { value.withLock { $0 = v } }
        var get: T? { value.withLock { $0 } }
    }

    @Test func relayDeliversEveryFrameToTwentySubscribers() async throws {
        let relay = MediaRelay()
        let source = CountingTrack(count: 200, gated: true)
        let subscribers = (0..<20).map { _ in relay.subscribe(source) }
        source.start()
        let received = try await withThrowingTaskGroup(of: [Int16].self) { group in
            for subscriber in subscribers {
                group.addTask {
                    let track = try #require(subscriber as? AudioStreamTrack)
                    var indices: [Int16] = []
                    do { while true { indices.append(try await track.recv().s16Samples[0]) } } catch is MediaStreamError {}
                    return indices
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(received.count == 20)
        for indices in received { #expect(indices == (0..<200).map { Int16($0) }) }
        #expect(subscribers.allSatisfy { $0.readyState == .ended })
    }

    @Test func relayForwardsEncodedFramesWithoutDecoding() async throws {
        let relay = MediaRelay()
        let source = RemoteEncodedTrack(kind: .video, codecMimeType: "video/VP8", capacity: 1000)
        let keyframeRequests = Mutex(0)
        source.onKeyframeRequest = { keyframeRequests.withLock { $0 += 1 } }
        let subscribers = (0..<20).map { _ in relay.subscribe(source) }
        for subscriber in subscribers {
            let encoded = try #require(subscriber as? RemoteEncodedTrack)
            #expect(encoded.codecMimeType == "video/VP8")
        }
        // Each subscriber after the first joins a running relay and asks for a key frame; a subscriber's own
        // request reaches the source too.
        #expect(keyframeRequests.withLock { $0 } == 19)
        (subscribers[3] as? any EncodedFrameSource)?.requestKeyframe()
        #expect(keyframeRequests.withLock { $0 } == 20)
        let feeder = Task {
            for i in 0..<150 {
                source.push(EncodedFrame(data: [UInt8(i & 0xFF), 1, 2], timestamp: UInt32(i * 3000), isKeyframe: i == 0, duration: 3000))
                if i % 10 == 0 { try? await Task.sleep(for: .milliseconds(1)) }
            }
            source.finish()
        }
        let received = try await withThrowingTaskGroup(of: [UInt32].self) { group in
            for subscriber in subscribers {
                group.addTask {
                    let track = try #require(subscriber as? any EncodedFrameSource)
                    var stamps: [UInt32] = []
                    do { while true { stamps.append(try await track.recvEncoded().timestamp) } } catch is MediaStreamError {}
                    return stamps
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        await feeder.value
        for stamps in received { #expect(stamps == (0..<150).map { UInt32($0 * 3000) }) }
    }

    @Test func lateEncodedSubscriberStartsAtAKeyframe() async throws {
        let relay = MediaRelay()
        let source = RemoteEncodedTrack(kind: .video, codecMimeType: "video/VP8", capacity: 1000)
        let early = try #require(relay.subscribe(source) as? any EncodedFrameSource)
        func frame(_ i: Int) -> EncodedFrame {
            EncodedFrame(data: [UInt8(i)], timestamp: UInt32(i * 3000), isKeyframe: i % 10 == 0, duration: 3000)
        }
        for i in 0..<5 { source.push(frame(i)) }
        for i in 0..<5 { #expect(try await early.recvEncoded().timestamp == UInt32(i * 3000)) }
        let late = try #require(relay.subscribe(source) as? any EncodedFrameSource)
        for i in 5..<15 { source.push(frame(i)) }
        source.finish()
        var stamps: [UInt32] = []
        do { while true { stamps.append(try await late.recvEncoded().timestamp) } } catch is MediaStreamError {}
        #expect(stamps == (10..<15).map { UInt32($0 * 3000) }, "the late subscriber starts at frame 10, the next key frame")
    }

    @Test func unbufferedSubscriberKeepsOnlyTheLatest() async throws {
        let relay = MediaRelay()
        let source = CountingTrack(count: 50)
        let live = relay.subscribe(source, buffered: false) as? AudioStreamTrack
        let track = try #require(live)
        try await Task.sleep(for: .milliseconds(300))  // the source runs to its end meanwhile
        var got: [Int16] = []
        do { while true { got.append(try await track.recv().s16Samples[0]) } } catch is MediaStreamError {}
        #expect(got == [49])
    }

    @Test func blackholeConsumesUntilTheEnd() async throws {
        let hole = MediaBlackhole()
        hole.addTrack(CountingTrack(count: 30))
        await hole.start()
        for _ in 0..<200 where hole.framesDropped < 30 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(hole.framesDropped == 30)
        hole.addTrack(CountingTrack(count: 5))  // added while running: consumed at once
        for _ in 0..<200 where hole.framesDropped < 35 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(hole.framesDropped == 35)
        await hole.stop()
    }

    @Test func recorderWritesAPacedTrackAndFinalisesOnStop() async throws {
        let path = M.temporaryPath("ivf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let recorder = try MediaRecorder(file: path)
        recorder.addTrack(SineTrack())          // ignored: IVF holds video
        recorder.addTrack(PatternTrack(width: 160, height: 120))
        try await recorder.start()
        await #expect(throws: MediaFileError(.invalidState, "")) { try await recorder.start() }
        try await Task.sleep(for: .milliseconds(1000))
        await recorder.stop()
        #expect(recorder.lastError == nil)
        let probe = try M.probe(path)
        #expect(probe.codec == "vp8" && probe.frames >= 20 && probe.frames == recorder.framesWritten, "\(probe) \(recorder.framesWritten)")
    }

    /// A 440 Hz WAV file played by MediaPlayer, sent through a peer connection pair (Opus), recorded by
    /// MediaRecorder into a WAV file: the recording keeps the tone.
    @Test func wavThroughPeerConnectionKeepsItsTone() async throws {
        let input = M.temporaryPath("wav"), output = M.temporaryPath("wav")
        defer { for p in [input, output] { try? FileManager.default.removeItem(atPath: p) } }
        let writer = try WAVWriter(path: input)
        for index in 0..<200 { try writer.write(M.toneFrame(440, index: index, samples: 320, rate: 16_000)) }  // 4 s
        try writer.close()

        let player = try MediaPlayer(file: input)
        let recorder = try MediaRecorder(file: output)
        let offerer = RTCPeerConnection(configuration: RTCConfiguration(loopbackOnly: true))
        let answerer = RTCPeerConnection(configuration: RTCConfiguration(loopbackOnly: true))
        answerer.onTrack = { track, _, _ in recorder.addTrack(track) }
        try offerer.addTrack(try #require(player.audio))
        try await Self.negotiate(offerer, answerer)
        try await recorder.start()
        try await Task.sleep(for: .milliseconds(3000))
        await recorder.stop()
        await offerer.close()
        await answerer.close()

        let reader = try WAVReader(path: output)
        var samples: [Int16] = []
        while let frame = try reader.read(samples: 960) { samples += M.firstChannel(frame) }
        #expect(samples.count > reader.sampleRate, "\(samples.count) samples recorded")
        let body = Array(samples.dropFirst(reader.sampleRate / 2))
        let at440 = M.power(body, rate: reader.sampleRate, frequency: 440)
        for other in [300.0, 1000, 2000] {
            #expect(at440 > 100 * M.power(body, rate: reader.sampleRate, frequency: other), "440 Hz vs \(other) Hz")
        }
    }

    /// An IVF file played with `decode: false` is sent without re-encoding and arrives decodable, frame for frame.
    @Test func ivfSentWithoutDecodingArrivesDecodable() async throws {
        let path = M.temporaryPath("ivf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ContribMediaFileTests.writeIVF(path, frames: 60)

        let player = try MediaPlayer(file: path, decode: false)
        let video = try #require(player.video)
        #expect(video is any EncodedFrameSource)
        let offerer = RTCPeerConnection(configuration: RTCConfiguration(loopbackOnly: true))
        let answerer = RTCPeerConnection(configuration: RTCConfiguration(loopbackOnly: true))
        let remote = Box<MediaStreamTrack>()
        answerer.onTrack = { track, _, _ in remote.set(track) }
        try offerer.addTrack(video)
        try await Self.negotiate(offerer, answerer)
        let track = try #require(remote.get as? VideoStreamTrack)
        let frames = try await withThrowingTaskGroup(of: Int?.self) { group in
            group.addTask {
                var count = 0
                while true {
                    let frame = try await track.recv()
                    #expect(frame.width == 160 && frame.height == 120)
                    count += 1
                    if count == 60 { return count }
                }
            }
            group.addTask { try await Task.sleep(for: .seconds(6)); return nil }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        var count = frames ?? 0
        if frames == nil { count = try await Self.framesDecoded(answerer) }
        #expect(abs(count - 60) <= 2, "\(count) of 60 frames decoded")
        let outbound = await offerer.getStats().stats(of: RTCOutboundRtpStreamStats.self)
        #expect(outbound.first?.framesEncoded ?? 0 >= 58, "frames forwarded as they are")
        #expect(video.readyState == .ended, "the player's track ends with the file")
        await offerer.close()
        await answerer.close()
    }

    /// An Ogg Opus file played with `decode: false`: its packets are sent as they are and decode to the tone.
    @Test func oggSentWithoutDecodingKeepsItsTone() async throws {
        let path = M.temporaryPath("ogg")
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try ContribMediaFileTests.writeOgg(path, seconds: 3)
        let player = try MediaPlayer(file: path, decode: false)
        let audio = try #require(player.audio as? PlayerEncodedTrack)
        #expect(audio.codecMimeType == "audio/opus")
        let offerer = RTCPeerConnection(configuration: RTCConfiguration(loopbackOnly: true))
        let answerer = RTCPeerConnection(configuration: RTCConfiguration(loopbackOnly: true))
        let remote = Box<MediaStreamTrack>()
        answerer.onTrack = { track, _, _ in remote.set(track) }
        try offerer.addTrack(audio)
        try await Self.negotiate(offerer, answerer)
        let track = try #require(remote.get as? AudioStreamTrack)
        var samples: [Int16] = []
        var rate = 48_000
        for _ in 0..<100 {
            let frame = try await track.recv()
            rate = frame.sampleRate
            samples += M.firstChannel(frame)
        }
        let body = Array(samples.dropFirst(rate / 2))
        #expect(M.power(body, rate: rate, frequency: 440) > 100 * M.power(body, rate: rate, frequency: 1000))
        let outbound = await offerer.getStats().stats(of: RTCOutboundRtpStreamStats.self)
        #expect((outbound.first?.framesEncoded ?? 0) >= 90, "packets forwarded as they are")
        await offerer.close()
        await answerer.close()
    }

    static func framesDecoded(_ pc: RTCPeerConnection) async throws -> Int {
        let inbound = await pc.getStats().stats(of: RTCInboundRtpStreamStats.self)
        return inbound.first { $0.kind == "video" }.map { Int($0.framesDecoded) } ?? 0
    }

    @Test func playerLoopsWithIncreasingTimestamps() async throws {
        let path = M.temporaryPath("y4m")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try Y4MWriter(path: path, frameRate: (60, 1))
        for i in 0..<5 { try writer.write(M.picture(index: i, width: 32, height: 16)) }
        writer.close()
        let player = try MediaPlayer(file: path, loop: true)
        let track = try #require(player.video as? VideoStreamTrack)
        var pts: [Int64] = []
        for _ in 0..<12 { pts.append(try await track.recv().pts ?? -1) }
        #expect(pts == (0..<12).map { Int64($0 * 1500) })
        player.stop()
        await #expect(throws: MediaStreamError.self) { _ = try await track.recv() }
    }
}
