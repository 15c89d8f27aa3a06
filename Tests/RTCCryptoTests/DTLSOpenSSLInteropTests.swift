import Foundation
import Glibc
import RTCCrypto
import Synchronization
import Testing

/// The `openssl` command, if installed.
private let openSSLCommand: String? = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

/// Issue 7, S2: the DTLS policy of ``DTLSEngine`` checked against the `openssl` command (`s_server` /
/// `s_client -dtls1_2`, apt `openssl`), over real UDP sockets on loopback. The engine interoperates in both roles
/// (handshake, `use_srtp`, identical exported SRTP keying material, application data both ways); refuses suites
/// without ECDHE or with NULL encryption; refuses renegotiation in both directions; and, when SRTP is required,
/// fails when no SRTP protection profile is in common. Skipped when the command is missing.
@Suite(.serialized, .enabled(if: openSSLCommand != nil))
struct DTLSOpenSSLInteropTests {
    static let openssl = openSSLCommand

    // MARK: A UDP socket on loopback

    /// A blocking IPv4 UDP socket bound to 127.0.0.1, read with a timeout.
    final class UDPSocket {
        let fd: Int32
        let port: UInt16

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            guard fd >= 0 else { throw POSIXError(.EIO) }
            var address = Self.loopback(port: 0)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            self.fd = fd
            port = UInt16(bigEndian: address.sin_port)
        }

        deinit { close(fd) }

        static func loopback(port: UInt16) -> sockaddr_in {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            return address
        }

        func send(_ datagram: [UInt8], to port: UInt16) {
            var address = Self.loopback(port: port)
            _ = datagram.withUnsafeBytes { bytes in
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
        }

        /// One datagram and the port it came from, or nil after `milliseconds`.
        func receive(milliseconds: Int32) -> ([UInt8], UInt16)? {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, milliseconds) == 1 else { return nil }
            var buffer = [UInt8](repeating: 0, count: 65_536)
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let count = buffer.withUnsafeMutableBytes { bytes in
                withUnsafeMutablePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, bytes.baseAddress, bytes.count, 0, $0, &length) }
                }
            }
            guard count >= 0 else { return nil }
            return (Array(buffer[0..<count]), UInt16(bigEndian: address.sin_port))
        }
    }

    /// A free UDP port on loopback (bound, read, released: openssl binds it a moment later).
    static func freePort() throws -> UInt16 { try UDPSocket().port }

    // MARK: The openssl command

    /// A running `openssl` with its stdin open and its stdout + stderr collected.
    final class OpenSSLProcess: Sendable {
        let process: Process
        let input: Pipe
        /// openssl's stdout and stderr go to this file (read back by ``text``).
        let outputPath: String

        init(_ arguments: [String]) throws {
            process = Process()
            process.executableURL = URL(fileURLWithPath: DTLSOpenSSLInteropTests.openssl!)
            process.arguments = arguments
            input = Pipe()
            outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("asyncrtc-s2-\(UUID().uuidString).log").path
            _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
            let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
            process.standardInput = input
            process.standardOutput = out
            process.standardError = out
            try process.run()
            try out.close()
        }

        var text: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

        func write(_ line: String) { input.fileHandleForWriting.write(Data(line.utf8)) }

        func waitFor(_ needle: String, seconds: Double = 20) async -> Bool {
            let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            while ContinuousClock.now < deadline {
                if text.contains(needle) { return true }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return text.contains(needle)
        }

        /// The hex after `Keying material: ` (the `-keymatexport` output), as bytes.
        var keyingMaterial: [UInt8]? {
            guard let line = text.split(separator: "\n").first(where: { $0.contains("Keying material: ") }) else { return nil }
            let hex = line.split(separator: " ").last.map(String.init) ?? ""
            var bytes: [UInt8] = []
            var index = hex.startIndex
            while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
                guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
                bytes.append(byte)
                index = next
            }
            return bytes
        }

        func stop() {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            try? input.fileHandleForWriting.close()
            try? FileManager.default.removeItem(atPath: outputPath)
        }
    }

    /// The certificate (ours) written as PEM files for openssl; both ends present it, each trusts its fingerprint.
    struct Credentials {
        let certificate: DTLSCertificate
        let certificatePath: String
        let keyPath: String

        init() throws {
            certificate = try DTLSCertificate.generate(commonName: "s2")
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("asyncrtc-s2-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            certificatePath = directory.appendingPathComponent("cert.pem").path
            keyPath = directory.appendingPathComponent("key.pem").path
            try certificate.certificatePEM.write(toFile: certificatePath, atomically: true, encoding: .utf8)
            try certificate.privateKeyPEM.write(toFile: keyPath, atomically: true, encoding: .utf8)
        }
    }

    // MARK: Driving the engine over the socket

    /// What the engine did while being driven.
    struct Run {
        var handshakes = 0
        var failure: CryptoError?
        var received: [[UInt8]] = []
        /// Every datagram the engine sent, after the handshake completed.
        var sentAfterHandshake: [[UInt8]] = []
        var closed = false
    }

    /// Feeds the engine every datagram from the socket, retransmits on its timer, sends what it returns (to
    /// `peerPort`, or to whoever spoke first when nil), until `done` holds or `seconds` pass.
    static func drive(_ engine: DTLSEngine, _ socket: UDPSocket, peerPort: UInt16?, run: inout Run,
                      seconds: Double = 20, done: (Run) -> Bool) {
        var peer = peerPort
        func emit(_ datagrams: [[UInt8]], _ run: inout Run) {
            guard let peer else { return }
            for d in datagrams {
                socket.send(d, to: peer)
                if run.handshakes > 0 { run.sentAfterHandshake.append(d) }
            }
        }
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while !done(run) && ContinuousClock.now < deadline && run.failure == nil {
            if let (datagram, from) = socket.receive(milliseconds: 20) {
                if peer == nil { peer = from }
                do {
                    let events = try engine.receive(datagram)
                    if events.handshakeComplete { run.handshakes += 1 }
                    emit(events.datagrams, &run)
                    run.received += events.applicationData
                    if events.closed { run.closed = true }
                } catch {
                    emit(engine.takePendingDatagrams(), &run)
                    run.failure = error
                }
            }
            if let wait = engine.nextTimeout, wait == .zero {
                do { emit(try engine.handleTimeout(), &run) } catch { run.failure = error }
            }
        }
    }

    static func engine(_ role: DTLSEngine.Role, _ credentials: Credentials,
                       profiles: [SRTPProtectionProfile] = SRTPProtectionProfile.preferenceOrder,
                       requireSRTP: Bool = false) throws -> DTLSEngine {
        var configuration = DTLSEngine.Configuration()
        configuration.srtpProfiles = profiles
        configuration.requiresSRTPProfile = requireSRTP
        configuration.initialRetransmissionTimeout = .milliseconds(300)
        return try DTLSEngine(role: role, certificate: credentials.certificate,
                              remoteFingerprints: [credentials.certificate.fingerprint()], configuration: configuration)
    }

    static func server(_ credentials: Credentials, port: UInt16, _ extra: [String]) throws -> OpenSSLProcess {
        try OpenSSLProcess(["s_server", "-dtls1_2", "-accept", "127.0.0.1:\(port)", "-cert", credentials.certificatePath,
                            "-key", credentials.keyPath, "-verify", "1"] + extra)
    }

    static func client(_ credentials: Credentials, port: UInt16, _ extra: [String]) throws -> OpenSSLProcess {
        try OpenSSLProcess(["s_client", "-dtls1_2", "-connect", "127.0.0.1:\(port)", "-cert", credentials.certificatePath,
                            "-key", credentials.keyPath] + extra)
    }

    /// The keying material as RFC 5764 §4.2 lays it out: client key, server key, client salt, server salt.
    static func exported(_ keys: SRTPKeyingMaterial) -> [UInt8] {
        keys.clientWriteKey + keys.serverWriteKey + keys.clientWriteSalt + keys.serverWriteSalt
    }

    static func keyExportArguments(_ profile: SRTPProtectionProfile) -> [String] {
        ["-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", "\(2 * (profile.keyLength + profile.saltLength))"]
    }

    // MARK: Interop

    @Test("our client ↔ openssl s_server: handshake, use_srtp, the same SRTP keys, data both ways",
          arguments: [SRTPProtectionProfile.aeadAes128Gcm, .aes128CmHmacSha1_80])
    func clientInteroperatesWithOpenSSLServer(profile: SRTPProtectionProfile) async throws {
        let credentials = try Credentials()
        let port = try Self.freePort()
        let server = try Self.server(credentials, port: port, ["-use_srtp", profile.name] + Self.keyExportArguments(profile))
        defer { server.stop() }
        #expect(await server.waitFor("ACCEPT"))
        let socket = try UDPSocket()
        let engine = try Self.engine(.client, credentials)
        var run = Run()
        for d in try engine.start() { socket.send(d, to: port) }
        Self.drive(engine, socket, peerPort: port, run: &run) { $0.handshakes > 0 }
        #expect(run.failure == nil, "\(String(describing: run.failure))\n\(server.text)")
        try #require(engine.state == .connected)
        #expect(engine.protocolVersion == "DTLSv1.2")
        #expect(engine.cipherSuite?.hasPrefix("ECDHE-") == true, "\(engine.cipherSuite ?? "-")")
        #expect(engine.selectedSRTPProfile == profile)
        #expect(await server.waitFor("SRTP Extension negotiated, profile=\(profile.name)"))
        #expect(await server.waitFor("Keying material: "))
        #expect(server.keyingMaterial == Self.exported(try engine.exportSRTPKeyingMaterial()))

        for d in try engine.send(Array("hello from swift\n".utf8)) { socket.send(d, to: port) }
        #expect(await server.waitFor("hello from swift"))
        server.write("hello from openssl\n")
        Self.drive(engine, socket, peerPort: port, run: &run) { !$0.received.isEmpty }
        #expect(run.received.map { String(decoding: $0, as: UTF8.self) }.joined() == "hello from openssl\n")
        for d in engine.close() { socket.send(d, to: port) }
    }

    @Test("openssl s_client ↔ our server: handshake, use_srtp, the same SRTP keys, data both ways",
          arguments: [SRTPProtectionProfile.aeadAes256Gcm, .aes128CmHmacSha1_80])
    func serverInteroperatesWithOpenSSLClient(profile: SRTPProtectionProfile) async throws {
        let credentials = try Credentials()
        let socket = try UDPSocket()
        let engine = try Self.engine(.server, credentials)
        _ = try engine.start()
        let client = try Self.client(credentials, port: socket.port, ["-use_srtp", profile.name] + Self.keyExportArguments(profile))
        defer { client.stop() }
        var run = Run()
        Self.drive(engine, socket, peerPort: nil, run: &run) { $0.handshakes > 0 }
        #expect(run.failure == nil, "\(String(describing: run.failure))\n\(client.text)")
        try #require(engine.state == .connected)
        #expect(engine.cipherSuite?.hasPrefix("ECDHE-") == true)
        #expect(engine.selectedSRTPProfile == profile)
        #expect(await client.waitFor("SRTP Extension negotiated, profile=\(profile.name)"))
        #expect(await client.waitFor("Keying material: "))
        #expect(client.keyingMaterial == Self.exported(try engine.exportSRTPKeyingMaterial()))

        client.write("hello from openssl\n")
        Self.drive(engine, socket, peerPort: nil, run: &run) { !$0.received.isEmpty }
        #expect(run.received.map { String(decoding: $0, as: UTF8.self) }.joined() == "hello from openssl\n")
    }

    // MARK: Cipher suites

    /// The cipher suites of our ClientHello (RFC 6347 §4.2.2 / RFC 5246 §7.4.1.2): record header 13 bytes,
    /// handshake header 12, version 2, random 32, session id, cookie, then the suite list.
    static func offeredSuites(_ clientHello: [UInt8]) -> [UInt16]? {
        var i = 13 + 12 + 2 + 32
        guard clientHello.count > i, clientHello[0] == 22 else { return nil }
        i += 1 + Int(clientHello[i])  // session id
        guard clientHello.count > i else { return nil }
        i += 1 + Int(clientHello[i])  // cookie
        guard clientHello.count >= i + 2 else { return nil }
        let length = Int(clientHello[i]) << 8 | Int(clientHello[i + 1])
        i += 2
        guard clientHello.count >= i + length, length % 2 == 0 else { return nil }
        return stride(from: i, to: i + length, by: 2).map { UInt16(clientHello[$0]) << 8 | UInt16(clientHello[$0 + 1]) }
    }

    @Test("the ClientHello offers only ECDHE AEAD suites (and the renegotiation SCSV)")
    func clientHelloOffersOnlyECDHEAEAD() throws {
        let engine = try Self.engine(.client, try Credentials())
        let hello = try #require(try engine.start().first)
        let suites = try #require(Self.offeredSuites(hello))
        // ECDHE-ECDSA / ECDHE-RSA with AES-GCM (RFC 5289) or ChaCha20-Poly1305 (RFC 7905), and
        // TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746).
        let allowed: Set<UInt16> = [0xC02B, 0xC02C, 0xC02F, 0xC030, 0xCCA8, 0xCCA9, 0x00FF]
        #expect(!suites.isEmpty && Set(suites).isSubset(of: allowed), "\(suites.map { String($0, radix: 16) })")
    }

    /// Suites a WebRTC endpoint must never agree to: static RSA key exchange, finite-field DHE, and ECDHE with NULL
    /// encryption (`@SECLEVEL=0` lets openssl offer them at all).
    static let forbiddenSuites = "AES128-GCM-SHA256:AES256-SHA:DHE-RSA-AES128-GCM-SHA256:NULL-SHA256:ECDHE-ECDSA-NULL-SHA:ECDHE-RSA-NULL-SHA:@SECLEVEL=0"

    @Test("our server refuses a client that offers only non-ECDHE or NULL suites")
    func serverRefusesForbiddenSuites() async throws {
        let credentials = try Credentials()
        let socket = try UDPSocket()
        let engine = try Self.engine(.server, credentials)
        _ = try engine.start()
        let client = try Self.client(credentials, port: socket.port, ["-cipher", Self.forbiddenSuites])
        defer { client.stop() }
        var run = Run()
        Self.drive(engine, socket, peerPort: nil, run: &run) { $0.handshakes > 0 || $0.failure != nil }
        #expect(run.handshakes == 0)
        #expect(run.failure?.code == .handshakeFailed, "\(String(describing: run.failure))")
        #expect(engine.state == .failed)
        _ = await client.waitFor("alert", seconds: 5)
        #expect(!client.text.contains("SRTP Extension negotiated") && !client.text.contains("Cipher is ECDHE"), "\(client.text)")
    }

    @Test("our client refuses a server that accepts only non-ECDHE or NULL suites")
    func clientRefusesForbiddenSuites() async throws {
        let credentials = try Credentials()
        let port = try Self.freePort()
        let server = try Self.server(credentials, port: port, ["-cipher", Self.forbiddenSuites])
        defer { server.stop() }
        #expect(await server.waitFor("ACCEPT"))
        let socket = try UDPSocket()
        let engine = try Self.engine(.client, credentials)
        var run = Run()
        for d in try engine.start() { socket.send(d, to: port) }
        Self.drive(engine, socket, peerPort: port, run: &run, seconds: 10) { $0.handshakes > 0 || $0.failure != nil }
        #expect(run.handshakes == 0)
        #expect(engine.state != .connected)
        // The server finds no suite in common and alerts; the engine fails on the alert.
        #expect(run.failure != nil || engine.state == .handshaking, "\(engine.state)")
        _ = await server.waitFor("no shared cipher", seconds: 5)
        #expect(server.text.contains("no shared cipher") || server.text.contains("handshake failure"), "\(server.text)")
        #expect(!server.text.contains("CIPHER is"))
    }

    // MARK: Renegotiation

    /// A datagram holding a handshake record (content type 22): after the handshake, that would be an answer to
    /// a renegotiation.
    static func isHandshakeRecord(_ datagram: [UInt8]) -> Bool { datagram.first == 22 }

    @Test("our server refuses a renegotiation started by openssl s_client (R)")
    func serverRefusesRenegotiation() async throws {
        let credentials = try Credentials()
        let socket = try UDPSocket()
        let engine = try Self.engine(.server, credentials)
        _ = try engine.start()
        let client = try Self.client(credentials, port: socket.port, ["-use_srtp", "SRTP_AEAD_AES_128_GCM"])
        defer { client.stop() }
        var run = Run()
        Self.drive(engine, socket, peerPort: nil, run: &run) { $0.handshakes > 0 }
        try #require(run.handshakes == 1, "\(client.text)")
        let keys = try engine.exportSRTPKeyingMaterial()
        #expect(await client.waitFor("SRTP Extension negotiated"))
        client.write("R\n")
        #expect(await client.waitFor("RENEGOTIATING"))
        // Give the renegotiation every chance to happen (openssl retransmits its ClientHello).
        Self.drive(engine, socket, peerPort: nil, run: &run, seconds: 4) { _ in false }
        #expect(run.handshakes == 1)
        #expect(!run.sentAfterHandshake.contains(where: Self.isHandshakeRecord), "the server answered a renegotiation")
        if engine.state == .connected {
            // Still the same association with the same keys.
            #expect(try engine.exportSRTPKeyingMaterial() == keys)
        }
    }

    @Test("our client refuses a renegotiation requested by openssl s_server (r: HelloRequest)")
    func clientRefusesRenegotiation() async throws {
        let credentials = try Credentials()
        let port = try Self.freePort()
        let server = try Self.server(credentials, port: port, ["-use_srtp", "SRTP_AEAD_AES_128_GCM"])
        defer { server.stop() }
        #expect(await server.waitFor("ACCEPT"))
        let socket = try UDPSocket()
        let engine = try Self.engine(.client, credentials)
        var run = Run()
        for d in try engine.start() { socket.send(d, to: port) }
        Self.drive(engine, socket, peerPort: port, run: &run) { $0.handshakes > 0 }
        try #require(run.handshakes == 1, "\(server.text)")
        #expect(await server.waitFor("SRTP Extension negotiated"))
        server.write("r\n")
        _ = await server.waitFor("HelloRequest", seconds: 2)
        Self.drive(engine, socket, peerPort: port, run: &run, seconds: 4) { _ in false }
        #expect(run.handshakes == 1)
        #expect(!run.sentAfterHandshake.contains(where: Self.isHandshakeRecord), "the client sent a new ClientHello")
    }

    // MARK: SRTP profiles

    @Test("no SRTP profile in common: a client that requires SRTP fails; one that does not connects without keys")
    func clientWithoutCommonSRTPProfile() async throws {
        for requireSRTP in [true, false] {
            let credentials = try Credentials()
            let port = try Self.freePort()
            // SRTP_AES128_CM_SHA1_32 is one our engine never offers.
            let server = try Self.server(credentials, port: port, ["-use_srtp", "SRTP_AES128_CM_SHA1_32"])
            defer { server.stop() }
            #expect(await server.waitFor("ACCEPT"))
            let socket = try UDPSocket()
            let engine = try Self.engine(.client, credentials, requireSRTP: requireSRTP)
            var run = Run()
            for d in try engine.start() { socket.send(d, to: port) }
            Self.drive(engine, socket, peerPort: port, run: &run) { $0.handshakes > 0 || $0.failure != nil }
            if requireSRTP {
                #expect(run.handshakes == 0 && engine.state == .failed)
                #expect(run.failure?.code == .handshakeFailed && "\(run.failure!)".contains("SRTP"), "\(String(describing: run.failure))")
            } else {
                #expect(run.handshakes == 1 && engine.state == .connected)
                #expect(engine.selectedSRTPProfile == nil)
                #expect(throws: CryptoError.self) { try engine.exportSRTPKeyingMaterial() }
            }
        }
    }

    @Test("no SRTP profile in common: a server that requires SRTP fails the openssl client's handshake")
    func serverWithoutCommonSRTPProfile() async throws {
        let credentials = try Credentials()
        let socket = try UDPSocket()
        let engine = try Self.engine(.server, credentials, requireSRTP: true)
        _ = try engine.start()
        let client = try Self.client(credentials, port: socket.port, ["-use_srtp", "SRTP_AES128_CM_SHA1_32"])
        defer { client.stop() }
        var run = Run()
        Self.drive(engine, socket, peerPort: nil, run: &run) { $0.handshakes > 0 || $0.failure != nil }
        #expect(run.handshakes == 0 && engine.state == .failed)
        #expect(run.failure.map { "\($0)".contains("SRTP") } == true, "\(String(describing: run.failure))")
    }

    @Test("in-process: requiresSRTPProfile fails both roles when the profile lists do not meet")
    func requiredSRTPWithDisjointProfiles() throws {
        let credentials = try Credentials()
        let client = try Self.engine(.client, credentials, profiles: [.aes128CmHmacSha1_80], requireSRTP: true)
        let server = try Self.engine(.server, credentials, profiles: [.aeadAes256Gcm], requireSRTP: true)
        var toServer = try client.start(), toClient: [[UInt8]] = []
        var failures: [CryptoError] = []
        for _ in 0..<10 where !(toServer.isEmpty && toClient.isEmpty) {
            toClient = []
            for d in toServer {
                do { toClient += try server.receive(d).datagrams } catch { failures.append(error); toClient += server.takePendingDatagrams() }
            }
            toServer = []
            for d in toClient {
                do { toServer += try client.receive(d).datagrams } catch { failures.append(error); toServer += client.takePendingDatagrams() }
            }
            toClient = []
        }
        #expect(server.state == .failed || client.state == .failed)
        #expect(server.state != .connected && client.state != .connected)
        #expect(failures.contains { "\($0)".contains("SRTP") })
    }
}
