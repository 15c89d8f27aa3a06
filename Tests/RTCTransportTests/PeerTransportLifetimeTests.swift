import NIOCore
import NIOPosix
@testable import RTCTransport
import Testing

/// A closed transport that nobody holds any more is freed, with its ICE and DTLS endpoints: the endpoints' event
/// handlers reach the transport, so a strong reference there would keep every connection's sockets, `SSL` and
/// association alive for the life of the process (found by the R12 churn test's RSS growth).
@Suite struct PeerTransportLifetimeTests {
    /// Weak references to what one connected, then closed pair of transports was made of.
    final class Leftovers {
        weak var transportA: PeerTransport?
        weak var transportB: PeerTransport?
        weak var iceA: ICEEndpoint?
        weak var dtlsA: DTLSEndpoint?
        weak var association: SCTPAssociation?

        var alive: [String] {
            [("transport A", transportA as AnyObject?), ("transport B", transportB), ("ICE endpoint", iceA),
             ("DTLS endpoint", dtlsA), ("SCTP association", association)].compactMap { $0.1 == nil ? nil : $0.0 }
        }
    }

    static func connectAndClose(group: any EventLoopGroup, into leftovers: Leftovers) async throws {
        let (peers, associations, _) = try await TransportStackTests.connect(group: group)
        leftovers.transportA = peers[0]
        leftovers.transportB = peers[1]
        leftovers.iceA = peers[0].ice
        leftovers.dtlsA = peers[0].dtls
        leftovers.association = associations.first
        for peer in peers { await peer.close() }
    }

    @Test func aClosedTransportIsFreedWithItsEndpoints() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let leftovers = Leftovers()
        try await Self.connectAndClose(group: group, into: leftovers)
        // Work already queued on the loops and usrsctp's timer thread may hold them briefly; a leak holds forever.
        for _ in 0..<300 where !leftovers.alive.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        #expect(leftovers.alive.isEmpty, "still alive after close: \(leftovers.alive)")
        try await group.shutdownGracefully()
    }
}
