import AsyncRTC
import Foundation
import Synchronization

/// What the server saw of one browser's media, for `GET /stats` (the browser tests read it).
final class MediaCounters: Sendable {
    struct Snapshot: Codable, Sendable {
        var videoFramesDecoded = 0
        var videoWidth = 0
        var videoHeight = 0
        /// Every size frames were decoded at ("640x480"), in order of first appearance.
        var videoSizes: [String] = []
        var audioFramesDecoded = 0
        var audioSampleRate = 0
        var audioChannels = 0
        var messagesReceived = 0
    }

    private let state = Mutex(Snapshot())
    /// Run once, on the first decoded frame of their kind (``whenFirstFrame(of:_:)``).
    private let firstFrameHandlers = Mutex<[MediaKind: [@Sendable () -> Void]]>([:])

    var snapshot: Snapshot { state.withLock { $0 } }

    /// Runs `handler` when the first frame of `kind` has been decoded (at once if one has been already).
    func whenFirstFrame(of kind: MediaKind, _ handler: @escaping @Sendable () -> Void) {
        let seen = state.withLock { kind == .video ? $0.videoFramesDecoded > 0 : $0.audioFramesDecoded > 0 }
        if seen { return handler() }
        firstFrameHandlers.withLock { $0[kind, default: []].append(handler) }
    }

    private func firstFrame(of kind: MediaKind) {
        for handler in firstFrameHandlers.withLock({ $0.removeValue(forKey: kind) ?? [] }) { handler() }
    }

    func video(_ frame: VideoFrame) {
        let first = state.withLock { s in
            s.videoFramesDecoded += 1
            s.videoWidth = frame.width
            s.videoHeight = frame.height
            let size = "\(frame.width)x\(frame.height)"
            if !s.videoSizes.contains(size) { s.videoSizes.append(size) }
            return s.videoFramesDecoded == 1
        }
        if first { firstFrame(of: .video) }
    }

    func audio(_ frame: AudioFrame) {
        let first = state.withLock { s in
            s.audioFramesDecoded += 1
            s.audioSampleRate = frame.sampleRate
            s.audioChannels = frame.channels
            return s.audioFramesDecoded == 1
        }
        if first { firstFrame(of: .audio) }
    }

    func message() { state.withLock { $0.messagesReceived += 1 } }
}

/// The browser's video, decoded, transformed and handed to the sender that returns it (aiortc's
/// `VideoTransformTrack`).
final class VideoTransformTrack: VideoStreamTrack, @unchecked Sendable {
    // @unchecked: `index` is touched only by recv(), which the one sender pulling this track calls from one task
    // at a time; the rest is immutable (`counters` is Sendable).
    private let source: VideoStreamTrack
    private let transform: VideoTransform
    private let counters: MediaCounters
    private nonisolated(unsafe) var index = 0

    init(source: VideoStreamTrack, transform: VideoTransform, counters: MediaCounters) {
        self.source = source
        self.transform = transform
        self.counters = counters
        super.init()
    }

    override func recv() async throws -> VideoFrame {
        let frame = try await source.recv()
        counters.video(frame)
        index += 1
        return transform.apply(frame, index: index)
    }

    override func stop() {
        source.stop()
        super.stop()
    }
}

/// The browser's audio, decoded and passed on unchanged (the echo), counted on the way.
final class CountingAudioTrack: AudioStreamTrack, @unchecked Sendable {
    // @unchecked: no mutable state of its own; `source` and `counters` are immutable references.
    private let source: AudioStreamTrack
    private let counters: MediaCounters

    init(source: AudioStreamTrack, counters: MediaCounters) {
        self.source = source
        self.counters = counters
        super.init()
    }

    override func recv() async throws -> AudioFrame {
        let frame = try await source.recv()
        counters.audio(frame)
        return frame
    }

    override func stop() {
        source.stop()
        super.stop()
    }
}

/// Pulls a track nobody sends back (the microphone when a tone or a file plays instead), so its frames are
/// decoded and counted; ends with the track.
func drain(_ track: MediaStreamTrack) {
    Task {
        if let audio = track as? AudioStreamTrack {
            while (try? await audio.recv()) != nil {}
        } else if let video = track as? VideoStreamTrack {
            while (try? await video.recv()) != nil {}
        }
    }
}

/// A test tone (48 kHz mono, 20 ms frames) for `--audio tone`: what the server plays instead of the echo.
final class ToneTrack: AudioStreamTrack, @unchecked Sendable {
    // @unchecked: `sample` is touched only by recv(), called from one task at a time; the rest is immutable.
    private let frequency: Double
    private nonisolated(unsafe) var sample = 0

    init(frequency: Double = 440) {
        self.frequency = frequency
        super.init()
    }

    override func recv() async throws -> AudioFrame {
        let (pts, timeBase) = try await nextTimestamp(samples: 960, sampleRate: 48_000)
        let start = sample
        sample += 960
        let step = 2 * Double.pi * frequency / 48_000
        let samples = (0..<960).map { Int16(0.3 * 32767 * sin(step * Double(start + $0))) }
        var frame = AudioFrame(s16: samples, layout: .mono, sampleRate: 48_000)
        frame.pts = pts
        frame.timeBase = timeBase
        return frame
    }
}
