public import AsyncRTC
import RTCTransport

/// Consumes tracks and drops their frames, as aiortc's `MediaBlackhole`: a sink for tracks that must be read (a
/// remote track nobody reads only buffers) but whose media is not wanted.
public final class MediaBlackhole: Sendable {
    private struct State {
        var tracks: [MediaStreamTrack] = []
        var tasks: [Task<Void, Never>] = []
        var started = false
        var framesDropped = 0
    }

    private let state = Locked(State())

    public init() {}

    /// Adds a track to consume (from `start()` on; a track added after `start()` is consumed at once).
    public func addTrack(_ track: MediaStreamTrack) {
        let running = state.withLock { state in
            state.tracks.append(track)
            return state.started
        }
        if running { consume(track) }
    }

    /// Frames consumed so far.
    public var framesDropped: Int { state.withLock { $0.framesDropped } }

    /// Starts reading every track added.
    public func start() async {
        let tracks: [MediaStreamTrack] = state.withLock { state in
            guard !state.started else { return [] }
            state.started = true
            return state.tracks
        }
        for track in tracks { consume(track) }
    }

    private func consume(_ track: MediaStreamTrack) {
        let task = Task { [weak self] in
            while !Task.isCancelled {
                do {
                    if let source = track as? any EncodedFrameSource { _ = try await source.recvEncoded() }
                    else if let audio = track as? AudioStreamTrack { _ = try await audio.recv() }
                    else if let video = track as? VideoStreamTrack { _ = try await video.recv() }
                    else { return }
                } catch { return }
                self?.state.withLock { $0.framesDropped += 1 }
            }
        }
        state.withLock { $0.tasks.append(task) }
    }

    /// Stops reading (the tracks are not stopped).
    public func stop() async {
        let tasks = state.withLock { state in
            defer {
                state.tasks = []
                state.started = false
            }
            return state.tasks
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }
}
