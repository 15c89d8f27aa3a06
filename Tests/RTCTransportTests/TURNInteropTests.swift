import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import RTCTransport
import RTCWire
import Synchronization
import Testing

/// coturn's `turnserver` on 127.0.0.1 with one long-term credential user (`test` / `secret`, realm
/// `asyncrtc.test`) and loopback peers allowed. Mirrors `scripts/coturn`.
final class Coturn: Sendable {
    static let username = "test"
    static let password = "secret"

    /// `turnserver` on PATH, if installed.
    static var executable: URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/usr/local/bin"] {
            let candidate = URL(fileURLWithPath: directory).appendingPathComponent("turnserver")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// True when coturn is installed. Under the test command (`ASYNCRTC_REQUIRE_INTEROP=1`) a missing coturn is a
    /// failure, not a skip.
    static var isAvailable: Bool {
        let present = executable != nil
        if !present && ProcessInfo.processInfo.environment["ASYNCRTC_REQUIRE_INTEROP"] == "1" {
            Issue.record("coturn's turnserver is not installed (Debian package coturn)")
            return true  // run the tests so that they fail loudly
        }
        return present
    }

    let process: Process
    let port: Int
    let logURL: URL

    var server: SocketAddress { try! SocketAddress(ipAddress: "127.0.0.1", port: port) }

    /// Starts turnserver on a random port and waits until it answers a Binding request.
    static func start(_ extraArguments: [String] = []) async throws -> Coturn {
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = Int.random(in: 20_000...40_000)
            let relay = Int.random(in: 41_000...60_000)
            do {
                return try await Coturn(port: port, relayPorts: relay...(relay + 200), extraArguments: extraArguments)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? TURNError(.timedOut, "turnserver did not start")
    }

    private init(port: Int, relayPorts: ClosedRange<Int>, extraArguments: [String]) async throws {
        guard let executable = Self.executable else { throw TURNError(.notAllocated, "turnserver is not installed") }
        self.port = port
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("asyncrtc-turnserver-\(port).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process = Process()
        process.executableURL = executable
        process.arguments = [
            "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", "--listening-port=\(port)",
            "--min-port=\(relayPorts.lowerBound)", "--max-port=\(relayPorts.upperBound)",
            "--lt-cred-mech", "--user=\(Self.username):\(Self.password)", "--realm=asyncrtc.test",
            "--no-tls", "--no-dtls", "--no-tcp-relay", "--allow-loopback-peers", "--no-cli",
            "--log-file=stdout", "--simple-log", "--no-software-attribute",
            "--pidfile=\(FileManager.default.temporaryDirectory.path)/asyncrtc-turnserver-\(port).pid",
        ] + extraArguments
        process.standardOutput = log
        process.standardError = log
        try process.run()
        // Ready when it answers STUN.
        let group = MultiThreadedEventLoopGroup.singleton
        let deadline = ContinuousClock.now + .seconds(10)
        let server = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { break }
            let quick = STUNRetransmission(initialRTO: .milliseconds(100), maxTransmissions: 2, finalWaitMultiplier: 2)
            if (try? await STUNBindingClient.discover(server: server, localHost: "127.0.0.1", on: group.next(),
                                                       retransmission: quick)) != nil {
                return
            }
        }
        stop()
        throw TURNError(.timedOut, "turnserver on port \(port) did not answer: \(log_())")
    }

    private func log_() -> String {
        String((try? String(contentsOf: logURL, encoding: .utf8))?.suffix(2000) ?? "")
    }

    var log: String { log_() }

    /// Kills the server. SIGKILL: turnserver started from the test process ignores SIGTERM and SIGINT.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

/// What a test peer or a TURN client received, collected across threads.
final class Received: Sendable {
    let items = Mutex<[(from: String, payload: [UInt8])]>([])

    func add(_ from: String, _ payload: ByteBuffer) {
        items.withLock { $0.append((from, Array(payload.readableBytesView))) }
    }

    /// Waits until something arrived that satisfies `match` (up to 5 s).
    func wait(for match: @escaping @Sendable ((from: String, payload: [UInt8])) -> Bool) async throws -> (from: String, payload: [UInt8])? {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if let hit = items.withLock({ $0.first(where: match) }) { return hit }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }
}

@Suite(.enabled(if: Coturn.isAvailable), .serialized)
struct TURNInteropTests {
    var loop: any EventLoop { MultiThreadedEventLoopGroup.singleton.next() }

    func client(_ coturn: Coturn, password: String = Coturn.password, lifetime: UInt32? = nil,
                transport: TURNClient.Transport = .udp, fingerprint: Bool = false,
                received: Received = Received()) async throws -> TURNClient {
        var options = TURNClient.Options()
        options.fingerprint = fingerprint
        options.transport = transport
        options.impairment = ImpairmentProfile()  // none, whatever ASYNCRTC_IMPAIR says
        options.localHost = "127.0.0.1"
        options.requestedLifetime = lifetime
        return try await TURNClient.connect(server: coturn.server, username: Coturn.username, password: password,
                                            on: loop, options: options) { peer, payload in
            received.add("\(peer)", payload)
        }
    }

    @Test func bindingReturnsTheSocketsAddress() async throws {
        let coturn = try await Coturn.start()
        defer { coturn.stop() }
        let discovery = try await STUNBindingClient.discover(server: coturn.server, localHost: "127.0.0.1", on: loop)
        #expect(discovery.mappedAddress.ip == STUNAddress.IP("127.0.0.1"))
        #expect(Int(discovery.mappedAddress.port) == discovery.localAddress.port)
    }

    @Test(arguments: [TURNClient.Transport.udp, .tcp])
    func relayBothWaysBySendIndicationAndChannelData(transport: TURNClient.Transport) async throws {
        let coturn = try await Coturn.start()
        defer { coturn.stop() }
        let toClient = Received()
        let client = try await client(coturn, transport: transport, received: toClient)
        let allocated = try await client.allocate()
        #expect(allocated.relayedAddress.ip == STUNAddress.IP("127.0.0.1"))
        #expect(allocated.mappedAddress == STUNAddress(socketAddress: client.localAddress))
        #expect(allocated.lifetime > 0)

        let toPeer = Received()
        let peerSocket = try await UDPSocket.bind(host: "127.0.0.1", on: loop, impairment: ImpairmentProfile()) {
            datagram, from in toPeer.add("\(STUNAddress(socketAddress: from)!)", datagram)
        }
        let peer = try #require(STUNAddress(socketAddress: peerSocket.localAddress))
        let relay = "\(allocated.relayedAddress)"

        // Send indication → peer, and peer → Data indication.
        try await client.createPermission(for: peer)
        client.send(ByteBuffer(string: "via send indication"), to: peer)
        let first = try await toPeer.wait { $0.payload == Array("via send indication".utf8) }
        #expect(first?.from == relay)
        peerSocket.send(ByteBuffer(string: "via data indication"), to: try allocated.relayedAddress.socketAddress())
        let back = try await toClient.wait { $0.payload == Array("via data indication".utf8) }
        #expect(back?.from == "\(peer)")
        let beforeChannel = await client.counters
        #expect(beforeChannel.sendIndications == 1)
        #expect(beforeChannel.dataIndications == 1)
        #expect(beforeChannel.channelDataSent == 0)

        // ChannelData both ways.
        let channel = try await client.bindChannel(to: peer)
        #expect(TURNChannelData.validChannels.contains(channel))
        let big = ByteBuffer(bytes: (0..<1001).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        client.send(big, to: peer)
        let viaChannel = try await toPeer.wait { $0.payload == Array(big.readableBytesView) }
        #expect(viaChannel?.from == relay)
        peerSocket.send(ByteBuffer(string: "via channel data"), to: try allocated.relayedAddress.socketAddress())
        let channelBack = try await toClient.wait { $0.payload == Array("via channel data".utf8) }
        #expect(channelBack?.from == "\(peer)")
        let afterChannel = await client.counters
        #expect(afterChannel.channelDataSent == 1)
        #expect(afterChannel.channelDataReceived == 1)
        #expect(afterChannel.sendIndications == 1)
        #expect(afterChannel.dataIndications == 1)

        await client.close()
        await peerSocket.close()
        #expect(await client.state == .closed)
    }

    @Test func sendWithoutPermissionWaitsForIt() async throws {
        let coturn = try await Coturn.start()
        defer { coturn.stop() }
        let client = try await client(coturn)
        let allocated = try await client.allocate()
        let toPeer = Received()
        let peerSocket = try await UDPSocket.bind(host: "127.0.0.1", on: loop, impairment: ImpairmentProfile()) {
            datagram, from in toPeer.add("\(STUNAddress(socketAddress: from)!)", datagram)
        }
        let peer = try #require(STUNAddress(socketAddress: peerSocket.localAddress))
        client.send(ByteBuffer(string: "queued"), to: peer)
        let got = try await toPeer.wait { $0.payload == Array("queued".utf8) }
        #expect(got?.from == "\(allocated.relayedAddress)")
        await client.close()
        await peerSocket.close()
    }

    @Test func wrongPasswordFailsWith401() async throws {
        let coturn = try await Coturn.start()
        defer { coturn.stop() }
        let client = try await client(coturn, password: "not the password")
        do {
            _ = try await client.allocate()
            Issue.record("allocation with a wrong password succeeded")
        } catch let error as TURNError {
            #expect(error.code == .unauthorized)
            #expect(error.serverError?.code == 401)
        }
        await client.close()
    }

    @Test(arguments: [false, true])
    func refreshIsAnswered(fingerprint: Bool) async throws {
        let coturn = try await Coturn.start()
        defer { coturn.stop() }
        let client = try await client(coturn, lifetime: 300, fingerprint: fingerprint)
        let allocated = try await client.allocate()
        #expect(allocated.lifetime > 0)
        let lifetime = try await client.refresh()
        #expect(lifetime > 0)
        #expect(await client.state == .allocated)
        await client.close()
    }

    @Test func refreshTimerKeepsAShortAllocationAlive() async throws {
        // coturn grants at least 600 s unless --max-allocate-lifetime caps it: 4 s here, so the client refreshes
        // at 2 s on its own, and the relay still works after the first lifetime has passed.
        let coturn = try await Coturn.start(["--max-allocate-lifetime=4"])
        defer { coturn.stop() }
        let client = try await client(coturn, lifetime: 4)
        let allocated = try await client.allocate()
        #expect(allocated.lifetime == 4)
        try await Task.sleep(for: .milliseconds(5500))
        #expect(await client.state == .allocated)
        let countersAfter = await client.counters
        // Allocate twice (challenge), then the timer's Refresh at 2 s. (coturn 4.6 answers that Refresh with
        // LIFETIME 600 despite the cap, so there is no second one.)
        #expect(countersAfter.requests >= 3, "\(countersAfter)")
        let toPeer = Received()
        let peerSocket = try await UDPSocket.bind(host: "127.0.0.1", on: loop, impairment: ImpairmentProfile()) {
            datagram, from in toPeer.add("\(STUNAddress(socketAddress: from)!)", datagram)
        }
        let peer = try #require(STUNAddress(socketAddress: peerSocket.localAddress))
        try await client.createPermission(for: peer)
        client.send(ByteBuffer(string: "still here"), to: peer)
        let got = try await toPeer.wait { $0.payload == Array("still here".utf8) }
        #expect(got?.from == "\(allocated.relayedAddress)")
        await client.close()
        await peerSocket.close()
    }

    @Test func staleNonceIsRenewed() async throws {
        // Nonces that expire after 1 s: the CreatePermission after the pause meets 438 and is retried.
        let coturn = try await Coturn.start(["--stale-nonce=1"])
        defer { coturn.stop() }
        let client = try await client(coturn)
        _ = try await client.allocate()
        try await Task.sleep(for: .milliseconds(2500))
        try await client.createPermission(for: STUNAddress("127.0.0.1:9")!)
        _ = try await client.refresh()
        let counters = await client.counters
        #expect(counters.challenges == 1)
        #expect(counters.staleNonces >= 1)
        await client.close()
    }

    @Test func closeReleasesTheAllocation() async throws {
        // With a quota of one allocation per user, a second client gets 486 while the first holds its allocation,
        // and succeeds once the first has closed (Refresh with LIFETIME 0).
        let coturn = try await Coturn.start(["--user-quota=1"])
        defer { coturn.stop() }
        let first = try await client(coturn)
        _ = try await first.allocate()
        let second = try await client(coturn)
        do {
            _ = try await second.allocate()
            Issue.record("the quota did not apply; the test proves nothing")
        } catch let error as TURNError {
            #expect(error.serverError?.code == 486, "\(error)")
        }
        await second.close()
        await first.close()
        #expect(await first.state == .closed)
        // coturn frees the quota when its session timer next runs (about a second later); poll for it.
        var lastError: (any Error)?
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let third = try await client(coturn)
            do {
                _ = try await third.allocate()
                lastError = nil
                await third.close()
                break
            } catch {
                lastError = error
                await third.close()
                try await Task.sleep(for: .milliseconds(250))
            }
        }
        #expect(lastError == nil, "the quota was never freed: \(String(describing: lastError))")
    }
}
