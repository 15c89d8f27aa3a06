import Dispatch

/// A serial lane where encoding and decoding run, off the caller's event loop (DESIGN.md, Concurrency: "a VP8
/// encode takes milliseconds"). Jobs run one at a time in the order submitted, on a Dispatch serial queue, and
/// the awaiting task is resumed with the result; the caller's thread is never blocked.
///
/// One worker per encoder or decoder keeps a codec's calls ordered; many workers spread over the machine's cores.
/// ``CodecWorker/Bound`` pairs a non-`Sendable` codec with a worker so it is only ever touched there.
public final class CodecWorker: Sendable {
    private let queue: DispatchQueue
    private let key = DispatchSpecificKey<ObjectIdentifier>()
    public let label: String

    public init(label: String = "AsyncRTC.CodecWorker") {
        self.label = label
        queue = DispatchQueue(label: label, qos: .userInteractive)
        queue.setSpecific(key: key, value: ObjectIdentifier(queue))
    }

    /// Whether the calling code runs on this worker.
    public var isCurrent: Bool {
        DispatchQueue.getSpecific(key: key) == ObjectIdentifier(queue)
    }

    /// Runs `body` on the worker and returns its result (or rethrows its error).
    /// - Throws: `CancellationError` if the calling task is cancelled before the job starts (then it never runs).
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try Task.checkCancellation()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            queue.async {
                continuation.resume(with: Result { try body() })
            }
        }
    }

    /// Runs `body` on the worker without waiting for it (errors are the body's to handle).
    public func submit(_ body: @escaping @Sendable () -> Void) {
        queue.async(execute: body)
    }

    /// A value — typically an encoder or decoder, which are not `Sendable` — that lives on one worker and is
    /// only touched by jobs running there.
    ///
    /// `@unchecked Sendable`: `value` is read and written only inside `queue.async` blocks of one serial queue
    /// (through `run` and `submit`), so no two threads ever access it at once, and it never escapes those blocks.
    public final class Bound<Value>: @unchecked Sendable {
        public let worker: CodecWorker
        private var value: Value

        public init(_ value: sending Value, on worker: CodecWorker) {
            self.worker = worker
            self.value = value
        }

        /// Runs `body` with the value, on the worker.
        public func run<T: Sendable>(_ body: @escaping @Sendable (inout Value) throws -> T) async throws -> T {
            try await worker.run { try body(&self.value) }
        }

        /// Runs `body` with the value on the worker without waiting (jobs run in the order submitted): one thread
        /// hop instead of the three of a task that awaits ``run(_:)``.
        public func submit(_ body: @escaping @Sendable (inout Value) -> Void) {
            worker.submit { body(&self.value) }
        }
    }
}
