import NIOCore
import RTCCrypto
import RTCTransport
import RTCWire
import Testing

/// A scripted TURN server for the sans-I/O state machine: it decodes what the client sends and builds the answers.
/// The clock is virtual; nothing here sleeps.
struct FakeTURNServer {
    static let crypto = STUNCryptoFunctions(
        hmacSHA1: { HMAC.authenticationCode(.sha1, key: $0, message: $1) }, crc32: { CRC32.checksum($0) })

    // RFC 5769 §2.4's long-term credential: username "マトリックス", realm "example.org", password "TheMatrIX"
    // (after SASLprep), nonce "f//499k954d6OL34oL9FSTvy64sA".
    static let username = "\u{30DE}\u{30C8}\u{30EA}\u{30C3}\u{30AF}\u{30B9}"
    static let password = "TheMatrIX"
    static let realm = "example.org"
    static let nonce = "f//499k954d6OL34oL9FSTvy64sA"
    static var key: [UInt8] { MD5.hash(Array("\(username):\(realm):\(password)".utf8)) }

    static let relayed = STUNAddress("192.0.2.15:50000")!
    static let mapped = STUNAddress("198.51.100.7:32853")!
    static let peer = STUNAddress("203.0.113.9:40000")!

    static func configuration(password: String = password, lifetime: UInt32? = nil) -> TURNAllocation.Configuration {
        TURNAllocation.Configuration(username: username, password: password, md5: { MD5.hash($0) }, crypto: crypto,
                                     requestedLifetime: lifetime)
    }

    /// The one STUN message in the actions' `.send`s (fails the test otherwise), with its raw bytes.
    static func sentMessage(_ actions: [TURNAllocation.Action], sourceLocation: SourceLocation = #_sourceLocation)
        throws -> (STUNMessage, ByteBuffer) {
        let sent = actions.compactMap { if case .send(let bytes) = $0 { bytes } else { nil } }
        try #require(sent.count == 1, "expected one datagram, got \(actions)", sourceLocation: sourceLocation)
        var input = sent[0]
        return (try STUNMessage(parsing: &input), sent[0])
    }

    static func response(to request: STUNMessage, _ messageClass: STUNMessageClass, _ attributes: [STUNAttribute],
                         key: [UInt8]? = FakeTURNServer.key) throws -> ByteBuffer {
        let message = STUNMessage(type: STUNMessageType(method: request.method, class: messageClass),
                                  transactionID: request.transactionID, attributes: attributes)
        var buffer = ByteBuffer()
        try message.write(to: &buffer, integrity: key.map { .longTerm(key: $0) }, fingerprint: true, crypto: crypto)
        return buffer
    }

    static func challenge(_ request: STUNMessage, nonce: String = nonce) throws -> ByteBuffer {
        try response(to: request, .errorResponse, [.errorCode(.unauthorized), .realm(realm), .nonce(nonce)], key: nil)
    }

    /// Runs the 401 challenge and a successful Allocate with `lifetime`; returns the allocation at time `t0`.
    static func allocated(lifetime: UInt32 = 600, at t0: NIODeadline) throws -> TURNAllocation {
        var turn = TURNAllocation(configuration: configuration())
        let (first, _) = try sentMessage(turn.allocate(now: t0))
        let (second, _) = try sentMessage(turn.receive(try challenge(first), now: t0))
        let actions = turn.receive(try response(to: second, .successResponse,
            [.xorRelayedAddress(relayed), .xorMappedAddress(mapped), .lifetime(lifetime)]), now: t0)
        try #require(actions == [.allocated(.init(relayedAddress: relayed, mappedAddress: mapped, lifetime: lifetime))])
        return turn
    }
}

@Suite struct TURNAllocationTests {
    typealias Server = FakeTURNServer
    let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test func challengeFlowWithLongTermCredential() throws {
        var turn = TURNAllocation(configuration: Server.configuration())
        let (first, firstRaw) = try Server.sentMessage(turn.allocate(now: t0))
        #expect(first.type == STUNMessageType(method: .allocate, class: .request))
        #expect(first.attributes == [.requestedTransport(17)])
        #expect(!first.contains(.messageIntegrity))
        #expect(turn.state == .allocating)
        _ = firstRaw

        let (second, secondRaw) = try Server.sentMessage(turn.receive(try Server.challenge(first), now: t0))
        #expect(second.transactionID != first.transactionID)
        #expect(second.username == Server.username)
        #expect(second.realm == Server.realm)
        #expect(second.nonce == Server.nonce)
        #expect(second.contains(.requestedTransport))
        // The key is MD5(username:realm:password) — checked against a value computed independently (Python hashlib).
        #expect(Server.key.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() == "e8ca7ad59d5eb0518e312911d2dab2a9")
        try STUNMessage.verifyIntegrity(rawMessage: secondRaw, key: Server.key, hmac: Server.crypto.hmacSHA1)

        let actions = turn.receive(try Server.response(to: second, .successResponse,
            [.xorRelayedAddress(Server.relayed), .xorMappedAddress(Server.mapped), .lifetime(600)]), now: t0)
        #expect(actions == [.allocated(.init(relayedAddress: Server.relayed, mappedAddress: Server.mapped, lifetime: 600))])
        #expect(turn.state == .allocated)
        // Refresh a minute before expiry.
        #expect(turn.nextTimeout == t0 + .seconds(540))
    }

    @Test func successWithoutValidIntegrityIsIgnored() throws {
        var turn = TURNAllocation(configuration: Server.configuration())
        let (first, _) = try Server.sentMessage(turn.allocate(now: t0))
        let (second, _) = try Server.sentMessage(turn.receive(try Server.challenge(first), now: t0))
        let forged = try Server.response(to: second, .successResponse, [.xorRelayedAddress(Server.relayed), .lifetime(600)],
                                         key: Array("not the key".utf8))
        #expect(turn.receive(forged, now: t0) == [])
        let unprotected = try Server.response(to: second, .successResponse, [.xorRelayedAddress(Server.relayed)], key: nil)
        #expect(turn.receive(unprotected, now: t0) == [])
        #expect(turn.state == .allocating)
        #expect(turn.counters.integrityFailures == 2)
        // A response to nothing we asked is ignored as well.
        let stray = STUNMessage(type: STUNMessageType(method: .allocate, class: .request))
        #expect(turn.receive(try Server.response(to: stray, .successResponse, [.xorRelayedAddress(Server.relayed)]), now: t0) == [])
    }

    @Test func wrongPasswordFailsWithUnauthorized() throws {
        var turn = TURNAllocation(configuration: Server.configuration(password: "wrong"))
        let (first, _) = try Server.sentMessage(turn.allocate(now: t0))
        let (second, _) = try Server.sentMessage(turn.receive(try Server.challenge(first), now: t0))
        let actions = turn.receive(try Server.challenge(second), now: t0)
        let expected = TURNError(.unauthorized, "")
        #expect(actions == [.failed(expected)])
        guard case .failed(let error) = turn.state else { Issue.record("not failed"); return }
        #expect(error.serverError?.code == 401)
        #expect(error.reason.contains("rejected the credentials"))
        #expect(turn.nextTimeout == nil)
    }

    @Test func otherErrorResponsesSurfaceTheCode() throws {
        var turn = TURNAllocation(configuration: Server.configuration())
        let (first, _) = try Server.sentMessage(turn.allocate(now: t0))
        let (second, _) = try Server.sentMessage(turn.receive(try Server.challenge(first), now: t0))
        let actions = turn.receive(try Server.response(to: second, .errorResponse, [.errorCode(.allocationQuotaReached)]), now: t0)
        guard case .failed(let error)? = actions.first else { Issue.record("\(actions)"); return }
        #expect(error.code == .rejected)
        #expect(error.serverError?.code == 486)
    }

    @Test func staleNonceRetriesWithTheNewNonce() throws {
        var turn = try Server.allocated(at: t0)
        let peer = Server.peer
        let (request, _) = try Server.sentMessage(turn.createPermission(for: peer, now: t0))
        #expect(request.type == STUNMessageType(method: .createPermission, class: .request))
        #expect(request.attributes.contains(.xorPeerAddress(STUNAddress(ip: peer.ip, port: 0))))
        let stale = try Server.response(to: request, .errorResponse,
                                        [.errorCode(.staleNonce), .realm(Server.realm), .nonce("fresh-nonce")], key: nil)
        let (retry, raw) = try Server.sentMessage(turn.receive(stale, now: t0))
        #expect(retry.transactionID != request.transactionID)
        #expect(retry.nonce == "fresh-nonce")
        try STUNMessage.verifyIntegrity(rawMessage: raw, key: Server.key, hmac: Server.crypto.hmacSHA1)
        #expect(turn.receive(try Server.response(to: retry, .successResponse, []), now: t0) == [.permissionCreated(peer.ip)])
        #expect(turn.hasPermission(for: peer.ip))
        #expect(turn.counters.staleNonces == 1)
        #expect(turn.counters.challenges == 1)
        // Later requests keep the new nonce.
        let (bind, _) = try Server.sentMessage(turn.bindChannel(to: peer, now: t0))
        #expect(bind.nonce == "fresh-nonce")
    }

    @Test func refreshTiming() throws {
        var turn = try Server.allocated(lifetime: 600, at: t0)
        #expect(turn.handleTimeout(now: t0 + .seconds(539)) == [])
        let (refresh, _) = try Server.sentMessage(turn.handleTimeout(now: t0 + .seconds(540)))
        #expect(refresh.type == STUNMessageType(method: .refresh, class: .request))
        let t1 = t0 + .seconds(541)
        #expect(turn.receive(try Server.response(to: refresh, .successResponse, [.lifetime(300)]), now: t1)
                == [.refreshed(lifetime: 300)])
        #expect(turn.nextTimeout == t1 + .seconds(240))
        #expect(turn.allocation?.lifetime == 300)

        // Short lifetimes refresh at half-time.
        var short = try Server.allocated(lifetime: 60, at: t0)
        #expect(short.nextTimeout == t0 + .seconds(30))
        let (again, _) = try Server.sentMessage(short.handleTimeout(now: t0 + .seconds(30)))
        #expect(again.method == .refresh)
    }

    @Test func refreshRejectionFailsTheAllocation() throws {
        var turn = try Server.allocated(at: t0)
        let (refresh, _) = try Server.sentMessage(turn.refresh(now: t0))
        let actions = turn.receive(try Server.response(to: refresh, .errorResponse, [.errorCode(.allocationMismatch)]), now: t0)
        guard case .failed(let error)? = actions.first else { Issue.record("\(actions)"); return }
        #expect(error.serverError?.code == 437)
    }

    @Test func permissionAndChannelRefreshTiming() throws {
        var turn = try Server.allocated(lifetime: 3600, at: t0)
        let peer = Server.peer
        let (permission, _) = try Server.sentMessage(turn.createPermission(for: peer, now: t0))
        _ = turn.receive(try Server.response(to: permission, .successResponse, []), now: t0)
        let other = STUNAddress("203.0.113.10:5000")!
        let (bind, _) = try Server.sentMessage(turn.bindChannel(to: other, now: t0))
        #expect(bind.attributes.contains(.channelNumber(0x4000)))
        #expect(bind.attributes.contains(.xorPeerAddress(other)))
        #expect(turn.receive(try Server.response(to: bind, .successResponse, []), now: t0)
                == [.channelBound(peer: other, channel: 0x4000)])
        #expect(turn.hasPermission(for: other.ip))  // ChannelBind installs the permission too

        // Both permissions are refreshed 4 minutes later (they expire after 5).
        #expect(turn.nextTimeout == t0 + .seconds(240))
        let at240 = turn.handleTimeout(now: t0 + .seconds(240))
        let refreshed = try at240.map { action -> STUNMessage in
            guard case .send(var bytes) = action else { throw TURNError(.malformedResponse, "\(action)") }
            return try STUNMessage(parsing: &bytes)
        }
        #expect(refreshed.count == 2)
        #expect(refreshed.allSatisfy { $0.method == .createPermission })
        for request in refreshed {
            _ = turn.receive(try Server.response(to: request, .successResponse, []), now: t0 + .seconds(240))
        }
        #expect(turn.nextTimeout == t0 + .seconds(480))
        _ = turn.handleTimeout(now: t0 + .seconds(480))  // permissions again (left unanswered: no timer until RTO)
        // The channel is rebound after 9 minutes (it expires after 10), with the same number.
        let at540 = turn.handleTimeout(now: t0 + .seconds(540))
        let rebinds = try at540.compactMap { action -> STUNMessage? in
            guard case .send(var bytes) = action else { return nil }
            let message = try STUNMessage(parsing: &bytes)
            return message.method == .channelBind ? message : nil
        }
        #expect(rebinds.count == 1)
        #expect(rebinds.first?.attributes.contains(.channelNumber(0x4000)) == true)
    }

    @Test func retransmissionScheduleAndTimeout() throws {
        var turn = TURNAllocation(configuration: Server.configuration())
        let (first, _) = try Server.sentMessage(turn.allocate(now: t0))
        var sendTimes: [Int64] = [0]
        var now = t0
        var failure: TURNError?
        while let next = turn.nextTimeout, failure == nil {
            now = next
            for action in turn.handleTimeout(now: now) {
                switch action {
                case .send(var bytes):
                    #expect(try STUNMessage(parsing: &bytes).transactionID == first.transactionID)
                    sendTimes.append((now - t0).nanoseconds / 1_000_000)
                case .failed(let error): failure = error
                default: Issue.record("unexpected \(action)")
                }
            }
        }
        #expect(sendTimes == [0, 500, 1500, 3500, 7500, 15500, 31500])
        #expect(turn.counters.retransmissions == 6)
        #expect((now - t0).nanoseconds / 1_000_000 == 39500)
        #expect(failure?.code == .timedOut)
        #expect(turn.state == .failed(TURNError(.timedOut, "")))
    }

    @Test func permissionTimeoutDoesNotFailTheAllocation() throws {
        var turn = try Server.allocated(lifetime: 3600, at: t0)
        _ = try Server.sentMessage(turn.createPermission(for: Server.peer, now: t0))
        var actions: [TURNAllocation.Action] = []
        var now = t0
        while let next = turn.nextTimeout, next < t0 + .seconds(60) {
            now = next
            actions += turn.handleTimeout(now: now)
        }
        #expect(actions.last == .permissionFailed(Server.peer.ip, TURNError(.timedOut, "")))
        #expect(turn.state == .allocated)
    }

    @Test func sendIndicationChannelDataAndInboundData() throws {
        var turn = try Server.allocated(lifetime: 3600, at: t0)
        let peer = Server.peer
        let payload = ByteBuffer(bytes: [1, 2, 3, 4, 5])

        // Without a permission the payload waits for CreatePermission, then leaves as a Send indication.
        let (permission, _) = try Server.sentMessage(turn.send(payload, to: peer, now: t0))
        #expect(permission.method == .createPermission)
        let afterPermission = turn.receive(try Server.response(to: permission, .successResponse, []), now: t0)
        #expect(afterPermission.first == .permissionCreated(peer.ip))
        let (indication, raw) = try Server.sentMessage(Array(afterPermission.dropFirst()))
        #expect(indication.type == STUNMessageType(method: .send, class: .indication))
        #expect(indication.attributes == [.xorPeerAddress(peer), .data(payload)])
        #expect(!indication.contains(.messageIntegrity))
        _ = raw

        // With a channel: ChannelData, 4-byte header, no padding over UDP.
        let (bind, _) = try Server.sentMessage(turn.bindChannel(to: peer, now: t0))
        _ = turn.receive(try Server.response(to: bind, .successResponse, []), now: t0)
        #expect(turn.channel(for: peer) == 0x4000)
        let sent = turn.send(payload, to: peer, now: t0)
        #expect(sent == [.send(ByteBuffer(bytes: [0x40, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5]))])

        // Inbound ChannelData and Data indications.
        #expect(turn.receive(ByteBuffer(bytes: [0x40, 0x00, 0x00, 0x02, 9, 8]), now: t0)
                == [.received(from: peer, ByteBuffer(bytes: [9, 8]))])
        #expect(turn.receive(ByteBuffer(bytes: [0x40, 0x01, 0x00, 0x01, 7]), now: t0) == [])  // unknown channel
        #expect(turn.receive(ByteBuffer(bytes: [0x40, 0x00, 0x00, 0x09, 7]), now: t0) == [])  // truncated
        let other = STUNAddress("[2001:db8::1]:443")!
        let data = STUNMessage(type: STUNMessageType(method: .data, class: .indication),
                               attributes: [.xorPeerAddress(other), .data(ByteBuffer(bytes: [42]))])
        #expect(turn.receive(ByteBuffer(bytes: try data.bytes()), now: t0) == [.received(from: other, ByteBuffer(bytes: [42]))])
    }

    @Test func channelDataOverStreamIsPadded() throws {
        var configuration = Server.configuration()
        configuration.framing = .stream
        var turn = TURNAllocation(configuration: configuration)
        let (first, _) = try Server.sentMessage(turn.allocate(now: t0))
        let (second, _) = try Server.sentMessage(turn.receive(try Server.challenge(first), now: t0))
        _ = turn.receive(try Server.response(to: second, .successResponse, [.xorRelayedAddress(Server.relayed)]), now: t0)
        let (bind, _) = try Server.sentMessage(turn.bindChannel(to: Server.peer, now: t0))
        _ = turn.receive(try Server.response(to: bind, .successResponse, []), now: t0)
        #expect(turn.send(ByteBuffer(bytes: [1, 2, 3, 4, 5]), to: Server.peer, now: t0)
                == [.send(ByteBuffer(bytes: [0x40, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5, 0, 0, 0]))])
        #expect(turn.receive(ByteBuffer(bytes: [0x40, 0x00, 0x00, 0x01, 9, 0, 0, 0]), now: t0)
                == [.received(from: Server.peer, ByteBuffer(bytes: [9]))])
    }

    @Test func deallocateSendsLifetimeZero() throws {
        var turn = try Server.allocated(at: t0)
        let (refresh, raw) = try Server.sentMessage(turn.deallocate(now: t0))
        #expect(refresh.method == .refresh)
        #expect(refresh.attributes.contains(.lifetime(0)))
        try STUNMessage.verifyIntegrity(rawMessage: raw, key: Server.key, hmac: Server.crypto.hmacSHA1)
        #expect(turn.state == .deallocating)
        #expect(turn.receive(try Server.response(to: refresh, .successResponse, [.lifetime(0)]), now: t0) == [.closed])
        #expect(turn.state == .closed)
        #expect(turn.nextTimeout == nil)
        #expect(turn.send(ByteBuffer(bytes: [1]), to: Server.peer, now: t0) == [])
    }

    @Test func commandsWithoutAllocationFail() {
        var turn = TURNAllocation(configuration: Server.configuration())
        #expect(turn.createPermission(for: Server.peer, now: t0) == [.permissionFailed(Server.peer.ip, TURNError(.notAllocated, ""))])
        #expect(turn.bindChannel(to: Server.peer, now: t0) == [.channelBindFailed(peer: Server.peer, TURNError(.notAllocated, ""))])
        #expect(turn.deallocate(now: t0) == [.closed])
    }

    /// Hostile input: random bytes and mutated genuine responses, Data indications and ChannelData never trap, and
    /// nothing but the genuine answer changes the allocation.
    @Test func hostileInputNeverTraps() throws {
        var random = SeededRandom(seed: 0x7475726E)
        var turn = try Server.allocated(lifetime: 3600, at: t0)
        let (bind, _) = try Server.sentMessage(turn.bindChannel(to: Server.peer, now: t0))
        _ = turn.receive(try Server.response(to: bind, .successResponse, []), now: t0)
        let (refresh, _) = try Server.sentMessage(turn.refresh(now: t0))
        let genuine: [[UInt8]] = [
            Array(try Server.response(to: refresh, .successResponse, [.lifetime(1200)]).readableBytesView),
            try STUNMessage(type: STUNMessageType(method: .data, class: .indication),
                            attributes: [.xorPeerAddress(Server.peer), .data(ByteBuffer(bytes: [1, 2, 3]))]).bytes(),
            [0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4],
        ]
        for round in 0..<5000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                if bytes.count > 8 && round % 4 == 0 {  // a plausible STUN header in front of garbage
                    bytes[0] = 0x01; bytes[1] = 0x13; bytes[4] = 0x21; bytes[5] = 0x12; bytes[6] = 0xA4; bytes[7] = 0x42
                }
            } else {
                bytes = genuine[Int(random.next() % UInt64(genuine.count))]
                for _ in 0..<(1 + Int(random.next() % 3)) where !bytes.isEmpty {
                    let at = Int(random.next() % UInt64(bytes.count))
                    bytes[at] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                }
                if random.next() % 4 == 0 { bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count + 1)))) }
            }
            for action in turn.receive(ByteBuffer(bytes: bytes), now: t0) {
                switch action {
                case .received: break
                // A mutation that only touches what integrity does not cover (the message length, so that the
                // optional FINGERPRINT drops off) leaves the genuine answer.
                case .refreshed(lifetime: 1200): break
                default: Issue.record("mutated input caused \(action)")
                }
            }
        }
        #expect(turn.state == .allocated)
        #expect(turn.allocation?.lifetime == 3600 || turn.allocation?.lifetime == 1200)
        #expect(turn.counters.integrityFailures > 0)
    }
}
