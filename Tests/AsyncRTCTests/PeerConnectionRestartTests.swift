@testable import AsyncRTC
import AsyncRTCTesting
import Foundation
import NIOCore
import NIOPosix
import RTCCrypto
import Synchronization
import Testing

/// ICE restart (R9) and mDNS candidates between two RTCPeerConnections over loopback.
@Suite(.serialized) struct PeerConnectionRestartTests {
    static let configuration = RTCConfiguration(loopbackOnly: true)

    static func waitUntil(_ seconds: Double = 20, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while !condition() && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }

    static func ufrag(_ sdp: String) -> String? {
        sdp.split(whereSeparator: \.isNewline).first { $0.hasPrefix("a=ice-ufrag:") }.map { String($0.dropFirst(12)) }
    }

    static func negotiate(_ offerer: RTCPeerConnection, _ answerer: RTCPeerConnection,
                          editOffer: (String) -> String = { $0 }) async throws {
        try await offerer.setLocalDescription(try await offerer.createOffer())
        let offer = try #require(offerer.localDescription)
        try await answerer.setRemoteDescription(RTCSessionDescription(sdp: editOffer(offer.sdp), type: .offer))
        try await answerer.setLocalDescription(try await answerer.createAnswer())
        try await offerer.setRemoteDescription(try #require(answerer.localDescription))
    }

    final class Received: Sendable {
        let bytes = Mutex<[UInt8]>([])
        let count = Mutex(0)
    }

    @Test func restartIceMidTransferKeepsTheDataFlowing() async throws {
        let offerer = RTCPeerConnection(configuration: Self.configuration)
        let answerer = RTCPeerConnection(configuration: Self.configuration)
        let received = Received()
        answerer.onDataChannel = { channel in
            channel.onMessage = { message in
                guard case .binary(let b) = message else { return }
                received.bytes.withLock { $0 += b }
            }
        }
        let iceStates = Mutex<[RTCIceConnectionState]>([])
        offerer.onIceConnectionStateChange = { state in iceStates.withLock { $0.append(state) } }
        let negotiationNeeded = Mutex(0)
        offerer.onNegotiationNeeded = { negotiationNeeded.withLock { $0 += 1 } }
        let channel = try offerer.createDataChannel("bulk")
        try await Self.negotiate(offerer, answerer)
        try await Self.waitUntil { channel.readyState == .open }
        try #require(channel.readyState == .open)
        let oldUfrags = (Self.ufrag(offerer.localDescription!.sdp), Self.ufrag(answerer.localDescription!.sdp))
        negotiationNeeded.withLock { $0 = 0 }

        // 4 MiB in 16 KiB messages, paced on bufferedAmount so that the restart happens mid-transfer.
        let total = 4 << 20, chunk = 16_384
        let payload = (0..<total).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
        let sender = Task {
            var offset = 0
            while offset < total {
                while channel.bufferedAmount > 512 * 1024 { try await Task.sleep(for: .milliseconds(2)) }
                try channel.send(Array(payload[offset..<min(offset + chunk, total)]))
                offset += chunk
            }
        }
        try await Self.waitUntil { received.bytes.withLock { $0.count } >= 1 << 20 }
        let atRestart = received.bytes.withLock { $0.count }
        #expect(atRestart < total, "the transfer finished before the restart")

        offerer.restartIce()
        #expect(negotiationNeeded.withLock { $0 } == 1)
        try await Self.negotiate(offerer, answerer)
        let newUfrags = (Self.ufrag(offerer.localDescription!.sdp), Self.ufrag(answerer.localDescription!.sdp))
        #expect(newUfrags.0 != nil && newUfrags.0 != oldUfrags.0, "the offer carries a new ice-ufrag")
        #expect(newUfrags.1 != nil && newUfrags.1 != oldUfrags.1, "the answerer restarted too")
        #expect(Self.ufrag(answerer.remoteDescription!.sdp) == newUfrags.0)

        // Both agents run the new generation with the new credentials (not merely new lines in the SDP).
        for pc in [offerer, answerer] {
            let ice = try #require(pc.state.withLock { $0.transport }?.ice)
            #expect(await ice.generation == 1)
            #expect(await ice.hasPendingRestart == false)
        }
        #expect(await offerer.state.withLock { $0.transport }?.ice.localCredentials.usernameFragment == newUfrags.0)
        #expect(await offerer.state.withLock { $0.transport }?.ice.remoteCredentials?.usernameFragment == newUfrags.1)

        try await sender.value
        try await Self.waitUntil(30) { received.bytes.withLock { $0.count } >= total }
        #expect(received.bytes.withLock { Digest.hash(.sha256, $0) } == Digest.hash(.sha256, payload))
        try await Self.waitUntil { offerer.iceConnectionState == .connected && answerer.iceConnectionState == .connected }
        #expect(offerer.iceConnectionState == .connected && answerer.iceConnectionState == .connected)
        #expect(offerer.connectionState == .connected && answerer.connectionState == .connected)
        #expect(!iceStates.withLock { $0 }.contains(.failed))

        // A second renegotiation without restartIce keeps the credentials.
        try await Self.negotiate(offerer, answerer)
        #expect(Self.ufrag(offerer.localDescription!.sdp) == newUfrags.0)
        #expect(Self.ufrag(answerer.localDescription!.sdp) == newUfrags.1)
        await offerer.close()
        await answerer.close()
    }

    /// When each remote frame was delivered, by kind.
    final class Arrivals: Sendable {
        let times = Mutex<[MediaKind: [ContinuousClock.Instant]]>([:])
        func drain(_ track: MediaStreamTrack) {
            Task {
                while true {
                    if let video = track as? VideoStreamTrack {
                        guard (try? await video.recv()) != nil else { return }
                    } else if let audio = track as? AudioStreamTrack {
                        guard (try? await audio.recv()) != nil else { return }
                    } else {
                        return
                    }
                    times.withLock { $0[track.kind, default: []].append(.now) }
                }
            }
        }
        func count(_ kind: MediaKind, after start: ContinuousClock.Instant? = nil) -> Int {
            times.withLock { $0[kind, default: []].filter { time in start.map { time > $0 } ?? true }.count }
        }
        func largestGap(_ kind: MediaKind) -> Duration {
            times.withLock { times in
                let t = times[kind, default: []]
                return zip(t, t.dropFirst()).map { $1 - $0 }.max() ?? .zero
            }
        }
    }

    /// R9 for media: `restartIce()` while video and audio stream. Both agents move to the new generation, media
    /// keeps flowing, and no two consecutive video frames arrive more than 2 s apart across the restart.
    @Test func restartIceWhileMediaStreamsKeepsTheGapUnderTwoSeconds() async throws {
        let offerer = RTCPeerConnection(configuration: Self.configuration)
        let answerer = RTCPeerConnection(configuration: Self.configuration)
        let arrivals = Arrivals()
        answerer.onTrack = { track, _, _ in arrivals.drain(track) }
        _ = try offerer.addTrack(PatternTrack(width: 320, height: 240))
        _ = try offerer.addTrack(SineTrack())
        try await Self.negotiate(offerer, answerer)
        try await Self.waitUntil(30) { arrivals.count(.video) >= 30 && arrivals.count(.audio) >= 50 }
        try #require(arrivals.count(.video) >= 30, "video flows before the restart")
        let oldUfrag = Self.ufrag(offerer.localDescription!.sdp)

        offerer.restartIce()
        try await Self.negotiate(offerer, answerer)
        let restarted = ContinuousClock.now
        #expect(Self.ufrag(offerer.localDescription!.sdp) != oldUfrag, "the offer carries a new ice-ufrag")
        for pc in [offerer, answerer] {
            let ice = try #require(pc.state.withLock { $0.transport }?.ice)
            #expect(await ice.generation == 1)
        }
        try await Self.waitUntil(30) {
            arrivals.count(.video, after: restarted) >= 30 && arrivals.count(.audio, after: restarted) >= 50
        }
        #expect(arrivals.count(.video, after: restarted) >= 30, "video goes on after the restart")
        #expect(arrivals.count(.audio, after: restarted) >= 50, "audio goes on after the restart")
        let gap = arrivals.largestGap(.video)
        #expect(gap <= .seconds(2), "largest gap between video frames: \(gap)")
        #expect(offerer.iceConnectionState == .connected && answerer.iceConnectionState == .connected)
        await offerer.close()
        await answerer.close()
    }

    @Test func theOriginalAnswererCanRestartToo() async throws {
        let offerer = RTCPeerConnection(configuration: Self.configuration)
        let answerer = RTCPeerConnection(configuration: Self.configuration)
        let remote = Mutex<RTCDataChannel?>(nil)
        let inbox = Mutex<[RTCDataChannelMessage]>([])
        answerer.onDataChannel = { channel in remote.withLock { $0 = channel } }
        let channel = try offerer.createDataChannel("chat")
        channel.onMessage = { message in inbox.withLock { $0.append(message) } }
        try await Self.negotiate(offerer, answerer)
        try await Self.waitUntil { channel.readyState == .open && remote.withLock { $0 } != nil }
        let old = Self.ufrag(offerer.localDescription!.sdp)

        answerer.restartIce()
        try await Self.negotiate(answerer, offerer)
        #expect(Self.ufrag(offerer.localDescription!.sdp) != old)
        for pc in [offerer, answerer] {
            let ice = try #require(pc.state.withLock { $0.transport }?.ice)
            #expect(await ice.generation == 1)
        }
        try #require(remote.withLock { $0 }).send("after the restart")
        try await Self.waitUntil { !inbox.withLock { $0 }.isEmpty }
        #expect(inbox.withLock { $0 } == [.text("after the restart")])
        try await Self.waitUntil { offerer.iceConnectionState == .connected && answerer.iceConnectionState == .connected }
        #expect(offerer.iceConnectionState == .connected && answerer.iceConnectionState == .connected)
        await offerer.close()
        await answerer.close()
    }

    @Test func restartIceBeforeAnyNegotiationDoesNothing() async throws {
        let pc = RTCPeerConnection(configuration: Self.configuration)
        let fired = Mutex(0)
        pc.onNegotiationNeeded = { fired.withLock { $0 += 1 } }
        pc.restartIce()
        #expect(fired.withLock { $0 } == 0)
        await pc.close()
        pc.restartIce()
    }

    // MARK: mDNS candidates

    /// Replaces every candidate address of `sdp` by a `.local` name, recording which name stands for which IP.
    static func hideAddresses(_ sdp: String, names: borrowing Mutex<[String: String]>) -> String {
        sdp.split(separator: "\r\n", omittingEmptySubsequences: false).map { line -> String in
            guard line.hasPrefix("a=candidate:") else { return String(line) }
            var fields = line.split(separator: " ").map(String.init)
            guard fields.count > 4 else { return String(line) }
            let name = UUID().uuidString.lowercased() + ".local"
            names.withLock { $0[name] = fields[4] }
            fields[4] = name
            return fields.joined(separator: " ")
        }.joined(separator: "\r\n")
    }

    @Test func remoteCandidatesBehindMDNSNamesConnect() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let names = Mutex<[String: String]>([:])
        let offerer = RTCPeerConnection(configuration: Self.configuration)
        let answerer = RTCPeerConnection(configuration: Self.configuration)
        let opened = Mutex(false)
        answerer.onDataChannel = { channel in channel.onOpen = { opened.withLock { $0 = true } } }
        let channel = try offerer.createDataChannel("chat")
        // The offer's candidates all become `<uuid>.local`; the answerer must resolve them to reach the offerer.
        try await offerer.setLocalDescription(try await offerer.createOffer())
        let hidden = Self.hideAddresses(offerer.localDescription!.sdp, names: names)
        #expect(!hidden.contains("127.0.0.1 ") && hidden.contains(".local "))
        let responder = try await MDNSResponder.start(names: names.withLock { $0 }, on: group.next())
        try await answerer.setRemoteDescription(RTCSessionDescription(sdp: hidden, type: .offer))
        try await answerer.setLocalDescription(try await answerer.createAnswer())
        // The offerer gets no candidates from the answer: only the resolved ones can connect.
        let answer = try #require(answerer.localDescription).sdp
            .split(separator: "\r\n").filter { !$0.hasPrefix("a=candidate:") }.joined(separator: "\r\n") + "\r\n"
        try await offerer.setRemoteDescription(RTCSessionDescription(sdp: answer, type: .answer))
        try await Self.waitUntil { channel.readyState == .open }
        #expect(channel.readyState == .open && offerer.iceConnectionState == .connected)
        #expect(responder.answeredCount >= 1)
        await offerer.close()
        await answerer.close()
        await responder.stop()
        try await group.shutdownGracefully()
    }

    @Test func trickledMDNSCandidatesResolveAndUnresolvableOnesAreDropped() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let offerer = RTCPeerConnection(configuration: Self.configuration)
        let answerer = RTCPeerConnection(configuration: Self.configuration)
        let channel = try offerer.createDataChannel("chat")
        try await offerer.setLocalDescription(try await offerer.createOffer())
        let names = Mutex<[String: String]>([:])
        let hidden = Self.hideAddresses(offerer.localDescription!.sdp, names: names)
        let lines = hidden.split(separator: "\r\n").filter { $0.hasPrefix("a=candidate:") }.map { String($0.dropFirst(2)) }
        // The offer without candidates; they follow by trickle, plus one name nobody answers for.
        let bare = hidden.split(separator: "\r\n").filter { !$0.hasPrefix("a=candidate:") && $0 != "a=end-of-candidates" }
            .joined(separator: "\r\n") + "\r\n"
        let responder = try await MDNSResponder.start(names: names.withLock { $0 }, on: group.next())
        try await answerer.setRemoteDescription(RTCSessionDescription(sdp: bare, type: .offer))
        try await answerer.setLocalDescription(try await answerer.createAnswer())
        let answer = try #require(answerer.localDescription).sdp
            .split(separator: "\r\n").filter { !$0.hasPrefix("a=candidate:") }.joined(separator: "\r\n") + "\r\n"
        try await offerer.setRemoteDescription(RTCSessionDescription(sdp: answer, type: .answer))
        // Resolution runs in the background: had this one call waited for the never-answered name, it would have
        // taken the resolver's full 3 s timeout (one call, not the whole exchange, so load cannot add up to that).
        let start = ContinuousClock.now
        try await answerer.addIceCandidate(try RTCIceCandidate(
            sdp: "candidate:9 1 udp 2130706431 \(UUID().uuidString.lowercased()).local 9 typ host", sdpMid: "0", sdpMLineIndex: 0))
        #expect(ContinuousClock.now - start < .seconds(2.9), "addIceCandidate does not wait for mDNS")
        for line in lines { try await answerer.addIceCandidate(try RTCIceCandidate(sdp: line, sdpMid: "0", sdpMLineIndex: 0)) }
        try await answerer.addIceCandidate(nil)
        try await Self.waitUntil { channel.readyState == .open }
        #expect(channel.readyState == .open && answerer.iceConnectionState == .connected)
        await offerer.close()
        await answerer.close()
        await responder.stop()
        try await group.shutdownGracefully()
    }
}

/// Answers mDNS queries (on 224.0.0.251:5353, multicast loopback) for the names of a test, by unicast.
final class MDNSResponder: Sendable {
    let channel: any Channel
    let box: Box

    private init(channel: any Channel, box: Box) {
        self.channel = channel
        self.box = box
    }

    /// Queries answered so far.
    var answeredCount: Int { box.count.withLock { $0 } }

    private final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let names: [String: String]
        let onAnswer: @Sendable () -> Void
        init(names: [String: String], onAnswer: @escaping @Sendable () -> Void) {
            self.names = names
            self.onAnswer = onAnswer
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            var buffer = envelope.data
            guard let query = try? DNSMessage(parsing: &buffer), !query.isResponse else { return }
            let answers: [DNSResourceRecord] = query.questions.compactMap { question in
                guard let (_, text) = names.first(where: { DNSName($0.key)?.matches(question.name) == true }),
                      let ip = STUNAddress.IP(text) else { return nil }
                let type: DNSRecordType = if case .v4 = ip { .a } else { .aaaa }
                return question.type == type ? .address(question.name, ip) : nil
            }
            guard !answers.isEmpty else { return }
            onAnswer()
            let response = DNSMessage(id: query.id, flags: DNSMessage.responseFlag | DNSMessage.authoritativeFlag,
                                      questions: query.questions, answers: answers)
            context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress,
                                                                    data: ByteBuffer(bytes: response.bytes))), promise: nil)
        }
    }

    static func start(names: [String: String], on eventLoop: any EventLoop) async throws -> MDNSResponder {
        let box = Box()
        let channel = try await DatagramBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(names: names) { box.count.withLock { $0 += 1 } })
                }
            }
            .bind(host: "0.0.0.0", port: 5353).get()
        let multicast = try #require(channel as? any MulticastChannel)
        try await multicast.joinGroup(try SocketAddress(ipAddress: "224.0.0.251", port: 5353)).get()
        return MDNSResponder(channel: channel, box: box)
    }

    final class Box: Sendable { let count = Mutex(0) }

    func stop() async { try? await channel.close() }
}
