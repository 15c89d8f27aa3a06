import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import RTCCrypto
import RTCTransport
import RTCWire
import Synchronization
import Testing

/// coturn with TLS on loopback (RFC 8656 §3.1): `turnserver --cert --pkey --tls-listening-port` with a self-signed
/// certificate for `localhost` / `127.0.0.1` that the test makes with `openssl req`. Plain UDP/TCP stay on `port`
/// (used to see that the server is up), TLS listens on `tlsPort`.
final class TLSCoturn: Sendable {
    static var isAvailable: Bool {
        Coturn.isAvailable && FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")
    }

    let directory: URL
    let process: Process
    let port: Int
    let tlsPort: Int
    var caFile: String { directory.appendingPathComponent("cert.pem").path }
    var verification: TLSClientEngine.Verification { .caFile(caFile) }
    var tlsServer: SocketAddress { try! SocketAddress(ipAddress: "127.0.0.1", port: tlsPort) }

    /// Makes `cert.pem`/`key.pem` (ECDSA P-256, valid 2 days) in a new temporary directory.
    static func makeCertificate(subjectAltName: String = "DNS:localhost,IP:127.0.0.1") throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("asyncrtc-turns-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let req = Process()
        req.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        req.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                         "-keyout", directory.appendingPathComponent("key.pem").path,
                         "-out", directory.appendingPathComponent("cert.pem").path, "-days", "2",
                         "-subj", "/CN=localhost", "-addext", "subjectAltName=\(subjectAltName)"]
        req.standardOutput = FileHandle.nullDevice
        req.standardError = FileHandle.nullDevice
        try req.run()
        req.waitUntilExit()
        guard req.terminationStatus == 0 else { throw TURNError(.closed, "openssl req failed") }
        return directory
    }

    static func start() async throws -> TLSCoturn {
        let directory = try makeCertificate()
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = Int.random(in: 20_000...39_000)
            do {
                return try await TLSCoturn(directory: directory, port: port, tlsPort: port + 1000,
                                           relay: Int.random(in: 41_000...60_000))
            } catch {
                lastError = error
            }
        }
        throw lastError ?? TURNError(.timedOut, "turnserver did not start")
    }

    private init(directory: URL, port: Int, tlsPort: Int, relay: Int) async throws {
        guard let executable = Coturn.executable else { throw TURNError(.closed, "turnserver is not installed") }
        self.directory = directory
        self.port = port
        self.tlsPort = tlsPort
        let logURL = directory.appendingPathComponent("turnserver-\(port).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process = Process()
        process.executableURL = executable
        process.arguments = [
            "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", "--listening-port=\(port)",
            "--tls-listening-port=\(tlsPort)", "--cert=\(directory.appendingPathComponent("cert.pem").path)",
            "--pkey=\(directory.appendingPathComponent("key.pem").path)",
            "--min-port=\(relay)", "--max-port=\(relay + 200)",
            "--lt-cred-mech", "--user=\(Coturn.username):\(Coturn.password)", "--realm=asyncrtc.test",
            "--no-dtls", "--no-tcp-relay", "--allow-loopback-peers", "--no-cli",
            "--log-file=stdout", "--simple-log", "--no-software-attribute",
            "--pidfile=\(directory.path)/turnserver.pid",
        ]
        let log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let server = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline, process.isRunning {
            let quick = STUNRetransmission(initialRTO: .milliseconds(100), maxTransmissions: 2, finalWaitMultiplier: 2)
            if (try? await STUNBindingClient.discover(server: server, localHost: "127.0.0.1",
                                                       on: MultiThreadedEventLoopGroup.singleton.next(),
                                                       retransmission: quick)) != nil {
                return
            }
        }
        stop()
        throw TURNError(.timedOut, "turnserver on port \(port) did not answer")
    }

    func turns(host: String = "127.0.0.1", verification: TLSClientEngine.Verification? = nil) -> ICEServer {
        .turns(host: host, port: tlsPort, username: Coturn.username, password: Coturn.password,
               verification: verification ?? self.verification)
    }

    /// SIGKILL: turnserver started from the test process ignores SIGTERM.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// TURN over TLS against coturn: the client, gathering, and two peer transports relayed through it.
@Suite(.enabled(if: TLSCoturn.isAvailable), .serialized, .timeLimit(.minutes(2)))
struct TURNTLSTests {
    var loop: any EventLoop { MultiThreadedEventLoopGroup.singleton.next() }

    func tlsOptions(name: String? = nil, verification: TLSClientEngine.Verification) -> TURNClient.Options {
        var options = TURNClient.Options()
        options.transport = .tls
        options.impairment = ImpairmentProfile()
        options.localHost = "127.0.0.1"
        options.tlsServerName = name
        options.tlsVerification = verification
        options.connectTimeout = .seconds(3)
        return options
    }

    @Test(arguments: [nil, "localhost"])
    func clientRelaysBothWaysOverTLS(name: String?) async throws {
        let coturn = try await TLSCoturn.start()
        defer { coturn.stop() }
        let toClient = Received()
        let client = try await TURNClient.connect(
            server: coturn.tlsServer, username: Coturn.username, password: Coturn.password, on: loop,
            options: tlsOptions(name: name, verification: coturn.verification)) { peer, payload in
            toClient.add("\(peer)", payload)
        }
        let allocated = try await client.allocate()
        #expect(allocated.relayedAddress.ip == STUNAddress.IP("127.0.0.1"))
        #expect(allocated.mappedAddress == STUNAddress(socketAddress: client.localAddress))

        let toPeer = Received()
        let peerSocket = try await UDPSocket.bind(host: "127.0.0.1", on: loop, impairment: ImpairmentProfile()) {
            datagram, from in toPeer.add("\(STUNAddress(socketAddress: from)!)", datagram)
        }
        let peer = try #require(STUNAddress(socketAddress: peerSocket.localAddress))
        try await client.createPermission(for: peer)
        client.send(ByteBuffer(string: "over tls"), to: peer)
        #expect(try await toPeer.wait { $0.payload == Array("over tls".utf8) }?.from == "\(allocated.relayedAddress)")
        peerSocket.send(ByteBuffer(string: "and back"), to: try allocated.relayedAddress.socketAddress())
        #expect(try await toClient.wait { $0.payload == Array("and back".utf8) }?.from == "\(peer)")

        // ChannelData (padded on a stream, RFC 8656 §12.5) inside TLS records.
        _ = try await client.bindChannel(to: peer)
        let odd = ByteBuffer(bytes: (0..<1001).map { UInt8(truncatingIfNeeded: $0 &* 13) })
        client.send(odd, to: peer)
        #expect(try await toPeer.wait { $0.payload == Array(odd.readableBytesView) } != nil)
        peerSocket.send(odd, to: try allocated.relayedAddress.socketAddress())
        #expect(try await toClient.wait { $0.payload == Array(odd.readableBytesView) && $0.from == "\(peer)" } != nil)
        #expect(await client.counters.channelDataSent == 1)

        await client.close(timeout: .seconds(2))
        await peerSocket.close()
    }

    @Test func untrustedOrMisnamedServersFailToConnect() async throws {
        let coturn = try await TLSCoturn.start()
        defer { coturn.stop() }
        let other = try TLSCoturn.makeCertificate()
        defer { try? FileManager.default.removeItem(at: other) }
        let cases: [(String?, TLSClientEngine.Verification)] = [
            (nil, .systemTrustStore),                                       // self-signed: not in the system store
            (nil, .caFile(other.appendingPathComponent("cert.pem").path)),  // another CA
            ("turn.example.org", coturn.verification),                      // trusted, but for another name
        ]
        for (name, verification) in cases {
            let started = ContinuousClock.now
            let error = await #expect(throws: CryptoError(.certificateRejected, "")) {
                _ = try await TURNClient.connect(server: coturn.tlsServer, username: Coturn.username,
                                                 password: Coturn.password, on: loop,
                                                 options: tlsOptions(name: name, verification: verification)) { _, _ in }
            }
            #expect(ContinuousClock.now - started < .seconds(30), "\(String(describing: error))")
        }
    }

    @Test func aServerThatNeverFinishesTheHandshakeTimesOut() async throws {
        // Accepts TCP connections and never says a word.
        let mute = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let started = ContinuousClock.now
        var options = tlsOptions(verification: .disabled)
        options.connectTimeout = .milliseconds(500)
        await #expect(throws: TURNError(.timedOut, "")) {
            _ = try await TURNClient.connect(server: mute.localAddress!, username: "u", password: "p", on: loop,
                                             options: options) { _, _ in }
        }
        #expect(ContinuousClock.now - started < .seconds(30), "bounded by the connect timeout, no hang")
        try await mute.close()
    }

    @Test func relayedCandidateGatheredOverTLS() async throws {
        let coturn = try await TLSCoturn.start()
        defer { coturn.stop() }
        let servers = [coturn.turns(), ICEServer.turn(host: "127.0.0.1", port: coturn.port, transport: .udp,
                                                      username: Coturn.username, password: Coturn.password)]
        let endpoint = try await ICEEndpoint.gather(on: loop, role: .controlling,
                                                    options: ICEServerGatheringTests.options(servers, policy: .relay)) { _ in }
        let candidates = await endpoint.localCandidates
        let failures = await endpoint.gatheringFailures
        #expect(candidates.count == 2, "\(candidates) \(failures)")
        let tls = try #require(candidates.first { $0.relayProtocol == .tls }, "\(failures)")
        let udp = try #require(candidates.first { $0.relayProtocol == .udp })
        #expect(tls.type == .relayed)
        #expect(tls.address.ip == STUNAddress.IP("127.0.0.1"))
        // TLS relays rank below UDP ones (RFC 8445 §5.1.2.1 local preference), and have their own foundation.
        #expect(tls.priority < udp.priority)
        #expect(tls.foundation != udp.foundation)
        #expect(ICEServer.turns(host: "h", username: "u", password: "p").port == 5349)
        #expect(ICEServer(kind: .turn, host: "h", transport: .tls).port == 5349)
        #expect(ICEServer(kind: .turn, host: "h", transport: .tcp).port == 3478)
        #expect(ICEServer.turns(host: "h", username: "u", password: "p").tlsVerification == .systemTrustStore)
        await endpoint.close()
    }

    @Test func untrustedTLSServersGiveNoRelayedCandidateAndDoNotHang() async throws {
        let coturn = try await TLSCoturn.start()
        defer { coturn.stop() }
        let mute = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let mutePort = try #require(mute.localAddress?.port)
        let servers = [
            coturn.turns(verification: .systemTrustStore),  // self-signed
            coturn.turns(),                                 // trusted: the only candidate
            ICEServer.turns(host: "127.0.0.1", port: mutePort, username: "u", password: "p", verification: .disabled),
        ]
        let started = ContinuousClock.now
        let endpoint = try await ICEEndpoint.gather(
            on: loop, role: .controlling,
            options: ICEServerGatheringTests.options(servers, policy: .relay, timeout: .milliseconds(1500))) { _ in }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(30), "gathering is bounded, no hang: \(elapsed)")
        let candidates = await endpoint.localCandidates
        let failures = await endpoint.gatheringFailures
        #expect(candidates.count == 1 && candidates.allSatisfy { $0.relayProtocol == .tls }, "\(candidates) \(failures)")
        #expect(failures.count == 2, "\(failures)")
        #expect(failures.contains { $0.contains("turns:127.0.0.1:\(coturn.tlsPort)") && $0.contains("self-signed") },
                "\(failures)")
        await endpoint.close()
        try await mute.close()
    }

    @Test func peerTransportsConnectThroughCoturnOverTLS() async throws {
        let coturn = try await TLSCoturn.start()
        defer { coturn.stop() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let watches = [ICEServerGatheringTests.Watch(), ICEServerGatheringTests.Watch()]
        var peers: [PeerTransport] = []
        for i in 0..<2 {
            let watch = watches[i]
            peers.append(try await PeerTransport.make(
                on: group.next(), iceRole: i == 0 ? .controlling : .controlled,
                certificate: try DTLSCertificate.generate(),
                iceOptions: ICEServerGatheringTests.options([coturn.turns()], policy: .relay)) { watch.record($0) })
        }
        let locals = [await peers[0].localParameters, await peers[1].localParameters]
        for local in locals {
            #expect(local.candidates.count == 1 && local.candidates.allSatisfy { $0.type == .relayed })
        }
        for i in 0..<2 {
            peers[i].start(remote: locals[1 - i].asRemote(peerDTLSRole: i == 0 ? .server : .client, sctp: .init()))
        }
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline, !watches.allSatisfy({ $0.sctp.withLock { $0?.isEstablished } == true }) {
            try await Task.sleep(for: .milliseconds(20))
        }
        let associations = watches.compactMap { $0.sctp.withLock { $0 } }
        try #require(associations.count == 2 && associations.allSatisfy(\.isEstablished), "SCTP did not come up")

        let selected = try #require(await peers[0].ice.selectedPair)
        let other = try #require(await peers[1].ice.selectedPair)
        #expect(selected.local.type == .relayed && selected.local.relayProtocol == .tls)
        #expect(other.local.type == .relayed)
        #expect(other.remote.address == selected.local.address)

        let data = TransportStackTests.chunks(count: 16)
        #expect(try await TransportStackTests.transfer(data, from: associations[0], to: associations[1])
                == Digest.hash(.sha256, data.flatMap { $0 }))
        let back = TransportStackTests.chunks(count: 8, seed: 3)
        #expect(try await TransportStackTests.transfer(back, from: associations[1], to: associations[0])
                == Digest.hash(.sha256, back.flatMap { $0 }))
        let counters = try #require(await peers[0].ice.relayCounters.first)
        #expect(counters.channelDataSent > 100, "\(counters)")

        for p in peers { await p.close() }
        try await group.shutdownGracefully()
    }
}
