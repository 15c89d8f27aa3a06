public import RTCTransport

/// Collects data-channel messages from `onMessage` (any thread) for a test to read.
public final class MessageInbox: Sendable {
    public let messages = Locked<[RTCDataChannelMessage]>([])
    public init() {}
    public func add(_ message: RTCDataChannelMessage) { messages.withLock { $0.append(message) } }
    public var count: Int { messages.withLock { $0.count } }
}

/// Polls `condition` every 10 ms until it holds or `seconds` pass; returns either way (the caller then checks).
/// For tests of real sockets and real time, where "eventually" needs a bound but never a duration assertion.
public func waitUntil(_ seconds: Double = 20, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while !condition() && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
}
