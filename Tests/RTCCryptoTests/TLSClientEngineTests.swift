import AsyncRTCTesting
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RTCCrypto
import Testing

/// A self-signed certificate for `localhost` and `127.0.0.1` (``SelfSignedCertificate``, made by `openssl req`),
/// and `openssl s_server -rev` (answers every line reversed) on a random loopback port, logging beside it.
final class OpenSSLTestServer: Sendable {
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") }

    let certificate: SelfSignedCertificate
    let process: Process
    let port: Int
    var certificatePath: String { certificate.certificateFile }

    /// Starts `openssl s_server` and waits (at most 10 s) until it prints ACCEPT.
    init(arguments: [String] = []) throws {
        certificate = try SelfSignedCertificate()
        let directory = certificate.directory
        var lastPort = 0
        var started: Process?
        for _ in 0..<5 {
            let port = Int.random(in: 20_000...40_000)
            let log = directory.appendingPathComponent("s_server-\(port).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = ["s_server", "-accept", "127.0.0.1:\(port)",
                                 "-cert", certificate.certificateFile, "-key", certificate.keyFile, "-rev"] + arguments
            process.standardOutput = try FileHandle(forWritingTo: log)
            process.standardError = process.standardOutput
            process.standardInput = Pipe()
            try process.run()
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline, process.isRunning {
                if let text = try? String(contentsOf: log, encoding: .utf8), text.contains("ACCEPT") { break }
                usleep(20_000)
            }
            if process.isRunning, (try? String(contentsOf: log, encoding: .utf8))?.contains("ACCEPT") == true {
                started = process
                lastPort = port
                break
            }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        guard let started else { throw CryptoError(.openSSL, "openssl s_server did not start") }
        process = started
        port = lastPort
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// A blocking TCP connection to 127.0.0.1 with a 5 s receive timeout, for driving the sans-I/O engine.
final class TestTCPConnection {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CryptoError(.openSSL, "socket() failed") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            throw CryptoError(.openSSL, "connect() failed")
        }
    }

    deinit { close(fd) }

    func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
    }

    /// What arrived, empty on EOF or after the timeout.
    func read() -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count > 0 ? Array(buffer.prefix(count)) : []
    }

    /// Runs the handshake to its end (at most 20 reads); throws what the engine throws.
    func handshake(_ engine: TLSClientEngine) throws {
        write(try engine.start())
        for _ in 0..<20 where engine.state == .handshaking {
            let bytes = read()
            if bytes.isEmpty { throw CryptoError(.handshakeFailed, "the server closed or went silent") }
            let events: TLSClientEngine.Events
            do {
                events = try engine.receive(bytes)
            } catch {
                write(engine.takePendingCiphertext())
                throw error
            }
            write(events.ciphertext)
        }
    }
}

@Suite(.enabled(if: OpenSSLTestServer.isAvailable), .serialized, .timeLimit(.minutes(1)))
struct TLSClientEngineTests {
    @Test(arguments: ["localhost", "127.0.0.1"])
    func handshakeAndDataRoundTripWithATrustedCA(name: String) throws {
        let server = try OpenSSLTestServer()
        let connection = try TestTCPConnection(port: server.port)
        let engine = try TLSClientEngine(serverName: name, verification: .caFile(server.certificatePath))
        try connection.handshake(engine)
        #expect(engine.state == .connected)
        #expect(engine.protocolVersion == "TLSv1.3")
        #expect(engine.cipherSuite != nil)
        connection.write(try engine.send(Array("hello, turns\n".utf8)))
        var received: [UInt8] = []
        for _ in 0..<20 where !received.contains(UInt8(ascii: "\n")) {
            let bytes = connection.read()
            if bytes.isEmpty { break }
            let events = try engine.receive(bytes)
            connection.write(events.ciphertext)
            received += events.plaintext
        }
        #expect(String(decoding: received, as: UTF8.self) == "snrut ,olleh\n")
        #expect(!engine.close().isEmpty)  // close_notify
        #expect(engine.state == .closed)
    }

    @Test func tls12AlsoWorks() throws {
        let server = try OpenSSLTestServer(arguments: ["-tls1_2"])
        let connection = try TestTCPConnection(port: server.port)
        let engine = try TLSClientEngine(serverName: "localhost", verification: .caFile(server.certificatePath))
        try connection.handshake(engine)
        #expect(engine.protocolVersion == "TLSv1.2")
    }

    @Test func aWrongHostNameIsRejected() throws {
        let server = try OpenSSLTestServer()
        let connection = try TestTCPConnection(port: server.port)
        let engine = try TLSClientEngine(serverName: "turn.example.org", verification: .caFile(server.certificatePath))
        let error = #expect(throws: CryptoError(.certificateRejected, "")) { try connection.handshake(engine) }
        #expect(error?.reason.contains("hostname mismatch") == true, "\(String(describing: error))")
        #expect(engine.state == .failed)
        #expect(throws: CryptoError(.invalidState, "")) { _ = try engine.send([1, 2, 3]) }
    }

    @Test func aWrongIPAddressIsRejected() throws {
        let server = try OpenSSLTestServer()
        let connection = try TestTCPConnection(port: server.port)
        let engine = try TLSClientEngine(serverName: "127.0.0.2", verification: .caFile(server.certificatePath))
        #expect(throws: CryptoError(.certificateRejected, "")) { try connection.handshake(engine) }
    }

    @Test func aSelfSignedCertificateIsNotInTheSystemTrustStore() throws {
        let server = try OpenSSLTestServer()
        let connection = try TestTCPConnection(port: server.port)
        let engine = try TLSClientEngine(serverName: "localhost")
        #expect(engine.verification == .systemTrustStore)
        let error = #expect(throws: CryptoError(.certificateRejected, "")) { try connection.handshake(engine) }
        #expect(error?.reason.contains("self-signed") == true, "\(String(describing: error))")
    }

    @Test func anotherCAIsNotTrusted() throws {
        let server = try OpenSSLTestServer()
        let other = try SelfSignedCertificate()
        defer { withExtendedLifetime(other) {} }  // its files go with it
        let connection = try TestTCPConnection(port: server.port)
        let engine = try TLSClientEngine(serverName: "localhost",
                                         verification: .caFile(other.certificateFile))
        #expect(throws: CryptoError(.certificateRejected, "")) { try connection.handshake(engine) }
    }

    @Test func disabledVerificationAcceptsAnyone() throws {
        let server = try OpenSSLTestServer()
        let connection = try TestTCPConnection(port: server.port)
        let engine = try TLSClientEngine(serverName: "whatever.invalid", verification: .disabled)
        try connection.handshake(engine)
        #expect(engine.state == .connected)
    }

    @Test func badArgumentsThrowBeforeAnyConnection() {
        #expect(throws: CryptoError(.invalidArgument, "")) {
            _ = try TLSClientEngine(serverName: "localhost", verification: .caFile("/nonexistent/ca.pem"))
        }
        #expect(throws: CryptoError(.invalidArgument, "")) { _ = try TLSClientEngine(serverName: nil) }
        #expect(throws: CryptoError(.invalidState, "")) {
            _ = try TLSClientEngine(serverName: "localhost").send([1])
        }
    }

    @Test func garbageFromTheServerFailsTheHandshake() throws {
        let engine = try TLSClientEngine(serverName: "localhost", verification: .disabled)
        _ = try engine.start()
        #expect(throws: CryptoError(.handshakeFailed, "")) { _ = try engine.receive(Array("HTTP/1.1 400 Bad\r\n\r\n".utf8)) }
        #expect(engine.state == .failed)
    }
}
