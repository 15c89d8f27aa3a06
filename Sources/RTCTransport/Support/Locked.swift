public import NIOConcurrencyHelpers

/// A value guarded by a pthread mutex (NIO's `NIOLock`): the one lock type of AsyncRTC.
///
/// It replaces `Synchronization.Mutex`, whose futex-based lock lives in the uninstrumented standard library, so
/// ThreadSanitizer could not see it and reported every pair of accesses inside `withLock` as a data race (issue 7,
/// README R13). A pthread mutex is intercepted by TSan and costs about the same when uncontended. The call shape is
/// Mutex's (`withLock { $0... }`), so only declarations change. One allocation per instance, none per operation.
public final class Locked<Value>: @unchecked Sendable {
    // @unchecked Sendable: `value` is read and written only inside `withLock`, which holds `lock` for the whole
    // access, so no two threads touch it at once (the same guarantee Synchronization.Mutex gives).
    @usableFromInline let lock = NIOLock()
    @usableFromInline var value: Value

    public init(_ initialValue: sending Value) {
        value = initialValue
    }

    /// Runs `body` with exclusive access to the value; do not call back into the same `Locked` from `body`.
    @inlinable
    public func withLock<Result, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> sending Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
