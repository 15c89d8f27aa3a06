import RTCTransport

/// Hands out the timestamps of a synthetic track and sleeps until each is due in real time, as aiortc's
/// `next_timestamp`: the first call returns 0 at once and starts the clock; call `n` returns `n × step` and
/// returns at `start + n × step / rate`. Later calls catch up without sleeping when the consumer fell behind.
/// Sleeps run on ``MediaTimer``.
final class MediaPacer: Sendable {
    private struct State {
        var start: ContinuousClock.Instant?
        var timestamp: Int64 = 0
        var rate: Int
    }

    private let state: Locked<State>

    init(rate: Int) {
        state = Locked(State(rate: rate))
    }

    /// The next timestamp (in `1/rate` units) after `step` more ticks; sleeps until it is due.
    /// A change of `rate` restarts the clock.
    func next(step: Int64, rate: Int) async throws -> Int64 {
        let clock = ContinuousClock()
        let (timestamp, due): (Int64, ContinuousClock.Instant?) = state.withLock { state in
            guard let start = state.start, state.rate == rate else {
                state.start = clock.now
                state.rate = rate
                state.timestamp = 0
                return (0, nil)
            }
            state.timestamp &+= step
            let seconds = Double(state.timestamp) / Double(max(1, rate))
            return (state.timestamp, start.advanced(by: .seconds(seconds)))
        }
        if let due, due > clock.now {
            // The shared media timer thread, not Task.sleep: one thread wake-up fewer per frame (MediaTimer).
            try await MediaTimer.shared.sleep(until: due)
        }
        return timestamp
    }
}
