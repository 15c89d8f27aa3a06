#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one timer thread every ``MediaPacer`` of the process sleeps on.
///
/// `Task.sleep` on Linux costs three thread wake-ups per sleep: dispatch's timer fires on a thread of the global
/// pool, which only enqueues the sleeping task and so wakes a second pool thread to run it (and dispatch's timer
/// manager takes part too). A synthetic source sleeps 50 (audio) + 30 (video) times a second per track, so that was
/// most of a media sender's context switches. Here a sleep costs this thread's wake-up and the resumed task's: the
/// thread waits on a condition variable until the earliest deadline, resumes every sleeper that is due (together,
/// when an audio and a video frame fall due within ``coalescing``), and is signalled by a new sleeper only when it
/// must wake sooner than it planned to.
final class MediaTimer: @unchecked Sendable {
    // @unchecked: every mutable field (`sleepers`, `nextID`, `cancelled`, `waitingUntil`, `started`) is read and
    // written only while `mutex` is held; the pthread objects are initialised in `init` and never destroyed (the
    // shared instance lives for the process).

    static let shared = MediaTimer()

    /// Sleepers due within this much of the earliest one are resumed in the same wake-up.
    static let coalescing: Duration = .microseconds(500)

    private struct Sleeper {
        var id: UInt64
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var sleepers: [Sleeper] = []
    private var nextID: UInt64 = 0
    /// Sleeps cancelled before they were registered.
    private var cancelled: Set<UInt64> = []
    /// The deadline the thread waits for now; nil while it waits without one (no sleepers) or runs.
    private var waitingUntil: ContinuousClock.Instant?
    private var started = false
    private let clock = ContinuousClock()

    private init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        #if !canImport(Darwin)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        #endif
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    /// Sleeps until `deadline` (ContinuousClock); throws `CancellationError` if the task is cancelled first.
    func sleep(until deadline: ContinuousClock.Instant) async throws {
        let id = locked { () -> UInt64 in
            nextID &+= 1
            return nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = locked { () -> Result<Void, any Error>? in
                    if cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= clock.now { return .success(()) }
                    sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    startIfNeeded()
                    // Wake the thread only if it would otherwise sleep past this deadline.
                    if let waitingUntil, deadline >= waitingUntil { return nil }
                    pthread_cond_signal(condition)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let continuation = locked { () -> CheckedContinuation<Void, any Error>? in
                guard let index = sleepers.firstIndex(where: { $0.id == id }) else {
                    cancelled.insert(id)  // not registered yet (or resumed already: then never looked up)
                    return nil
                }
                return sleepers.remove(at: index).continuation
            }
            continuation?.resume(throwing: CancellationError())
        }
        // A sleep that finished normally leaves no entry in `cancelled` unless cancellation raced its resumption.
        locked { _ = cancelled.remove(id) }
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// Starts the thread on first use. Called with the mutex held.
    private func startIfNeeded() {
        guard !started else { return }
        started = true
        var thread = pthread_t()
        let box = Unmanaged.passRetained(self)
        let status = pthread_create(&thread, nil, { argument in
            #if canImport(Darwin)
            let timer = Unmanaged<MediaTimer>.fromOpaque(argument).takeRetainedValue()
            #else
            let timer = Unmanaged<MediaTimer>.fromOpaque(argument!).takeRetainedValue()
            #endif
            timer.run()
            return nil
        }, box.toOpaque())
        if status == 0 {
            pthread_detach(thread)
        } else {
            box.release()
            started = false
        }
    }

    /// The thread: resumes due sleepers, then waits for the next deadline or a signal.
    private func run() {
        pthread_mutex_lock(mutex)
        while true {
            let now = clock.now
            var due: [CheckedContinuation<Void, any Error>] = []
            var earliest: ContinuousClock.Instant?
            let cutoff = now.advanced(by: Self.coalescing)
            sleepers.removeAll { sleeper in
                if sleeper.deadline <= cutoff {
                    due.append(sleeper.continuation)
                    return true
                }
                if earliest == nil || sleeper.deadline < earliest! { earliest = sleeper.deadline }
                return false
            }
            if !due.isEmpty {
                pthread_mutex_unlock(mutex)
                for continuation in due { continuation.resume() }
                pthread_mutex_lock(mutex)
                continue  // sleepers may have come while unlocked
            }
            waitingUntil = earliest
            if let earliest {
                var time = timespec()
                clock_gettime(CLOCK_MONOTONIC, &time)
                let wait = now.duration(to: earliest).components
                let nanoseconds = Int(time.tv_nsec) + Int(wait.attoseconds / 1_000_000_000)
                time.tv_sec += Int(wait.seconds) + nanoseconds / 1_000_000_000
                time.tv_nsec = nanoseconds % 1_000_000_000
                pthread_cond_timedwait(condition, mutex, &time)
            } else {
                pthread_cond_wait(condition, mutex)
            }
            waitingUntil = nil
        }
    }
}
