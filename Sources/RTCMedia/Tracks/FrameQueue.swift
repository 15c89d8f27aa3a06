import RTCTransport

/// The buffer between a remote track's producer (the RTP receiver) and its consumer (`recv()`): bounded, dropping
/// the oldest element when full so a slow consumer sees recent media, never blocking the producer. `finish()`
/// marks the end: elements already queued are still delivered, then `pop()` throws ``MediaStreamError``.
final class FrameQueue<Element: Sendable>: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Element, any Error>
    }

    private struct State {
        var buffer: [Element] = []
        var head = 0
        var waiters: [Waiter] = []
        var cancelled: Set<UInt64> = []
        var nextID: UInt64 = 0
        var finished = false
        var dropped = 0

        var count: Int { buffer.count - head }

        mutating func popFirst() -> Element? {
            guard head < buffer.count else { return nil }
            let element = buffer[head]
            head += 1
            if head >= 64 && head * 2 >= buffer.count {
                buffer.removeFirst(head)
                head = 0
            }
            return element
        }
    }

    private enum PopOutcome {
        case element(Element)
        case ended
        case cancelled
        case waiting
    }

    let capacity: Int
    private let state = Locked(State())

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Elements dropped because the queue was full.
    var droppedCount: Int { state.withLock { $0.dropped } }

    /// Elements waiting.
    var count: Int { state.withLock { $0.count } }

    /// Queues an element, or hands it straight to a waiting `pop()`. Ignored after `finish()`.
    func push(_ element: Element) {
        let waiter: Waiter? = state.withLock { state in
            guard !state.finished else { return nil }
            if !state.waiters.isEmpty { return state.waiters.removeFirst() }
            state.buffer.append(element)
            if state.count > capacity {
                _ = state.popFirst()
                state.dropped += 1
            }
            return nil
        }
        waiter?.continuation.resume(returning: element)
    }

    /// Ends the stream after the elements already queued. Waiting `pop()`s throw ``MediaStreamError``.
    func finish() {
        let waiters: [Waiter] = state.withLock { state in
            state.finished = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume(throwing: MediaStreamError()) }
    }

    /// Ends the stream now, discarding what is queued.
    func close() {
        state.withLock { state in
            state.buffer = []
            state.head = 0
        }
        finish()
    }

    /// The oldest element, waiting for one if the queue is empty.
    /// - Throws: ``MediaStreamError`` once finished and drained; `CancellationError` if the task is cancelled.
    func pop() async throws -> Element {
        let id: UInt64 = state.withLock { state in
            state.nextID &+= 1
            return state.nextID
        }
        // A cancellation that lands after the element was delivered leaves the id behind: forget it on the way out.
        defer { state.withLock { _ = $0.cancelled.remove(id) } }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Element, any Error>) in
                let outcome: PopOutcome = state.withLock { state in
                    if state.cancelled.remove(id) != nil { return .cancelled }
                    if let element = state.popFirst() { return .element(element) }
                    if state.finished { return .ended }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return .waiting
                }
                switch outcome {
                case .element(let element): continuation.resume(returning: element)
                case .ended: continuation.resume(throwing: MediaStreamError())
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .waiting: break
                }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                if let index = state.waiters.firstIndex(where: { $0.id == id }) {
                    return state.waiters.remove(at: index)
                }
                state.cancelled.insert(id)
                return nil
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }
}
