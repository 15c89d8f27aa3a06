import AsyncRTC
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing

/// coturn with TLS on loopback (`turns:`, RFC 8656 §3.1) and a self-signed certificate for `localhost` and
/// `127.0.0.1` that `openssl req` makes in a temporary directory. Ready once the TLS port accepts a connection.
final class TLSTURNServerProcess: Sendable {
    static var isAvailable: Bool {
        TURNServerProcess.isAvailable && FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")
    }

    let directory: URL
    let process: Process
    let tlsPort: Int
    var caFile: String { directory.appendingPathComponent("cert.pem").path }
    var url: String { "turns:127.0.0.1:\(tlsPort)" }

    static func start() async throws -> TLSTURNServerProcess {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("asyncrtc-pc-turns-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let req = Process()
        req.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        req.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                         "-keyout", directory.appendingPathComponent("key.pem").path,
                         "-out", directory.appendingPathComponent("cert.pem").path, "-days", "2",
                         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
        req.standardOutput = FileHandle.nullDevice
        req.standardError = FileHandle.nullDevice
        try req.run()
        req.waitUntilExit()
        guard req.terminationStatus == 0 else { throw RTCError(.operation, "openssl req failed") }
        for _ in 0..<5 {
            if let server = try await TLSTURNServerProcess(directory: directory, port: Int.random(in: 20_000...39_000)) {
                return server
            }
        }
        throw RTCError(.operation, "turnserver did not start")
    }

    private init?(directory: URL, port: Int) async throws {
        guard let executable = TURNServerProcess.executable else { throw RTCError(.notSupported, "no turnserver") }
        self.directory = directory
        tlsPort = port + 1000
        let relay = Int.random(in: 41_000...60_000)
        process = Process()
        process.executableURL = executable
        process.arguments = [
            "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", "--listening-port=\(port)",
            "--tls-listening-port=\(tlsPort)", "--cert=\(directory.appendingPathComponent("cert.pem").path)",
            "--pkey=\(directory.appendingPathComponent("key.pem").path)",
            "--min-port=\(relay)", "--max-port=\(relay + 200)", "--lt-cred-mech",
            "--user=\(TURNServerProcess.username):\(TURNServerProcess.password)", "--realm=asyncrtc.test",
            "--no-dtls", "--no-tcp-relay", "--allow-loopback-peers", "--no-cli", "--log-file=stdout", "--simple-log",
            "--no-software-attribute", "--pidfile=\(directory.path)/turnserver.pid",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline && process.isRunning {
            if Self.accepts(port: tlsPort) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        stop()
        return nil
    }

    private static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

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

/// Peer connections through coturn over TLS (`turns:` URLs and ``RTCConfiguration/iceServerCAFile``).
@Suite(.enabled(if: TLSTURNServerProcess.isAvailable), .serialized, .timeLimit(.minutes(2)))
struct PeerConnectionTURNTLSTests {
    func configuration(_ turn: TLSTURNServerProcess, trusted: Bool = true) -> RTCConfiguration {
        var configuration = RTCConfiguration(
            iceServers: [RTCIceServer(urls: [turn.url], username: TURNServerProcess.username,
                                      credential: TURNServerProcess.password)],
            iceTransportPolicy: .relay, loopbackOnly: true)
        if trusted { configuration.iceServerCAFile = turn.caFile }
        return configuration
    }

    @Test func turnsURLsParse() throws {
        let url = try RTCIceServerURL(parsing: "turns:turn.example.org")
        #expect(url.scheme == .turns && url.port == 5349 && url.transport == nil)
        #expect(try RTCIceServerURL(parsing: "turns:[::1]:443?transport=tcp").description == "turns:[::1]:443?transport=tcp")
        #expect(RTCConfiguration().iceServerCAFile == nil)  // the system trust store by default
    }

    @Test func relayOnlyPeerConnectionsEchoThroughCoturnOverTLS() async throws {
        let turn = try await TLSTURNServerProcess.start()
        defer { turn.stop() }
        let offerer = RTCPeerConnection(configuration: configuration(turn))
        let answerer = RTCPeerConnection(configuration: configuration(turn))
        let remoteChannel = Mutex<RTCDataChannel?>(nil)
        answerer.onDataChannel = { channel in
            remoteChannel.withLock { $0 = channel }
            channel.onMessage = { message in
                switch message {
                case .text(let t): try? channel.send(t)
                case .binary(let b): try? channel.send(b)
                }
            }
        }
        let channel = try offerer.createDataChannel("turns")
        let inbox = PeerConnectionTURNTests.Inbox()
        channel.onMessage = { inbox.add($0) }

        try await offerer.setLocalDescription()
        let offer = try #require(offerer.localDescription)
        try await answerer.setRemoteDescription(offer)
        try await answerer.setLocalDescription()
        let answer = try #require(answerer.localDescription)
        try await offerer.setRemoteDescription(answer)
        for sdp in [offer.sdp, answer.sdp] {
            let lines = PeerConnectionTURNTests.candidateLines(sdp)
            #expect(lines.count == 1 && lines.allSatisfy { $0.contains(" typ relay ") }, "\(lines)")
        }

        try await PeerConnectionTURNTests.waitUntil { channel.readyState == .open && remoteChannel.withLock { $0 } != nil }
        try #require(channel.readyState == .open, "the data channel did not open through coturn over TLS")
        let sent: [RTCDataChannelMessage] = [
            .text("through coturn over tls"), .binary((0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 11) }),
            .text("ünïcødé"),
        ]
        for m in sent {
            switch m {
            case .text(let t): try channel.send(t)
            case .binary(let b): try channel.send(b)
            }
        }
        try await PeerConnectionTURNTests.waitUntil { inbox.count >= sent.count }
        #expect(inbox.messages.withLock { $0 } == sent)
        #expect(await PeerConnectionTURNTests.selectedLocalCandidateType(offerer) == "relay")
        #expect(await PeerConnectionTURNTests.selectedLocalCandidateType(answerer) == "relay")
        await offerer.close()
        await answerer.close()
    }

    @Test func anUntrustedCertificateGivesNoRelayedCandidate() async throws {
        let turn = try await TLSTURNServerProcess.start()
        defer { turn.stop() }
        // No CA file: the self-signed certificate is checked against the system trust store and rejected.
        let pc = RTCPeerConnection(configuration: configuration(turn, trusted: false))
        let started = ContinuousClock.now
        let offer = try await pc.createOffer()
        #expect(ContinuousClock.now - started < .seconds(30), "bounded by the TLS connect timeout, no hang")
        #expect(PeerConnectionTURNTests.candidateLines(offer.sdp).isEmpty, "\(offer.sdp)")
        await pc.close()
    }
}
