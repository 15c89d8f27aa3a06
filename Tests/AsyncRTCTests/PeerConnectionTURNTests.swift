import AsyncRTC
import AsyncRTCTesting
import Synchronization
import Testing

/// STUN/TURN URLs of RTCIceServer (RFC 7064, RFC 7065), checked without a server.
@Suite struct RTCIceServerURLTests {
    @Test func validURLs() throws {
        let stun = try RTCIceServerURL(parsing: "stun:stun.example.org")
        #expect(stun.scheme == .stun && stun.host == "stun.example.org" && stun.port == 3478 && stun.transport == nil)
        let turn = try RTCIceServerURL(parsing: "turn:192.0.2.1:3479?transport=tcp")
        #expect(turn.scheme == .turn && turn.host == "192.0.2.1" && turn.port == 3479 && turn.transport == .tcp)
        let v6 = try RTCIceServerURL(parsing: "turn:[2001:db8::1]:5000?transport=udp")
        #expect(v6.host == "2001:db8::1" && v6.port == 5000 && v6.transport == .udp)
        let v6NoPort = try RTCIceServerURL(parsing: "stun:[::1]")
        #expect(v6NoPort.host == "::1" && v6NoPort.port == 3478)
        let turns = try RTCIceServerURL(parsing: "TURNS:turn.example.org")
        #expect(turns.scheme == .turns && turns.port == 5349)
        #expect(try RTCIceServerURL(parsing: "stuns:x.org").port == 5349)
    }

    @Test func serializedURLsParseBackEqual() throws {
        for text in ["stun:stun.example.org", "turn:192.0.2.1:3479?transport=tcp", "turn:[2001:db8::1]?transport=udp",
                     "turns:x.org", "stuns:[::1]:1"] {
            let url = try RTCIceServerURL(parsing: text)
            #expect(try RTCIceServerURL(parsing: url.description) == url, "\(url)")
        }
    }

    @Test func hostileURLsThrowSyntaxOrParseButNeverTrap() {
        // Seeded mutations of valid URLs: every result is a parse that round-trips, or a syntax error.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        let seeds = Array("turn:[2001:db8::1]:3478?transport=tcp stun:a.b:99999 turns:h:1?transport=udp".utf8)
        let alphabet = Array(":[]?=/%.0123456789abcdefturnsp \u{0}".utf8)
        for _ in 0..<5000 {
            var bytes = Array(seeds[Int(next() % UInt64(seeds.count))...].prefix(Int(next() % 48)))
            for _ in 0..<Int(next() % 4) where !bytes.isEmpty {
                bytes[Int(next() % UInt64(bytes.count))] = alphabet[Int(next() % UInt64(alphabet.count))]
            }
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                let url = try RTCIceServerURL(parsing: text)
                #expect(try RTCIceServerURL(parsing: url.description) == url, "\(text)")
            } catch {
                #expect(error.code == .syntax, "\(text): \(error)")
            }
        }
    }

    @Test(arguments: [
        "", "stun", "http://example.org", "stun://example.org", "stun:", "stun::3478", "stun:host:0", "stun:host:65536",
        "stun:host:12ab", "stun:host:", "stun:host?transport=udp", "turn:host?transport=sctp", "turn:host?foo=bar",
        "turn:::1", "turn:[::1", "turn:[192.0.2.1]:3478", "turn:[::1]x", "turn:ho st", "turn:host:1:2",
    ])
    func malformedURLsAreSyntaxErrors(url: String) {
        #expect(throws: RTCError(.syntax)) { try RTCIceServerURL(parsing: url) }
    }

    @Test func configurationProblemsSurfaceAtTheFirstOffer() async throws {
        let cases: [(RTCIceServer, RTCError.Code)] = [
            (RTCIceServer(urls: ["stun:bad host"]), .syntax),
            (RTCIceServer(urls: ["turn:127.0.0.1:3478"]), .invalidAccess),  // no credentials
            (RTCIceServer(urls: ["turns:127.0.0.1?transport=udp"], username: "u", credential: "p"), .notSupported),
            (RTCIceServer(urls: ["stuns:127.0.0.1"]), .notSupported),
        ]
        for (server, code) in cases {
            let pc = RTCPeerConnection(configuration: RTCConfiguration(iceServers: [server], loopbackOnly: true))
            await #expect(throws: RTCError(code)) { _ = try await pc.createOffer() }
            await pc.close()
        }
    }
}

extension CoturnServer {
    /// Whether the coturn suites run (a missing coturn fails them under `ASYNCRTC_REQUIRE_INTEROP=1`).
    static func isAvailable(tls: Bool = false) -> Bool { available(tls: tls) { Issue.record(Comment(rawValue: $0)) } }
}

/// Peer connections with STUN and TURN servers: a real coturn on loopback.
@Suite(.enabled(if: CoturnServer.isAvailable()), .serialized)
struct PeerConnectionTURNTests {
    typealias Inbox = MessageInbox

    static func waitUntil(_ seconds: Double = 20, _ condition: () -> Bool) async throws {
        try await AsyncRTCTesting.waitUntil(seconds, condition)
    }

    static func candidateLines(_ sdp: String) -> [String] {
        sdp.split(separator: "\r\n").filter { $0.hasPrefix("a=candidate:") }.map(String.init)
    }

    /// The candidate type of the local candidate of the selected pair, from getStats.
    static func selectedLocalCandidateType(_ pc: RTCPeerConnection) async -> String? {
        let report = await pc.getStats()
        guard let pairID = report.stats(of: RTCTransportStats.self).first?.selectedCandidatePairId,
              let pair = report[pairID] as? RTCIceCandidatePairStats,
              let local = report[pair.localCandidateId] as? RTCIceCandidateStats else { return nil }
        return local.candidateType
    }

    @Test func reflexiveAndRelayedCandidatesAreSignalledWithRelatedAddresses() async throws {
        let turn = try await CoturnServer.start()
        defer { turn.stop() }
        let pc = RTCPeerConnection(configuration: RTCConfiguration(
            iceServers: [RTCIceServer(urls: [turn.stunURL]),
                         RTCIceServer(urls: [turn.url("udp")], username: CoturnServer.username,
                                      credential: CoturnServer.password)],
            loopbackOnly: true))
        let offer = try await pc.createOffer()
        let lines = Self.candidateLines(offer.sdp)
        let host = try #require(lines.first { $0.contains("typ host") })
        let srflx = try #require(lines.first { $0.contains("typ srflx") }, "\(lines)")
        // On loopback the mapped address is the host address; raddr/rport name the host candidate.
        let hostFields = host.split(separator: " ")
        #expect(srflx.hasSuffix("typ srflx raddr \(hostFields[4]) rport \(hostFields[5])"), "\(srflx)")
        // The candidate parses back with its related address.
        let parsed = try RTCIceCandidate(sdp: String(srflx.dropFirst(2)))
        #expect(parsed.type == "srflx" && parsed.relatedAddress == String(hostFields[4])
                && parsed.relatedPort == Int(hostFields[5]))
        // The relayed candidate names the mapped address (our socket to coturn, on loopback) as raddr/rport.
        let relay = try #require(lines.first { $0.contains("typ relay") }, "\(lines)")
        let relayFields = relay.split(separator: " ")
        #expect(relayFields.count == 12 && relayFields[8] == "raddr" && relayFields[9] == "127.0.0.1"
                && relayFields[10] == "rport" && relayFields[11] != "0", "\(relay)")
        // getStats lists it as a local candidate (it shares its host's socket, so no pair names it).
        let candidates = await pc.getStats().stats(of: RTCIceCandidateStats.self)
        #expect(candidates.contains { $0.type == "local-candidate" && $0.candidateType == "srflx" }, "\(candidates)")
        #expect(candidates.contains { $0.type == "local-candidate" && $0.candidateType == "host" }, "\(candidates)")
        await pc.close()
    }

    @Test(arguments: ["udp", "tcp"])
    func relayOnlyPeerConnectionsEchoThroughCoturn(transport: String) async throws {
        let turn = try await CoturnServer.start()
        defer { turn.stop() }
        let configuration = RTCConfiguration(
            iceServers: [RTCIceServer(urls: [turn.url(transport)], username: CoturnServer.username,
                                      credential: CoturnServer.password),
                         RTCIceServer(urls: [turn.stunURL])],
            iceTransportPolicy: .relay, loopbackOnly: true)
        let offerer = RTCPeerConnection(configuration: configuration)
        let answerer = RTCPeerConnection(configuration: configuration)
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
        let channel = try offerer.createDataChannel("relay")
        let inbox = Inbox()
        channel.onMessage = { inbox.add($0) }

        try await offerer.setLocalDescription()
        let offer = try #require(offerer.localDescription)
        try await answerer.setRemoteDescription(offer)
        try await answerer.setLocalDescription()
        let answer = try #require(answerer.localDescription)
        try await offerer.setRemoteDescription(answer)

        // Only relayed candidates are offered, and raddr hides the mapped address (relay-only policy).
        for sdp in [offer.sdp, answer.sdp] {
            let lines = Self.candidateLines(sdp)
            #expect(lines.count == 1, "\(lines)")
            #expect(lines.allSatisfy { $0.hasSuffix(" typ relay raddr 0.0.0.0 rport 0") }, "\(lines)")
            #expect(!sdp.contains("typ host") && !sdp.contains("typ srflx"))
        }

        try await Self.waitUntil { channel.readyState == .open && remoteChannel.withLock { $0 } != nil }
        try #require(channel.readyState == .open, "the relay-only data channel did not open")
        let sent: [RTCDataChannelMessage] = [
            .text("through coturn"), .binary((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }), .text("ünïcødé"),
        ]
        for m in sent {
            switch m {
            case .text(let t): try channel.send(t)
            case .binary(let b): try channel.send(b)
            }
        }
        try await Self.waitUntil { inbox.count >= sent.count }
        #expect(inbox.messages.withLock { $0 } == sent)

        #expect(await Self.selectedLocalCandidateType(offerer) == "relay")
        #expect(await Self.selectedLocalCandidateType(answerer) == "relay")
        await offerer.close()
        await answerer.close()
    }
}
