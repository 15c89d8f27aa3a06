import AsyncRTC
import RTCTransport

/// Reads a ``PlaybackSource`` for a player track: loops it when asked, stamps each item with pts (continuing
/// across loops) and returns it when it is due in real time — the first item at once, item `n` at
/// `start + its time`, so a consumer that falls behind catches up without sleeping.
final class PlaybackEngine: Sendable {
    private struct State {
        var source: any PlaybackSource
        var pending: PlaybackItem?
        /// Time added to the source's times: the length of the passes already played.
        var passOffset = 0.0
        var passEnd = 0.0
        var passItems = 0
        var start: ContinuousClock.Instant?
        var ended = false
    }

    private let state: Locked<State>
    let loop: Bool
    let kind: MediaKind
    let encodedCodec: (mimeType: String, clockRate: Int)?

    /// Reads the first item at once, so a file that is corrupt from the start fails here.
    init(source: sending any PlaybackSource, loop: Bool, path: String) throws(MediaFileError) {
        self.loop = loop
        self.kind = source.kind
        self.encodedCodec = source.encodedCodec
        guard let first = try source.next() else {
            throw MediaFileError(.truncated, "\(path) holds no complete \(source.kind) frame")
        }
        state = Locked(State(source: source, pending: first))
    }

    /// The next item with its pts set, when due; nil once the file (and looping) ended.
    func next() async throws -> PlaybackItem.Payload? {
        let clock = ContinuousClock()
        let outcome: Result<(PlaybackItem.Payload, ContinuousClock.Instant)?, MediaFileError> = state.withLock { state in
            do throws(MediaFileError) {
                guard let item = try Self.nextItem(&state) else { return .success(nil) }
                let now = clock.now
                let start = state.start ?? now
                state.start = start
                let time = state.passOffset + item.time
                return .success((stamp(item.payload, time: time), start.advanced(by: .seconds(time))))
            } catch {
                state.ended = true
                return .failure(error)
            }
        }
        guard let (payload, due) = try outcome.get() else { return nil }
        if due > clock.now { try await Task.sleep(until: due, clock: clock) }
        return payload
    }

    private static func nextItem(_ state: inout State) throws(MediaFileError) -> PlaybackItem? {
        guard !state.ended else { return nil }
        if let pending = state.pending {
            state.pending = nil
            state.passItems += 1
            state.passEnd = max(state.passEnd, pending.time + pending.duration)
            return pending
        }
        if let item = try state.source.next() {
            state.passItems += 1
            state.passEnd = max(state.passEnd, item.time + item.duration)
            return item
        }
        return nil
    }

    /// Called under the lock when the source ran dry: rewinds for another pass (unless the last pass was empty).
    private func rewound(_ state: inout State) throws(MediaFileError) -> Bool {
        guard loop, state.passItems > 0 else { return false }
        try state.source.rewind()
        state.passOffset += state.passEnd
        state.passEnd = 0
        state.passItems = 0
        return true
    }

    /// Like ``next()`` but looping: at the end of a pass, rewinds and continues.
    func nextLooping() async throws -> PlaybackItem.Payload? {
        while true {
            if let payload = try await next() { return payload }
            let again: Result<Bool, MediaFileError> = state.withLock { state in
                do throws(MediaFileError) { return .success(try rewound(&state)) } catch {
                    return .failure(error)
                }
            }
            guard try again.get() else {
                state.withLock { $0.ended = true }
                return nil
            }
        }
    }

    private func stamp(_ payload: PlaybackItem.Payload, time: Double) -> PlaybackItem.Payload {
        switch payload {
        case .audio(var frame):
            frame.pts = Int64((time * Double(frame.sampleRate)).rounded())
            frame.timeBase = MediaTimeBase(rate: frame.sampleRate)
            return .audio(frame)
        case .video(var frame):
            frame.pts = Int64((time * Double(VIDEO_CLOCK_RATE)).rounded())
            frame.timeBase = VIDEO_TIME_BASE
            return .video(frame)
        case .encoded(var frame):
            let rate = Double(encodedCodec?.clockRate ?? VIDEO_CLOCK_RATE)
            frame.timestamp = UInt32(truncatingIfNeeded: Int64((time * rate).rounded()))
            return .encoded(frame)
        }
    }
}
