@testable import AsyncRTC
import AsyncRTCTesting
import Synchronization
import Testing

/// The W3C operations chain: one operation at a time, in call order, and a failing one does not stall the rest.
@Suite struct OperationChainTests {
    struct Failure: Error {}

    final class Log: Sendable {
        let entries = Mutex<[String]>([])
        func add(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    @Test func operationsRunOneAtATimeInCallOrder() async throws {
        let chain = OperationChain()
        let log = Log()
        let (opened, open) = AsyncStream<Void>.makeStream()
        let first = Task {
            try await chain.run {
                log.add("1 start")
                for await _ in opened { break }
                log.add("1 end")
            }
        }
        try await waitUntil(10) { log.all == ["1 start"] }
        var later: [Task<Void, any Error>] = []
        for n in 2...5 {
            later.append(Task {
                try await chain.run {
                    log.add("\(n) start")
                    await Task.yield()
                    if n == 3 { throw Failure() }
                    log.add("\(n) end")
                }
            })
            // Queued before the next one is called: the order of calls is the order of the chain.
            try await waitUntil(10) { chain.waitingCount == n - 1 }
            #expect(chain.waitingCount == n - 1)
        }
        #expect(log.all == ["1 start"], "nothing ran while the first operation held the chain")
        open.yield()
        try await first.value
        for (index, task) in later.enumerated() {
            if index == 1 {
                await #expect(throws: Failure.self) { try await task.value }
            } else {
                try await task.value
            }
        }
        #expect(log.all == ["1 start", "1 end", "2 start", "2 end", "3 start", "4 start", "4 end", "5 start", "5 end"])
        #expect(chain.waitingCount == 0)
        // Idle again: the next operation starts at once.
        #expect(try await chain.run { 42 } == 42)
    }
}
