import Foundation
import RTCCrypto
import Testing

/// Two DTLS endpoints wired back to back in memory: every datagram is checked against the MTU and delivered (or
/// dropped when a test says so).
final class DTLSLink {
    let client: DTLSEngine
    let server: DTLSEngine
    private(set) var largestDatagram = 0
    private(set) var datagramCount = 0
    private(set) var clientReceived: [[UInt8]] = []
    private(set) var serverReceived: [[UInt8]] = []
    private(set) var clientHandshakeEvents = 0
    private(set) var serverHandshakeEvents = 0

    init(clientExpects: [CertificateFingerprint]? = nil, serverExpects: [CertificateFingerprint]? = nil,
         configuration: DTLSEngine.Configuration = .init()) throws {
        let clientCertificate = try DTLSCertificate.generate()
        let serverCertificate = try DTLSCertificate.generate()
        client = try DTLSEngine(role: .client, certificate: clientCertificate,
                                remoteFingerprints: clientExpects ?? [serverCertificate.fingerprint(.sha256)],
                                configuration: configuration)
        server = try DTLSEngine(role: .server, certificate: serverCertificate,
                                remoteFingerprints: serverExpects ?? [clientCertificate.fingerprint(.sha256)],
                                configuration: configuration)
    }

    private func note(_ datagrams: [[UInt8]]) {
        for datagram in datagrams {
            largestDatagram = max(largestDatagram, datagram.count)
            datagramCount += 1
        }
    }

    /// Delivers datagrams to the server and its replies to the client, back and forth until both are quiet.
    func pump(toServer initial: [[UInt8]], toClient initialReplies: [[UInt8]] = []) throws {
        var toServer = initial, toClient = initialReplies
        var rounds = 0
        while !(toServer.isEmpty && toClient.isEmpty) {
            rounds += 1
            #expect(rounds < 20, "the handshake does not converge")
            if rounds >= 20 { return }
            note(toServer)
            var replies: [[UInt8]] = []
            for datagram in toServer {
                let events = try server.receive(datagram)
                replies += events.datagrams
                serverReceived += events.applicationData
                if events.handshakeComplete { serverHandshakeEvents += 1 }
            }
            toServer = []
            toClient += replies
            note(toClient)
            for datagram in toClient {
                let events = try client.receive(datagram)
                toServer += events.datagrams
                clientReceived += events.applicationData
                if events.handshakeComplete { clientHandshakeEvents += 1 }
            }
            toClient = []
        }
    }

    func handshake() throws {
        let first = try client.start()
        #expect(try server.start().isEmpty)
        try pump(toServer: first)
    }
}

@Suite struct DTLSEngineTests {
    @Test func handshakeNegotiatesDTLS12WithECDHEAndSRTP() throws {
        let link = try DTLSLink()
        try link.handshake()
        #expect(link.client.state == .connected)
        #expect(link.server.state == .connected)
        #expect(link.clientHandshakeEvents == 1)
        #expect(link.serverHandshakeEvents == 1)
        #expect(link.client.protocolVersion == "DTLSv1.2")
        #expect(link.client.cipherSuite?.hasPrefix("ECDHE-ECDSA-") == true)
        #expect(link.client.cipherSuite == link.server.cipherSuite)
        #expect(link.client.selectedSRTPProfile == .aeadAes256Gcm)
        #expect(link.server.selectedSRTPProfile == .aeadAes256Gcm)
        #expect(link.datagramCount >= 4)
        #expect(link.largestDatagram <= 1200)
        #expect(link.client.remoteCertificateDER == link.server.certificate.derEncoded)
        #expect(link.server.remoteCertificateDER == link.client.certificate.derEncoded)
        #expect(link.client.nextTimeout == nil)
    }

    @Test func exportedSRTPKeysAgree() throws {
        let link = try DTLSLink()
        try link.handshake()
        let clientKeys = try link.client.exportSRTPKeyingMaterial()
        let serverKeys = try link.server.exportSRTPKeyingMaterial()
        #expect(clientKeys == serverKeys)
        #expect(clientKeys.profile == .aeadAes256Gcm)
        #expect(clientKeys.clientWriteKey.count == 32 && clientKeys.clientWriteSalt.count == 12)
        #expect(clientKeys.clientWriteKey != clientKeys.serverWriteKey)
        // What the client writes with is what the server reads with, and the other way round.
        #expect(clientKeys.localKeyAndSalt(role: .client) == serverKeys.remoteKeyAndSalt(role: .server))
        #expect(clientKeys.remoteKeyAndSalt(role: .client) == serverKeys.localKeyAndSalt(role: .server))
    }

    @Test(arguments: SRTPProtectionProfile.allCases)
    func eachSRTPProfileCanBeNegotiated(profile: SRTPProtectionProfile) throws {
        var configuration = DTLSEngine.Configuration()
        configuration.srtpProfiles = [profile]
        let link = try DTLSLink(configuration: configuration)
        try link.handshake()
        #expect(link.client.selectedSRTPProfile == profile)
        let keys = try link.client.exportSRTPKeyingMaterial()
        #expect(keys.clientWriteKey.count == profile.keyLength)
        #expect(keys.serverWriteSalt.count == profile.saltLength)
        #expect(keys == (try link.server.exportSRTPKeyingMaterial()))
    }

    @Test func applicationDataRoundTrips() throws {
        let link = try DTLSLink()
        try link.handshake()
        let hello = Array("hello from the client".utf8)
        let big = (0..<1100).map { UInt8($0 & 0xFF) }
        try link.pump(toServer: try link.client.send(hello) + link.client.send(big))
        #expect(link.serverReceived == [hello, big])
        let reply = Array("and back from the server".utf8)
        try link.pump(toServer: [], toClient: try link.server.send(reply))
        #expect(link.clientReceived == [reply])
        #expect(link.largestDatagram <= 1200)
    }

    @Test func applicationDataIsLimitedToOneDatagram() throws {
        let link = try DTLSLink()
        try link.handshake()
        let limit = try #require(link.client.maximumApplicationDataSize)
        #expect(limit > 1100 && limit < 1200)
        let full = [UInt8](repeating: 0xAB, count: limit)
        let datagrams = try link.client.send(full)
        #expect(datagrams.count == 1)
        #expect(datagrams.allSatisfy { $0.count <= 1200 })
        try link.pump(toServer: datagrams)
        #expect(link.serverReceived == [full])
        #expect(throws: CryptoError(.invalidArgument, "")) { try link.client.send(full + [0]) }
        // The association survives the refused write.
        try link.pump(toServer: try link.client.send([1]))
        #expect(link.serverReceived == [full, [1]])
    }

    @Test func closeNotifyReachesThePeer() throws {
        let link = try DTLSLink()
        try link.handshake()
        let alert = link.client.close()
        #expect(alert.count == 1)
        #expect(link.client.state == .closed)
        let events = try link.server.receive(alert[0])
        #expect(events.closed)
        #expect(link.server.state == .closed)
        #expect(link.client.close().isEmpty)
        #expect(throws: CryptoError(.invalidState, "")) { try link.client.send([1]) }
    }

    @Test func wrongFingerprintAtTheClientFailsTheHandshake() throws {
        let stranger = try DTLSCertificate.generate()
        let link = try DTLSLink(clientExpects: [stranger.fingerprint(.sha256)])
        let clientHello = try link.client.start()
        var serverFlight: [[UInt8]] = []
        for datagram in clientHello { serverFlight += try link.server.receive(datagram).datagrams }
        #expect(!serverFlight.isEmpty)

        var delivered: [[UInt8]] = []
        let error = #expect(throws: CryptoError.self) {
            for datagram in serverFlight { delivered += try link.client.receive(datagram).applicationData }
        }
        #expect(error?.code == .fingerprintMismatch)
        #expect(delivered.isEmpty)
        #expect(link.client.state == .failed)
        #expect(link.client.selectedSRTPProfile == nil)
        #expect(throws: CryptoError(.invalidState, "")) { try link.client.exportSRTPKeyingMaterial() }
        #expect(throws: CryptoError(.invalidState, "")) { try link.client.send([1, 2, 3]) }

        // The client told the server with a fatal alert; the server fails too and is never connected.
        let alert = link.client.takePendingDatagrams()
        #expect(!alert.isEmpty)
        #expect(throws: CryptoError(.handshakeFailed, "")) {
            for datagram in alert { _ = try link.server.receive(datagram) }
        }
        #expect(link.server.state == .failed)
    }

    @Test func wrongFingerprintAtTheServerFailsTheHandshake() throws {
        let stranger = try DTLSCertificate.generate()
        let link = try DTLSLink(serverExpects: [stranger.fingerprint(.sha256)])
        var toServer = try link.client.start()
        var serverError: CryptoError?
        var delivered: [[UInt8]] = []
        for _ in 0..<4 where serverError == nil {
            var toClient: [[UInt8]] = []
            do {
                for datagram in toServer {
                    let events = try link.server.receive(datagram)
                    toClient += events.datagrams
                    delivered += events.applicationData
                }
            } catch {
                serverError = error
                toClient += link.server.takePendingDatagrams()
            }
            toServer = []
            for datagram in toClient {
                guard let events = try? link.client.receive(datagram) else { break }
                toServer += events.datagrams
            }
        }
        #expect(serverError?.code == .fingerprintMismatch)
        #expect(delivered.isEmpty)
        #expect(link.server.state == .failed)
        #expect(link.client.state != .connected)
    }

    @Test func noExpectedFingerprintsTrustsNobody() throws {
        let link = try DTLSLink(clientExpects: [])
        let error = #expect(throws: CryptoError.self) { try link.handshake() }
        #expect(error?.code == .fingerprintMismatch)
        #expect(link.client.state == .failed)
    }

    @Test func anyOfSeveralFingerprintsMayMatch() throws {
        let stranger = try DTLSCertificate.generate()
        let link = try DTLSLink()
        let real = link.server.certificate
        let client = try DTLSEngine(role: .client, certificate: link.client.certificate,
                                    remoteFingerprints: [stranger.fingerprint(.sha256), real.fingerprint(.sha512)])
        var toServer = try client.start()
        for _ in 0..<6 where !toServer.isEmpty {
            var toClient: [[UInt8]] = []
            for datagram in toServer { toClient += try link.server.receive(datagram).datagrams }
            toServer = []
            for datagram in toClient { toServer += try client.receive(datagram).datagrams }
        }
        #expect(client.state == .connected)
        #expect(link.server.state == .connected)
    }

    @Test func lostFirstFlightIsRetransmittedAfterTheTimeout() async throws {
        var configuration = DTLSEngine.Configuration()
        configuration.initialRetransmissionTimeout = .milliseconds(250)
        let link = try DTLSLink(configuration: configuration)

        let lost = try link.client.start()
        #expect(!lost.isEmpty)
        let timeout = try #require(link.client.nextTimeout)
        #expect(timeout > .zero && timeout <= .milliseconds(250))
        // Not due yet: nothing is retransmitted.
        #expect(try link.client.handleTimeout().isEmpty)

        try await Task.sleep(for: timeout + .milliseconds(30))
        #expect(link.client.nextTimeout == .zero)
        let retransmitted = try link.client.handleTimeout()
        #expect(!retransmitted.isEmpty)
        // The timer doubled (RFC 6347 §4.2.4.1).
        let next = try #require(link.client.nextTimeout)
        #expect(next > .milliseconds(300) && next <= .milliseconds(500))

        try link.pump(toServer: retransmitted)
        #expect(link.client.state == .connected)
        #expect(link.server.state == .connected)
        #expect(try link.client.exportSRTPKeyingMaterial() == link.server.exportSRTPKeyingMaterial())
    }

    @Test func lostFinalFlightIsRecoveredFromTheConnectedServer() async throws {
        var configuration = DTLSEngine.Configuration()
        configuration.initialRetransmissionTimeout = .milliseconds(100)
        let link = try DTLSLink(configuration: configuration)
        // Flight 1 (ClientHello) -> flight 2 (ServerHello ... ServerHelloDone) -> flight 3 (client's key exchange,
        // certificate, Finished) -> flight 4 (server's ChangeCipherSpec and Finished), which is lost.
        var toServer = try link.client.start()
        var lostFinalFlight = false
        for _ in 0..<4 where !lostFinalFlight {
            var toClient: [[UInt8]] = []
            for datagram in toServer { toClient += try link.server.receive(datagram).datagrams }
            toServer = []
            if link.server.state == .connected {
                lostFinalFlight = true
                break
            }
            for datagram in toClient { toServer += try link.client.receive(datagram).datagrams }
        }
        #expect(lostFinalFlight)
        #expect(link.client.state == .handshaking)
        #expect(link.server.nextTimeout == nil)

        let timeout = try #require(link.client.nextTimeout)
        try await Task.sleep(for: timeout + .milliseconds(30))
        let retransmitted = try link.client.handleTimeout()
        #expect(!retransmitted.isEmpty)
        // The connected server answers the repeated flight by repeating its own (RFC 6347 §4.2.4).
        try link.pump(toServer: retransmitted)
        #expect(link.client.state == .connected)
        #expect(try link.client.exportSRTPKeyingMaterial() == link.server.exportSRTPKeyingMaterial())
    }

    @Test(arguments: [256, 300, 576])
    func handshakeMessagesAreFragmentedToASmallMTU(mtu: Int) throws {
        var configuration = DTLSEngine.Configuration()
        configuration.maximumDatagramSize = mtu
        let link = try DTLSLink(configuration: configuration)
        try link.handshake()
        #expect(link.client.state == .connected && link.server.state == .connected)
        #expect(link.largestDatagram <= mtu)
        #expect(try link.client.exportSRTPKeyingMaterial() == link.server.exportSRTPKeyingMaterial())
        let limit = try #require(link.client.maximumApplicationDataSize)
        let datagrams = try link.client.send([UInt8](repeating: 7, count: limit))
        #expect(datagrams.allSatisfy { $0.count <= mtu })
        // The certificates alone (about 300 bytes of DER each) cannot fit one datagram with the rest of a flight.
        #expect(link.client.certificate.derEncoded.count > 256)
        #expect(throws: CryptoError(.invalidArgument, "")) {
            var tiny = DTLSEngine.Configuration()
            tiny.maximumDatagramSize = 100
            _ = try DTLSEngine(role: .client, certificate: link.client.certificate, remoteFingerprints: [], configuration: tiny)
        }
    }

    @Test func garbageDatagramsAreIgnored() throws {
        let link = try DTLSLink()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let length = Int.random(in: 0..<300, using: &generator)
            var datagram = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Make some of them look like DTLS records (RFC 7983: first byte 20...63).
            if length > 0, Bool.random(using: &generator) { datagram[0] = UInt8.random(in: 20...25, using: &generator) }
            _ = try? link.server.receive(datagram)
        }
        // A fresh server that only ever saw the real client still completes.
        let clean = try DTLSLink()
        try clean.handshake()
        #expect(clean.client.state == .connected)
    }

    @Test func garbageAfterTheHandshakeDoesNotBreakTheAssociation() throws {
        let link = try DTLSLink()
        try link.handshake()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var datagram = (0..<Int.random(in: 13..<200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            datagram[0] = 23  // application_data content type
            datagram[1] = 0xFE; datagram[2] = 0xFD  // DTLS 1.2
            let events = try link.server.receive(datagram)
            #expect(events.applicationData.isEmpty)
        }
        try link.pump(toServer: try link.client.send([42]))
        #expect(link.serverReceived == [[42]])
    }
}
