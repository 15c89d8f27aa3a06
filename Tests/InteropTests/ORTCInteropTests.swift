import AsyncRTC
import AsyncRTCTesting
import Foundation
import RTCCrypto
import Synchronization
import Testing

/// AsyncRTC's ORTC objects against aiortc's (pinned, from PyPI), built by hand on both sides, over loopback UDP.
/// Parameters travel as JSON lines over the peer script's stdin and stdout (Peers/ortc_peer.py).
@Suite(.enabled(if: PythonPeer.isAvailable), .serialized, .timeLimit(.minutes(3)))
struct ORTCInteropTests {
    /// The messages we send on our channel; the peer echoes them.
    static let testMessages: [RTCDataChannelMessage] = [
        .text("hello from AsyncRTC"), .binary([9, 8, 7]), .text(""), .binary([]), .text("ünïcødé 🚀 中文"),
        .binary((0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 13) }),
    ]

    static func describe(_ m: RTCDataChannelMessage) -> [String: String] {
        let (kind, bytes): (String, [UInt8]) = switch m {
        case .text(let t): ("text", Array(t.utf8))
        case .binary(let b): ("binary", b)
        }
        return ["kind": kind, "length": String(bytes.count),
                "sha256": Digest.hash(.sha256, bytes).map { String(format: "%02x", $0) }.joined()]
    }

    static func describe(_ object: [String: Any]) -> [String: String] {
        ["kind": object["kind"] as? String ?? "?", "length": String(object["length"] as? Int ?? -1),
         "sha256": object["sha256"] as? String ?? "?"]
    }

    typealias Inbox = MessageInbox

    static func waitUntil(_ seconds: Double = 30, _ condition: () -> Bool) async throws {
        try await AsyncRTCTesting.waitUntil(seconds, condition)
    }

    /// The aiortc peer process, with JSON lines in both directions. Used by one test task only.
    final class Peer {
        let process: Process
        let input: FileHandle
        let stderr: Pipe
        /// Kept alive as long as the reading thread may use it.
        let stdoutPipe: Pipe
        private var lines: AsyncStream<String>.Iterator

        init(role: String) throws {
            process = Process()
            process.executableURL = PythonPeer.python
            process.arguments = [PythonPeer.repositoryRoot.appendingPathComponent("Tests/InteropTests/Peers/ortc_peer.py").path, role]
            let stdin = Pipe(), stdout = Pipe()
            stderr = Pipe()
            process.standardInput = stdin
            process.standardOutput = stdout
            process.standardError = stderr
            input = stdin.fileHandleForWriting
            let (stream, continuation) = AsyncStream<String>.makeStream()
            lines = stream.makeAsyncIterator()
            stdoutPipe = stdout
            // A plain thread with blocking reads: corelibs Foundation's readabilityHandler (a dispatch source) has
            // crashed in libdispatch here when the handle went away.
            let reading = stdout.fileHandleForReading
            Thread.detachNewThread {
                var pending: [UInt8] = []
                while true {
                    let data = reading.availableData
                    if data.isEmpty { break }
                    pending += data
                    while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                        continuation.yield(String(decoding: pending[..<newline], as: UTF8.self))
                        pending.removeSubrange(...newline)
                    }
                }
                continuation.finish()
            }
            try process.run()
        }

        func send(_ object: [String: Any]) throws {
            var data = try JSONSerialization.data(withJSONObject: object)
            data.append(UInt8(ascii: "\n"))
            try input.write(contentsOf: data)
        }

        /// The next line of `type`; lines of other types go to `skipped` in order.
        func next(_ type: String, timeout: Double = 30, skipped: inout [[String: Any]]) async throws -> [String: Any] {
            let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
            while ContinuousClock.now < deadline {
                guard let text = await lines.next() else { break }
                guard let line = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { continue }
                if line["type"] as? String == type { return line }
                skipped.append(line)
            }
            throw PeerError(reason: "no \"\(type)\" line from the aiortc peer; stderr: \(errorOutput)")
        }

        var errorOutput: String {
            String(decoding: stderr.fileHandleForReading.availableData.suffix(3000), as: UTF8.self)
        }

        /// Waits for the process to exit; kills it after `timeout`.
        func wait(timeout: Duration = .seconds(30)) async throws -> Int32 {
            let deadline = ContinuousClock.now + timeout
            while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    struct PeerError: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    /// Our stack against aiortc's, with `ourRole` as our ICE role; both sides open a channel and echo the other's.
    func run(ourRole: RTCIceRole) async throws {
        let peer = try Peer(role: ourRole == .controlling ? "controlled" : "controlling")
        defer { if peer.process.isRunning { peer.process.terminate() } }
        var other: [[String: Any]] = []

        let gatherer = RTCIceGatherer(loopbackOnly: true)
        let ice = RTCIceTransport(gatherer: gatherer)
        ice.role = ourRole
        let certificate = try RTCCertificate.generateCertificate()
        let dtls = RTCDtlsTransport(transport: ice, certificates: [certificate])
        let sctp = RTCSctpTransport(transport: dtls)
        try await gatherer.gather()

        let local = gatherer.getLocalParameters()
        try peer.send([
            "type": "parameters",
            "ice": ["usernameFragment": local.usernameFragment, "password": local.password],
            "candidates": gatherer.getLocalCandidates().filter { !$0.ip.contains(":") }.map(\.sdp),
            "dtls": ["fingerprints": dtls.getLocalParameters().fingerprints.map { ["algorithm": $0.algorithm, "value": $0.value] },
                     "role": "auto"],
            "sctp": ["maxMessageSize": sctp.getCapabilities().maxMessageSize, "port": Int(sctp.port)],
        ])
        let remote = try await peer.next("parameters", skipped: &other)
        let remoteICE = try #require(remote["ice"] as? [String: Any])
        for line in try #require(remote["candidates"] as? [String]) {
            ice.addRemoteCandidate(try RTCIceCandidate(sdp: line))
        }
        ice.addRemoteCandidate(nil)
        #expect(ice.getRemoteCandidates().allSatisfy { $0.ip == "127.0.0.1" })
        try await ice.start(RTCIceParameters(usernameFragment: try #require(remoteICE["usernameFragment"] as? String),
                                             password: try #require(remoteICE["password"] as? String)))
        #expect([.connected, .completed].contains(ice.state))

        let remoteDTLS = try #require(remote["dtls"] as? [String: Any])
        let fingerprints = try #require(remoteDTLS["fingerprints"] as? [[String: String]]).map {
            RTCDtlsFingerprint(algorithm: $0["algorithm"] ?? "", value: $0["value"] ?? "")
        }
        #expect(fingerprints.map(\.algorithm).contains("sha-256"))
        try await dtls.start(RTCDtlsParameters(fingerprints: fingerprints, role: .auto))
        #expect(dtls.state == .connected)
        // The same ORTC rule on both sides: the ICE controlling side is the DTLS server.
        #expect(dtls.role == (ourRole == .controlling ? .server : .client))
        let connected = try await peer.next("connected", skipped: &other)
        #expect(connected["dtls"] as? String == "connected")
        #expect(connected["iceRole"] as? String == (ourRole == .controlling ? "controlled" : "controlling"))
        #expect(connected["dtlsRole"] as? String == (ourRole == .controlling ? "client" : "server"))

        // Echo what the peer's channel carries.
        let peerChannels = Mutex<[RTCDataChannel]>([])
        sctp.onDataChannel = { channel in
            peerChannels.withLock { $0.append(channel) }
            channel.onMessage = { message in
                switch message {
                case .text(let t): try? channel.send(t)
                case .binary(let b): try? channel.send(b)
                }
            }
        }
        let remoteSCTP = try #require(remote["sctp"] as? [String: Any])
        try await sctp.start(RTCSctpCapabilities(maxMessageSize: try #require(remoteSCTP["maxMessageSize"] as? Int)),
                             remotePort: UInt16(try #require(remoteSCTP["port"] as? Int)))
        let channel = try RTCDataChannel(transport: sctp, parameters: RTCDataChannelParameters(label: "from-asyncrtc", protocol: "ortc"))
        let inbox = Inbox()
        channel.onMessage = { inbox.add($0) }
        try await Self.waitUntil { channel.readyState == .open }
        try #require(channel.readyState == .open)
        #expect(sctp.state == .connected)
        // RFC 8832 §6: DTLS client even ids, server odd.
        #expect(channel.id.map { $0 % 2 } == (dtls.role == .server ? 1 : 0))
        for m in Self.testMessages {
            switch m {
            case .text(let t): try channel.send(t)
            case .binary(let b): try channel.send(b)
            }
        }
        try await Self.waitUntil { inbox.count >= Self.testMessages.count }
        #expect(inbox.messages.withLock { $0 } == Self.testMessages)

        // The peer's own channel came back intact too.
        let result = try await peer.next("result", skipped: &other)
        let echoes = try #require(result["echoes"] as? [[String: Any]]).map(Self.describe)
        let expected = try #require(result["expected"] as? [[String: Any]]).map(Self.describe)
        #expect(echoes.count == 6 && echoes == expected)
        #expect(peerChannels.withLock { $0.map(\.label) } == ["from-aiortc"])
        #expect((result["id"] as? Int).map { $0 % 2 } == (dtls.role == .server ? 0 : 1))
        let channelLines = other.filter { $0["type"] as? String == "channel" }
        #expect(channelLines.first?["label"] as? String == "from-asyncrtc" && channelLines.first?["protocol"] as? String == "ortc")

        try peer.send(["type": "bye"])
        let stopped = try await peer.next("stopped", skipped: &other)
        // What the peer received on our channel (its lines may come before or after its "result").
        let received = other.filter { $0["type"] as? String == "message" }.map(Self.describe)
        #expect(received == Self.testMessages.map(Self.describe))
        #expect(stopped["dtls"] as? String == "closed" && stopped["ice"] as? String == "closed")
        #expect(try await peer.wait() == 0, "aiortc peer failed: \(peer.errorOutput)")
        await sctp.stop()
        await dtls.stop()
        await ice.stop()
        #expect(sctp.state == .closed && dtls.state == .closed && ice.state == .closed)
    }

    @Test func asyncRTCControllingAgainstAiortc() async throws {
        try await run(ourRole: .controlling)
    }

    @Test func asyncRTCControlledAgainstAiortc() async throws {
        try await run(ourRole: .controlled)
    }
}
