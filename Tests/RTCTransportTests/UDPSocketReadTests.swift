import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import RTCTransport

/// A socket reads one datagram per call (small pooled buffers) until a backlog makes it switch to vector reads.
@Suite(.serialized) struct UDPSocketReadTests {
    @Test(.timeLimit(.minutes(1)))
    func idleSocketsStaySmallABurstSwitchesToBatchesAndEverythingArrives() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let received = Mutex<[Int]>([])
        let receiver = try await UDPSocket.bind(host: "127.0.0.1", on: group.next()) { buffer, _ in
            let n = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self).map(Int.init) ?? -1
            received.withLock { $0.append(n) }
        }
        let sender = try await UDPSocket.bind(host: "127.0.0.1", on: group.next()) { _, _ in }
        @Sendable func send(_ n: Int) {
            var buffer = ByteBuffer()
            buffer.writeInteger(UInt32(n))
            buffer.writeBytes([UInt8](repeating: UInt8(truncatingIfNeeded: n), count: 1100))
            sender.send(buffer, to: receiver.localAddress)
        }
        // A few datagrams, one at a time: no backlog.
        for n in 0..<3 {
            send(n)
            for _ in 0..<200 where received.withLock({ $0.count }) <= n { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(received.withLock { $0 } == [0, 1, 2])
        #expect(await receiver.readsInBatches == false)

        // A burst sent from the loop both sockets share: it goes out in one flush, before the loop reads again,
        // so the next read cycle finds a backlog.
        try await receiver.eventLoop.submit {
            for n in 3..<203 { send(n) }
        }.get()
        for _ in 0..<400 where received.withLock({ $0.count }) < 203 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(received.withLock { $0.count } == 203)
        #expect(Set(received.withLock { $0 }) == Set(0..<203))
        #expect(await receiver.readsInBatches)
        #expect(await sender.readsInBatches == false)
        await receiver.close()
        await sender.close()
        try await group.shutdownGracefully()
    }
}
