// coturn's turnserver for tests: one launcher for every test target that needs a real TURN server.
public import Foundation
import NIOCore
import NIOPosix
import RTCTransport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// coturn's `turnserver`, started for one test on 127.0.0.1 and killed when the test ends.
///
/// The server has one long-term credential user, ``username`` / ``password`` in realm ``realm``, allows loopback
/// peers (which coturn forbids by default) and listens on loopback only: STUN and TURN over UDP and TCP on ``port``
/// and, when started with TLS, TURN over TLS (RFC 8656 §3.1) on ``tlsPort`` with a ``SelfSignedCertificate`` for
/// `localhost` and `127.0.0.1`. It is the server of `scripts/coturn`, with the same flags.
///
/// ```swift
/// let turn = try await CoturnServer.start()
/// defer { turn.stop() }
/// let server = RTCIceServer(urls: [turn.url("udp")], username: CoturnServer.username,
///                           credential: CoturnServer.password)
/// ```
///
/// ``start(tls:extraArguments:)`` returns once the server answers a STUN Binding request (and, with TLS, accepts
/// TCP connections on its TLS port). Its pidfile and log live in a temporary directory of its own, removed when
/// the server is released; ``log`` has the log's text for failure messages.
public final class CoturnServer: Sendable {
    /// The long-term credential user.
    public static let username = "test"
    /// The password of ``username``.
    public static let password = "secret"
    /// The realm of the long-term credentials.
    public static let realm = "asyncrtc.test"
    /// The only address the server listens and relays on.
    public static let host = "127.0.0.1"

    /// `turnserver` on `PATH` (or in /usr/bin, /usr/sbin, /usr/local/bin), if coturn is installed.
    public static var executable: URL? { findExecutable("turnserver") }

    /// Whether tests that need coturn (and, with `tls`, `openssl` for the certificate) can run.
    ///
    /// Under the test command (`ASYNCRTC_REQUIRE_INTEROP=1`, set by `scripts/test`) a missing `turnserver` is a
    /// failure, not a skip: `report` gets the reason (a test records it as an issue) and the answer is `true`, so
    /// that the tests run and fail loudly.
    public static func available(tls: Bool = false, orReport report: (String) -> Void) -> Bool {
        let installed = executable != nil
        if !installed && ProcessInfo.processInfo.environment["ASYNCRTC_REQUIRE_INTEROP"] == "1" {
            report("coturn's turnserver is not installed (Debian package coturn)")
            return true
        }
        return installed && (!tls || SelfSignedCertificate.openssl != nil)
    }

    /// The UDP and TCP port: STUN, and TURN over UDP and TCP.
    public let port: Int
    /// The TLS port (`--tls-listening-port`); nil when started without TLS.
    public let tlsPort: Int?
    /// The server's certificate (with its key); nil when started without TLS.
    public let certificate: SelfSignedCertificate?
    /// The temporary directory with the server's log and pidfile.
    public let directory: URL
    private let process: Process

    /// `turn:127.0.0.1:PORT?transport=TRANSPORT` (`udp` or `tcp`).
    public func url(_ transport: String) -> String { "turn:\(Self.host):\(port)?transport=\(transport)" }

    /// `stun:127.0.0.1:PORT`.
    public var stunURL: String { "stun:\(Self.host):\(port)" }

    /// `turns:127.0.0.1:TLSPORT`. Only for a server started with TLS.
    public var turnsURL: String {
        guard let tlsPort else { preconditionFailure("turnsURL of a CoturnServer started without TLS") }
        return "turns:\(Self.host):\(tlsPort)"
    }

    /// The certificate file, to trust as a CA (`RTCConfiguration.iceServerCAFile`); nil without TLS.
    public var caFile: String? { certificate?.certificateFile }

    /// The server's log so far (empty when it cannot be read).
    public var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("turnserver.log"), encoding: .utf8)) ?? ""
    }

    /// Starts `turnserver` on random ports of 127.0.0.1 and waits (up to 10 s) until it answers.
    ///
    /// - Parameters:
    ///   - tls: also listen for TLS on ``tlsPort`` (``port`` + 1000), with a new ``SelfSignedCertificate``.
    ///   - extraArguments: more `turnserver` flags, such as `--user-quota=1` or `--max-allocate-lifetime=4`.
    /// - Throws: ``RTCError`` when coturn is not installed or no server answered after five tries (on other
    ///   ports each time, in case one was taken); the message ends with the last server's log.
    public static func start(tls: Bool = false, extraArguments: [String] = []) async throws -> CoturnServer {
        guard let executable else { throw RTCError(.notSupported, "coturn's turnserver is not installed") }
        let certificate = tls ? try SelfSignedCertificate() : nil
        var lastLog = ""
        for _ in 0..<5 {
            let server = try launch(executable, port: Int.random(in: 20_000...39_000), certificate: certificate,
                                    extraArguments: extraArguments)
            if await server.waitUntilReady(timeout: .seconds(10)) { return server }
            server.stop()
            lastLog = String(server.log.suffix(2000))
        }
        throw RTCError(.operation, "turnserver did not answer: \(lastLog)")
    }

    /// Kills the server and waits for it to exit. SIGKILL: a turnserver started from the test process ignores
    /// SIGTERM and SIGINT.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private init(process: Process, port: Int, tlsPort: Int?, certificate: SelfSignedCertificate?, directory: URL) {
        self.process = process
        self.port = port
        self.tlsPort = tlsPort
        self.certificate = certificate
        self.directory = directory
    }

    /// Runs `turnserver` on `port` (TLS on `port` + 1000), relaying on 201 random ports above 41000.
    private static func launch(_ executable: URL, port: Int, certificate: SelfSignedCertificate?,
                               extraArguments: [String]) throws -> CoturnServer {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("asyncrtc-coturn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let tlsPort = certificate.map { _ in port + 1000 }
        let relay = Int.random(in: 41_000...60_000)
        let tlsArguments = if let certificate, let tlsPort {
            ["--tls-listening-port=\(tlsPort)", "--cert=\(certificate.certificateFile)",
             "--pkey=\(certificate.keyFile)"]
        } else {
            ["--no-tls"]
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = [
            "-n", "--listening-ip=\(host)", "--relay-ip=\(host)", "--listening-port=\(port)",
            "--min-port=\(relay)", "--max-port=\(relay + 200)",
            "--lt-cred-mech", "--user=\(username):\(password)", "--realm=\(realm)",
        ] + tlsArguments + [
            "--no-dtls", "--no-tcp-relay", "--allow-loopback-peers", "--no-cli",
            "--log-file=stdout", "--simple-log", "--no-software-attribute",
            "--pidfile=\(directory.appendingPathComponent("turnserver.pid").path)",
        ] + extraArguments
        do {
            let logURL = directory.appendingPathComponent("turnserver.log")
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
            let log = try FileHandle(forWritingTo: logURL)
            defer { try? log.close() }
            process.standardOutput = log
            process.standardError = log
            try process.run()
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        return CoturnServer(process: process, port: port, tlsPort: tlsPort, certificate: certificate,
                            directory: directory)
    }

    /// Whether, before `timeout`, the server answers a STUN Binding request on ``port`` and, with TLS, accepts a
    /// TCP connection on ``tlsPort``. False at once if the process exits.
    private func waitUntilReady(timeout: Duration) async -> Bool {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        guard let server = try? SocketAddress(ipAddress: Self.host, port: port) else { return false }
        let quick = STUNRetransmission(initialRTO: .milliseconds(100), maxTransmissions: 2, finalWaitMultiplier: 2)
        let deadline = ContinuousClock.now + timeout
        var answersSTUN = false
        while ContinuousClock.now < deadline && process.isRunning {
            if !answersSTUN {
                answersSTUN = (try? await STUNBindingClient.discover(server: server, localHost: Self.host, on: loop,
                                                                     retransmission: quick)) != nil
            }
            if answersSTUN {
                guard let tlsPort else { return true }
                if await Self.acceptsTCP(port: tlsPort, on: loop) { return true }
            }
            guard (try? await Task.sleep(for: .milliseconds(50))) != nil else { return false }
        }
        return false
    }

    /// Whether a TCP connection to 127.0.0.1:`port` succeeds (closed again at once).
    private static func acceptsTCP(port: Int, on loop: any EventLoop) async -> Bool {
        guard let channel = try? await ClientBootstrap(group: loop).connectTimeout(.seconds(1))
            .connect(host: host, port: port).get() else { return false }
        try? await channel.close()
        return true
    }

    /// The first executable file called `name` in a directory of `PATH`, /usr/bin, /usr/sbin or /usr/local/bin.
    static func findExecutable(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/usr/local/bin"]
        return directories.lazy.map { URL(fileURLWithPath: $0).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}

/// A self-signed ECDSA P-256 certificate and its key (`cert.pem`, `key.pem`), valid for two days, that
/// `openssl req` makes in a new temporary directory; the directory is removed when the certificate is released.
/// For TLS servers in tests: trust ``certificateFile`` as a CA.
public final class SelfSignedCertificate: Sendable {
    /// The directory that holds the two files.
    public let directory: URL
    /// The certificate, PEM (also the CA file that trusts it).
    public var certificateFile: String { directory.appendingPathComponent("cert.pem").path }
    /// The private key, PEM, unencrypted.
    public var keyFile: String { directory.appendingPathComponent("key.pem").path }

    /// `openssl` on `PATH` (or in /usr/bin, /usr/sbin, /usr/local/bin), if installed.
    public static var openssl: URL? { CoturnServer.findExecutable("openssl") }

    /// Makes a certificate with subject `CN=localhost` and the subject alternative names `subjectAltName`
    /// (`openssl` syntax). Throws ``RTCError`` when `openssl` is missing or fails.
    public init(subjectAltName: String = "DNS:localhost,IP:127.0.0.1") throws {
        guard let openssl = Self.openssl else { throw RTCError(.notSupported, "openssl is not installed") }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("asyncrtc-cert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let request = Process()
        request.executableURL = openssl
        request.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                             "-keyout", keyFile, "-out", certificateFile, "-days", "2",
                             "-subj", "/CN=localhost", "-addext", "subjectAltName=\(subjectAltName)"]
        request.standardOutput = FileHandle.nullDevice
        request.standardError = FileHandle.nullDevice
        try request.run()
        request.waitUntilExit()
        guard request.terminationStatus == 0 else { throw RTCError(.operation, "openssl req failed") }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }
}
