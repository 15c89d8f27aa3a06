/// The W3C "operations chain": createOffer, createAnswer, setLocalDescription, setRemoteDescription and
/// addIceCandidate run one at a time, in the order they were called, whatever awaits they contain.
actor OperationChain {
    private var tail: Task<Void, Never>?

    func run<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = tail
        let task = Task { () async throws -> T in
            await previous?.value
            return try await operation()
        }
        tail = Task { _ = try? await task.value }
        return try await task.value
    }
}
