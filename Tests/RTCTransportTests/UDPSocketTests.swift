import NIOCore
import NIOPosix
import RTCTransport
import Synchronization
import Testing

@Suite struct UDPSocketTests {
    final class Inbox: Sendable {
        let received = Mutex<[(UInt32, SocketAddress)]>([])
        func add(_ buffer: ByteBuffer, _ from: SocketAddress) {
            var b = buffer
            guard let n = b.readInteger(as: UInt32.self) else { return }
            received.withLock { $0.append((n, from)) }
        }
        var count: Int { received.withLock { $0.count } }
    }

    /// Sends `count` numbered datagrams from a plain socket to one with `profile`, waits until the receiver has
    /// seen what the impairment layer let through, and returns the received numbers, sender and counters.
    func exchange(_ count: Int, profile: ImpairmentProfile?) async throws
        -> (received: [(UInt32, SocketAddress)], sender: SocketAddress, counters: Impairment.Counters) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let inbox = Inbox()
        let receiver = try await UDPSocket.bind(host: "127.0.0.1", on: group.next(), impairment: profile ?? ImpairmentProfile()) {
            inbox.add($0, $1)
        }
        let sender = try await UDPSocket.bind(host: "127.0.0.1", on: group.next(), impairment: ImpairmentProfile()) { _, _ in }
        for i in 0..<count {
            var b = ByteBuffer()
            b.writeInteger(UInt32(i))
            b.writeRepeatingByte(0xAB, count: 100)
            sender.send(b, to: receiver.localAddress)
            if i % 100 == 99 { try await Task.sleep(for: .milliseconds(2)) }
        }
        var counters = Impairment.Counters()
        for _ in 0..<500 {
            counters = await receiver.impairmentCounters()
            let expected = profile == nil ? count : counters.admitted - counters.dropped + counters.duplicated
            if (profile == nil || counters.admitted == count) && inbox.count >= expected { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        try await Task.sleep(for: .milliseconds(50))  // anything extra would arrive now
        let result = inbox.received.withLock { $0 }
        let from = sender.localAddress
        await sender.close()
        await receiver.close()
        try await group.shutdownGracefully()
        return (result, from, counters)
    }

    @Test func deliversEveryDatagramWithoutImpairment() async throws {
        let (received, sender, _) = try await exchange(1000, profile: nil)
        #expect(Set(received.map(\.0)) == Set(0..<1000))
        #expect(received.allSatisfy { $0.1 == sender })
    }

    @Test func lossDropsExactlyWhatTheLayerCounted() async throws {
        let (received, _, counters) = try await exchange(1000, profile: try ImpairmentProfile(parsing: "loss=0.3,seed=4"))
        #expect(counters.admitted == 1000)
        #expect(received.count == 1000 - counters.dropped)
        #expect(counters.dropped > 200 && counters.dropped < 400)
    }

    @Test func duplicatesAndDelayStillDeliverEachNumber() async throws {
        let (received, _, counters) = try await exchange(
            500, profile: try ImpairmentProfile(parsing: "dup=0.1,delay=20ms,jitter=10ms,seed=2"))
        #expect(received.count == 500 + counters.duplicated)
        #expect(Set(received.map(\.0)) == Set(0..<500))
        #expect(counters.duplicated > 20)
    }

    @Test func natRebindingMovesTheSourcePort() async throws {
        let (received, sender, _) = try await exchange(10, profile: try ImpairmentProfile(parsing: "rebind=1"))
        #expect(received.count == 10)
        #expect(received.allSatisfy { $0.1.port == sender.port.map { $0 + 1 } && $0.1.ipAddress == sender.ipAddress })
    }
}
