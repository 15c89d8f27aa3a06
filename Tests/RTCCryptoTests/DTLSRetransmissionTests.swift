import RTCCrypto
import Testing

/// The retransmission schedule of ``DTLSEngine`` (RFC 6347 §4.2.4) as WebRTC needs it under heavy loss (issue 7,
/// R5): a 400 ms first timeout, doubling, capped at 3 s, and every retransmitted datagram sent
/// ``DTLSEngine/Configuration/retransmissionCopies`` times — also the final flight a connected endpoint re-sends
/// when the peer's repeated Finished shows it was lost.
@Suite struct DTLSRetransmissionTests {
    @Test func defaultsSuitAHandshakeWithADeadline() {
        let configuration = DTLSEngine.Configuration()
        #expect(configuration.initialRetransmissionTimeout == .milliseconds(400))
        #expect(configuration.maximumRetransmissionTimeout == .seconds(3))
        #expect(configuration.retransmissionCopies == 2)
    }

    @Test func fewerThanOneCopyIsRefused() throws {
        var configuration = DTLSEngine.Configuration()
        configuration.retransmissionCopies = 0
        #expect(throws: CryptoError.self) {
            _ = try DTLSEngine(role: .client, certificate: try DTLSCertificate.generate(), remoteFingerprints: [],
                               configuration: configuration)
        }
    }

    @Test func aRetransmittedFlightIsSentTwiceFlightAfterFlight() async throws {
        var configuration = DTLSEngine.Configuration()
        configuration.initialRetransmissionTimeout = .milliseconds(50)
        let link = try DTLSLink(configuration: configuration)
        let first = try link.client.start()
        #expect(!first.isEmpty)
        try await Task.sleep(for: try #require(link.client.nextTimeout) + .milliseconds(20))
        let retransmitted = try link.client.handleTimeout()
        // The whole flight, then the whole flight again, byte for byte (one set of new record sequence numbers).
        #expect(retransmitted.count == 2 * first.count)
        #expect(Array(retransmitted.prefix(first.count)) == Array(retransmitted.suffix(first.count)))
        #expect(retransmitted.prefix(first.count).map(\.count) == first.map(\.count))
        // Delivering both copies is harmless: the second is a replay the server drops.
        try link.pump(toServer: retransmitted)
        #expect(link.client.state == .connected && link.server.state == .connected)
        #expect(link.serverHandshakeEvents == 1 && link.clientHandshakeEvents == 1)
    }

    @Test func oneCopyKeepsOpenSSLsPlainRetransmission() async throws {
        var configuration = DTLSEngine.Configuration()
        configuration.initialRetransmissionTimeout = .milliseconds(50)
        configuration.retransmissionCopies = 1
        let link = try DTLSLink(configuration: configuration)
        let first = try link.client.start()
        try await Task.sleep(for: try #require(link.client.nextTimeout) + .milliseconds(20))
        #expect(try link.client.handleTimeout().count == first.count)
    }

    @Test func theTimeoutDoublesUpToItsCap() async throws {
        var configuration = DTLSEngine.Configuration()
        configuration.initialRetransmissionTimeout = .milliseconds(40)
        configuration.maximumRetransmissionTimeout = .milliseconds(100)
        let link = try DTLSLink(configuration: configuration)
        _ = try link.client.start()
        var timeouts: [Duration] = [try #require(link.client.nextTimeout)]
        for _ in 0..<4 {
            try await Task.sleep(for: timeouts.last! + .milliseconds(20))
            #expect(!(try link.client.handleTimeout()).isEmpty)
            timeouts.append(try #require(link.client.nextTimeout))
        }
        // 40 ms, 80 ms, then 100 ms (not 160, 320). Each is read just after it was set, so it is close to its full
        // length; the lower bounds leave 20 ms or more for a descheduled thread.
        #expect(timeouts[0] <= .milliseconds(40))
        #expect(timeouts[1] > .milliseconds(40) && timeouts[1] <= .milliseconds(80), "\(timeouts)")
        for timeout in timeouts[2...] {
            #expect(timeout > .milliseconds(80) && timeout <= .milliseconds(100), "\(timeouts)")
        }
    }

    @Test func theConnectedServerResendsItsLostFinalFlightInTwoCopies() async throws {
        var configuration = DTLSEngine.Configuration()
        configuration.initialRetransmissionTimeout = .milliseconds(50)
        let link = try DTLSLink(configuration: configuration)
        // Run the handshake until the server completes; its final flight (ChangeCipherSpec, Finished) is lost.
        var toServer = try link.client.start()
        var finalFlight: [[UInt8]] = []
        for _ in 0..<4 where link.server.state != .connected {
            var toClient: [[UInt8]] = []
            for datagram in toServer { toClient += try link.server.receive(datagram).datagrams }
            toServer = []
            if link.server.state == .connected {
                finalFlight = toClient
                break
            }
            for datagram in toClient { toServer += try link.client.receive(datagram).datagrams }
        }
        try #require(link.server.state == .connected && link.client.state == .handshaking)
        #expect(!finalFlight.isEmpty)

        try await Task.sleep(for: try #require(link.client.nextTimeout) + .milliseconds(20))
        let repeated = try link.client.handleTimeout()
        var resent: [[UInt8]] = []
        for datagram in repeated { resent += try link.server.receive(datagram).datagrams }
        // The server re-sends its last flight (OpenSSL writes the ChangeCipherSpec and the Finished as they were
        // buffered, not necessarily packed as the first time) and every datagram of it goes out twice, byte for byte.
        #expect(!finalFlight.isEmpty && !resent.isEmpty)
        var copies: [[UInt8]: Int] = [:]
        for datagram in resent { copies[datagram, default: 0] += 1 }
        #expect(copies.values.allSatisfy { $0 % 2 == 0 }, "\(resent.map(\.count))")
        #expect(resent.contains { $0.first == 20 } && resent.contains { $0.first == 22 })
        #expect(resent.allSatisfy { $0.first == 20 || $0.first == 22 })
        for datagram in resent { _ = try link.client.receive(datagram) }
        #expect(link.client.state == .connected)
        #expect(try link.client.exportSRTPKeyingMaterial() == link.server.exportSRTPKeyingMaterial())
    }
}
