import Synchronization
import Testing

@testable import RTCMedia

/// Counts calls from any thread.
final class CallCounter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

/// A user track as API.md shows it: subclass, override recv, use nextTimestamp for pacing. Swift 6 asks
/// subclasses of an `@unchecked Sendable` class to restate the conformance (a warning otherwise).
final class SineTrack: AudioStreamTrack, @unchecked Sendable {
    override func recv() async throws -> AudioFrame {
        let (pts, timeBase) = try await nextTimestamp(samples: 960, sampleRate: 48_000)
        var frame = AudioFrame(s16: [Int16](repeating: 7, count: 960), layout: .mono, sampleRate: 48_000)
        frame.pts = pts
        frame.timeBase = timeBase
        return frame
    }
}

@Suite("Tracks: default audio and video, stop, remote tracks")
struct MediaStreamTrackTests {
    @Test("ids are distinct version-4 UUIDs; kinds; constants as aiortc")
    func identity() {
        let audio = AudioStreamTrack()
        let video = VideoStreamTrack()
        #expect(audio.kind == .audio && video.kind == .video)
        #expect(audio.id != video.id)
        #expect(audio.id.count == 36 && Array(audio.id)[14] == "4" && audio.id == audio.id.lowercased())
        #expect(audio.readyState == .live)
        #expect(AUDIO_PTIME == 0.020 && VIDEO_CLOCK_RATE == 90_000 && abs(VIDEO_PTIME - 1.0 / 30) < 1e-12)
    }

    @Test("default audio: 20 ms of s16 mono 8 kHz silence, pts +160, paced")
    func defaultAudio() async throws {
        let track = AudioStreamTrack()
        let clock = ContinuousClock()
        let start = clock.now
        var previous: Int64?
        for _ in 0..<6 {
            let frame = try await track.recv()
            #expect(frame.format == .s16 && frame.layout == .mono && frame.sampleRate == 8000 && frame.samples == 160)
            #expect(frame.data.allSatisfy { $0 == 0 })
            #expect(frame.timeBase == MediaTimeBase(numerator: 1, denominator: 8000))
            let pts = try #require(frame.pts)
            if let previous { #expect(pts == previous + 160) } else { #expect(pts == 0) }
            previous = pts
        }
        // Six frames span five intervals of 20 ms: at least ~100 ms must have passed.
        #expect(clock.now - start >= .milliseconds(95))
    }

    @Test("default video: 640x480 green yuv420p, pts +3000 at 90 kHz, paced")
    func defaultVideo() async throws {
        let track = VideoStreamTrack()
        let clock = ContinuousClock()
        let start = clock.now
        var stamps: [Int64] = []
        for _ in 0..<4 {
            let frame = try await track.recv()
            #expect(frame.width == 640 && frame.height == 480 && frame.format == .yuv420p)
            #expect(frame.data.allSatisfy { $0 == 0 })
            #expect(frame.timeBase == VIDEO_TIME_BASE)
            stamps.append(try #require(frame.pts))
        }
        #expect(stamps == [0, 3000, 6000, 9000])
        #expect(clock.now - start >= .milliseconds(95))
    }

    @Test("a subclass paces its own rate through nextTimestamp")
    func subclass() async throws {
        let track = SineTrack()
        var stamps: [Int64] = []
        for _ in 0..<3 { stamps.append(try #require(try await track.recv().pts)) }
        #expect(stamps == [0, 960, 1920])
    }

    @Test("stop: ended once, onEnded fires once, recv and nextTimestamp throw MediaStreamError")
    func stop() async throws {
        let audio = AudioStreamTrack()
        let counter = CallCounter()
        audio.onEnded = { counter.increment() }
        _ = try await audio.recv()
        audio.stop()
        audio.stop()
        #expect(audio.readyState == .ended)
        #expect(counter.value == 1)
        await #expect(throws: MediaStreamError.self) { try await audio.recv() }
        let video = VideoStreamTrack()
        video.stop()
        await #expect(throws: MediaStreamError.self) { try await video.nextTimestamp() }
        await #expect(throws: MediaStreamError.self) { try await video.recv() }
    }

    @Test("remote audio: push then recv in order; a waiting recv is woken by push")
    func remotePushRecv() async throws {
        let track = RemoteAudioTrack()
        for index in 0..<3 {
            var frame = AudioFrame(format: .s16, layout: .stereo, samples: 960, sampleRate: 48_000)
            frame.pts = Int64(index * 960)
            track.push(frame)
        }
        #expect(track.queuedFrames == 3)
        for index in 0..<3 { #expect(try await track.recv().pts == Int64(index * 960)) }
        async let waiting = track.recv()
        try await Task.sleep(for: .milliseconds(20))
        var late = AudioFrame(format: .s16, layout: .mono, samples: 10, sampleRate: 8000)
        late.pts = 42
        track.push(late)
        #expect(try await waiting.pts == 42)
    }

    @Test("remote video: bounded queue drops the oldest")
    func remoteBounded() async throws {
        let track = RemoteVideoTrack(capacity: 3)
        for index in 0..<5 {
            var frame = VideoFrame(width: 2, height: 2)
            frame.pts = Int64(index)
            track.push(frame)
        }
        #expect(track.droppedFrames == 2)
        var stamps: [Int64] = []
        for _ in 0..<3 { stamps.append(try #require(try await track.recv().pts)) }
        #expect(stamps == [2, 3, 4])
    }

    @Test("remote finish: queued frames still delivered, then ended and MediaStreamError")
    func remoteFinish() async throws {
        let track = RemoteAudioTrack()
        let counter = CallCounter()
        track.onEnded = { counter.increment() }
        track.push(AudioFrame(format: .s16, layout: .mono, samples: 160, sampleRate: 8000))
        track.finish()
        track.push(AudioFrame(format: .s16, layout: .mono, samples: 160, sampleRate: 8000))  // ignored
        #expect(try await track.recv().samples == 160)
        await #expect(throws: MediaStreamError.self) { try await track.recv() }
        #expect(track.readyState == .ended && counter.value == 1)
        await #expect(throws: MediaStreamError.self) { try await track.recv() }
    }

    @Test("remote: finish and stop wake a waiting recv; cancellation ends a wait")
    func remoteWake() async throws {
        let finished = RemoteVideoTrack()
        let first = Task { try await finished.recv() }
        try await Task.sleep(for: .milliseconds(20))
        finished.finish()
        await #expect(throws: MediaStreamError.self) { try await first.value }

        let stopped = RemoteAudioTrack()
        let second = Task { try await stopped.recv() }
        try await Task.sleep(for: .milliseconds(20))
        stopped.stop()
        await #expect(throws: MediaStreamError.self) { try await second.value }
        #expect(stopped.readyState == .ended)

        let cancelled = RemoteAudioTrack()
        let task = Task { try await cancelled.recv() }
        try await Task.sleep(for: .milliseconds(20))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(cancelled.readyState == .live)
        cancelled.push(AudioFrame(format: .s16, layout: .mono, samples: 1, sampleRate: 8000))
        #expect(try await cancelled.recv().samples == 1)
    }
}
