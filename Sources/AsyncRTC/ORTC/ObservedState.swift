import RTCTransport

/// The state of an ORTC object: its value, the `onStateChange` handler, and the tasks waiting for a state that
/// settles an `async` call (`start` returns when connected and throws when failed, as in aiortc).
///
/// Changes may come from any thread (usually the transport's event loop); the handler runs outside the lock,
/// on the thread that made the change, before the waiters the change settles resume.
final class ObservedState<Value: Sendable & Equatable>: Sendable {
    private struct Storage {
        var value: Value
        var handler: (@Sendable (Value) -> Void)?
        var waiters: [UInt64: Waiter] = [:]
        var nextWaiter: UInt64 = 0
    }

    private struct Waiter {
        /// Returns non-nil once the state settles the wait: the value to resume with.
        var settle: @Sendable (Value) -> Result<Void, any Error>?
        var continuation: CheckedContinuation<Void, any Error>
    }

    private let storage: Locked<Storage>

    init(_ initial: Value) {
        storage = Locked(Storage(value: initial))
    }

    var value: Value { storage.withLock { $0.value } }

    var handler: (@Sendable (Value) -> Void)? {
        get { storage.withLock { $0.handler } }
        set { storage.withLock { $0.handler = newValue } }
    }

    /// Moves to `new` unless `allowed` refuses the transition; fires the handler and settles waiters on a change.
    @discardableResult
    func set(_ new: Value, if allowed: (Value) -> Bool = { _ in true }) -> Bool {
        let fired: (handler: (@Sendable (Value) -> Void)?, settled: [(Waiter, Result<Void, any Error>)])? = storage.withLock { s in
            guard s.value != new, allowed(s.value) else { return nil }
            s.value = new
            var settled: [(Waiter, Result<Void, any Error>)] = []
            for (id, waiter) in s.waiters {
                if let result = waiter.settle(new) {
                    settled.append((waiter, result))
                    s.waiters[id] = nil
                }
            }
            return (s.handler, settled)
        }
        guard let fired else { return false }
        // The handler first: whoever awaited this state finds it already reported when it resumes.
        fired.handler?(new)
        for (waiter, result) in fired.settled { waiter.continuation.resume(with: result) }
        return true
    }

    /// Waits until `settle` returns a result for the current or a later state; throws `CancellationError` if the
    /// waiting task is cancelled first.
    func wait(_ settle: @escaping @Sendable (Value) -> Result<Void, any Error>?) async throws {
        let id = storage.withLock { s in
            defer { s.nextWaiter += 1 }
            return s.nextWaiter
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let immediate: Result<Void, any Error>? = storage.withLock { s in
                    if let result = settle(s.value) { return result }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    s.waiters[id] = Waiter(settle: settle, continuation: continuation)
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = storage.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }
}

extension ObservedState {
    /// Runs `body` (a wait on another object) until it returns, or until this state reaches `stopped`, whichever
    /// is first: a transport stopped while it waits for the one below it gives up at once.
    func wait(_ body: @escaping @Sendable () async throws -> Void, unlessReaching stopped: Value,
              error: @escaping @Sendable () -> any Error) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await self.wait { $0 == stopped ? .failure(error()) : nil }
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }
}
