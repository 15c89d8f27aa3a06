@testable import RTCMedia
import Testing

/// The shared timer thread synthetic tracks sleep on (MediaPacer): due times, many sleepers, cancellation.
@Suite struct MediaTimerTests {
    @Test func aSleepReturnsNoSoonerThanItsDeadline() async throws {
        let clock = ContinuousClock()
        for delay in [0, 1, 5, 20] {
            let deadline = clock.now.advanced(by: .milliseconds(delay))
            try await MediaTimer.shared.sleep(until: deadline)
            // The timer resumes sleepers due within its 0.5 ms coalescing window together.
            #expect(clock.now >= deadline.advanced(by: .microseconds(-500)), "\(delay) ms")
        }
    }

    @Test func manySleepersWithInterleavedDeadlinesAllWakeInTime() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let lateness = try await withThrowingTaskGroup(of: Duration.self) { group in
            for index in 0..<64 {
                // Later sleepers registered first, earlier ones after: each must still wake the thread sooner.
                let deadline = start.advanced(by: .milliseconds(60 - (index % 30) * 2))
                group.addTask {
                    try await MediaTimer.shared.sleep(until: deadline)
                    return clock.now - deadline
                }
            }
            var worst = Duration.zero
            for try await late in group {
                #expect(late >= .microseconds(-500))
                worst = max(worst, late)
            }
            return worst
        }
        // Generous: a loaded CI machine can delay a thread, never by seconds.
        #expect(lateness < .seconds(2))
    }

    @Test func cancellationEndsASleepAtOnceWithCancellationError() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let sleeper = Task {
            try await MediaTimer.shared.sleep(until: clock.now.advanced(by: .seconds(30)))
        }
        try await Task.sleep(for: .milliseconds(20))
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.now - start < .seconds(10))

        // Cancelled before it even starts sleeping: throws without waiting.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await MediaTimer.shared.sleep(until: clock.now.advanced(by: .seconds(30)))
        }
        await #expect(throws: CancellationError.self) { try await early.value }
        #expect(clock.now - start < .seconds(10))
    }
}
