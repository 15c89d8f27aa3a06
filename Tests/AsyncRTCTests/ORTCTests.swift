@testable import AsyncRTC
import AsyncRTCTesting
import Foundation
import NIOCore
import Synchronization
import Testing

/// ORTC objects driven by hand, as aiortc's tests/test_ortc.py does: two stacks in one process (gatherer → ICE
/// transport → DTLS transport → SCTP transport → data channel) over real UDP on loopback.
@Suite(.serialized) struct ORTCTests {
    struct Timeout: Error, CustomStringConvertible {
        var what: String
        var description: String { "timed out: \(what)" }
    }

    /// Runs `body`, failing with ``Timeout`` after `seconds` (the body is cancelled).
    static func within<T: Sendable>(_ seconds: Double, _ what: String,
                                    _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                throw Timeout(what: what)
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw Timeout(what: what) }
            return first
        }
    }

    static func outcome(_ body: () async throws -> Void) async -> Result<Void, any Error> {
        do {
            try await body()
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    static func waitUntil(_ seconds: Double = 20, _ condition: () -> Bool) async throws {
        try await AsyncRTCTesting.waitUntil(seconds, condition)
    }

    /// Records what a handler is called with.
    final class Recorder<T: Sendable>: Sendable {
        let values = Mutex<[T]>([])
        func add(_ value: T) { values.withLock { $0.append(value) } }
        var all: [T] { values.withLock { $0 } }
        var count: Int { values.withLock { $0.count } }
    }

    /// One side's objects.
    struct Stack: Sendable {
        let gatherer: RTCIceGatherer
        let ice: RTCIceTransport
        let certificate: RTCCertificate
        let dtls: RTCDtlsTransport
        let sctp: RTCSctpTransport

        init(role: RTCIceRole?) throws {
            gatherer = RTCIceGatherer(loopbackOnly: true)
            ice = RTCIceTransport(gatherer: gatherer)
            if let role { ice.role = role }
            certificate = try RTCCertificate.generateCertificate()
            dtls = RTCDtlsTransport(transport: ice, certificates: [certificate])
            sctp = RTCSctpTransport(transport: dtls)
        }

        func stop() async {
            await sctp.stop()
            await dtls.stop()
            await ice.stop()
        }
    }

    /// Gathers both sides, trades candidates (with end-of-candidates) and starts ICE on both.
    static func connectICE(_ a: Stack, _ b: Stack, passwordForA: String? = nil) async throws {
        async let gatherA: Void = a.gatherer.gather()
        async let gatherB: Void = b.gatherer.gather()
        _ = try await (gatherA, gatherB)
        for candidate in b.gatherer.getLocalCandidates() { a.ice.addRemoteCandidate(candidate) }
        a.ice.addRemoteCandidate(nil)
        for candidate in a.gatherer.getLocalCandidates() { b.ice.addRemoteCandidate(candidate) }
        b.ice.addRemoteCandidate(nil)
        let parametersA = a.gatherer.getLocalParameters(), parametersB = b.gatherer.getLocalParameters()
        try await within(20, "ICE") {
            async let startA: Void = a.ice.start(parametersB)
            async let startB: Void = b.ice.start(parametersA)
            _ = try await (startA, startB)
        }
    }

    static func connectDTLS(_ a: Stack, _ b: Stack) async throws {
        try await within(20, "DTLS") {
            async let startA: Void = a.dtls.start(b.dtls.getLocalParameters())
            async let startB: Void = b.dtls.start(a.dtls.getLocalParameters())
            _ = try await (startA, startB)
        }
    }

    static func send(_ message: RTCDataChannelMessage, on channel: RTCDataChannel) throws {
        switch message {
        case .text(let t): try channel.send(t)
        case .binary(let b): try channel.send(b)
        }
    }

    @Test func handBuiltStackOpensAChannelAndEchoes() async throws {
        let a = try Stack(role: .controlling), b = try Stack(role: .controlled)
        let iceStates = Recorder<RTCIceTransportState>(), dtlsStates = Recorder<RTCDtlsTransportState>()
        a.ice.onStateChange = { iceStates.add($0) }
        a.dtls.onStateChange = { dtlsStates.add($0) }
        #expect(a.gatherer.state == .new && a.gatherer.getLocalCandidates().isEmpty)
        // The credentials exist before gathering (they are chosen with the gatherer).
        let parameters = a.gatherer.getLocalParameters()
        #expect(parameters.usernameFragment.count >= 4 && parameters.password.count >= 22 && !parameters.iceLite)

        try await Self.connectICE(a, b)
        #expect(a.gatherer.state == .completed && b.gatherer.state == .completed)
        let candidates = a.gatherer.getLocalCandidates()
        #expect(!candidates.isEmpty)
        #expect(candidates.allSatisfy { ["127.0.0.1", "::1"].contains($0.ip) && $0.type == "host" && $0.protocol == "udp" })
        #expect(b.ice.getRemoteCandidates() == candidates)
        #expect([.connected, .completed].contains(a.ice.state) && [.connected, .completed].contains(b.ice.state))
        #expect(iceStates.all.first == .checking && iceStates.all.contains(.connected))
        #expect(a.ice.role == .controlling && b.ice.role == .controlled)

        // Fingerprints as aiortc gives them: SHA-256, -384 and -512, upper-case hex pairs.
        let fingerprints = a.certificate.getFingerprints()
        #expect(fingerprints.map(\.algorithm) == ["sha-256", "sha-384", "sha-512"])
        #expect(fingerprints[0].value.count == 32 * 3 - 1 && fingerprints[0].value == fingerprints[0].value.uppercased())
        #expect(a.certificate.expires > Date())
        #expect(a.dtls.getLocalParameters() == RTCDtlsParameters(fingerprints: fingerprints, role: .auto))

        try await Self.connectDTLS(a, b)
        #expect(a.dtls.state == .connected && b.dtls.state == .connected)
        // aiortc's ORTC rule: the ICE controlling side is the DTLS server.
        #expect(a.dtls.role == .server && b.dtls.role == .client)
        #expect(dtlsStates.all == [.connecting, .connected])

        // The peer's channels are echoed back.
        let remoteChannels = Recorder<RTCDataChannel>()
        let echoed = Recorder<RTCDataChannelMessage>()
        b.sctp.onDataChannel = { channel in
            remoteChannels.add(channel)
            channel.onMessage = { message in
                echoed.add(message)
                try? Self.send(message, on: channel)
            }
        }
        #expect(RTCSctpTransport.getCapabilities().maxMessageSize == 262_144)
        // A channel made before SCTP starts waits for it.
        let channel = try RTCDataChannel(transport: a.sctp, parameters: RTCDataChannelParameters(label: "echo", protocol: "p1"))
        #expect(channel.readyState == .connecting && channel.id == nil)
        let received = Recorder<RTCDataChannelMessage>()
        channel.onMessage = { received.add($0) }
        try await a.sctp.start(b.sctp.getCapabilities(), remotePort: b.sctp.port)
        try await b.sctp.start(a.sctp.getCapabilities(), remotePort: a.sctp.port)
        try await Self.waitUntil { channel.readyState == .open && remoteChannels.count == 1 }
        try #require(channel.readyState == .open)
        #expect(a.sctp.state == .connected && b.sctp.state == .connected)
        #expect((a.sctp.maxChannels ?? 0) > 0)
        // The DTLS server chooses odd stream ids (RFC 8832 §6).
        #expect(channel.id == 1)
        let remote = try #require(remoteChannels.all.first)
        #expect(remote.label == "echo" && remote.protocol == "p1" && remote.id == 1 && remote.readyState == .open)

        let big = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let sent: [RTCDataChannelMessage] = [.text("hello"), .binary([0, 1, 2, 255]), .text(""), .binary([]),
                                             .text("ünïcødé 🚀"), .binary(big)]
        for message in sent { try Self.send(message, on: channel) }
        try await Self.waitUntil { received.count >= sent.count }
        #expect(echoed.all == sent)
        #expect(received.all == sent)

        // A negotiated channel: same id on both sides, no DCEP.
        let negotiatedA = try RTCDataChannel(transport: a.sctp, parameters: .init(label: "n", negotiated: true, id: 10))
        let negotiatedB = try RTCDataChannel(transport: b.sctp, parameters: .init(label: "n", negotiated: true, id: 10))
        try await Self.waitUntil { negotiatedA.readyState == .open && negotiatedB.readyState == .open }
        let onB = Recorder<RTCDataChannelMessage>()
        negotiatedB.onMessage = { onB.add($0) }
        try negotiatedA.send("negotiated")
        try await Self.waitUntil { onB.count == 1 }
        #expect(onB.all == [.text("negotiated")])
        #expect(throws: RTCError(.operation)) {
            try RTCDataChannel(transport: a.sctp, parameters: .init(label: "dup", negotiated: true, id: 10))
        }
        #expect(throws: RTCError(.type)) {
            try RTCDataChannel(transport: a.sctp, parameters: .init(label: "bad", negotiated: true))
        }

        // Stopping SCTP aborts the association: both sides' channels close.
        await a.sctp.stop()
        #expect(a.sctp.state == .closed && channel.readyState == .closed)
        try await Self.waitUntil { remote.readyState == .closed && b.sctp.state == .closed }
        #expect(remote.readyState == .closed && negotiatedB.readyState == .closed)
        #expect(b.sctp.state == .closed)
        #expect(throws: RTCError(.invalidState)) { try channel.send("after stop") }

        await a.dtls.stop()
        #expect(a.dtls.state == .closed)
        await a.ice.stop()
        #expect(a.ice.state == .closed)
        await b.stop()
        #expect(b.dtls.state == .closed && b.ice.state == .closed)
        #expect(dtlsStates.all == [.connecting, .connected, .closed])
        await #expect(throws: RTCError(.invalidState)) { try await a.ice.start(b.gatherer.getLocalParameters()) }
    }

    @Test func rtpDatagramsGoToTheMediaHookAndDTLSToTheHandshake() async throws {
        let a = try Stack(role: .controlling), b = try Stack(role: .controlled)
        try await Self.connectICE(a, b)
        // Before DTLS is connected nothing leaves as RTP (no media before the handshake).
        let early = Recorder<[UInt8]>()
        b.dtls.onRTP = { early.add(Array($0.readableBytesView)) }
        a.dtls.sendRTP(ByteBuffer(bytes: [0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]))
        try await Self.connectDTLS(a, b)
        let keys = try #require(a.dtls.srtpKeys), peerKeys = try #require(b.dtls.srtpKeys)
        #expect(keys.keys == peerKeys.keys && keys.role != peerKeys.role)
        // RFC 7983: first byte 128–191 is RTP/RTCP; an RTCP type (200, SR) in the second byte too.
        let rtp: [UInt8] = [0x80, 96, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0xAB]
        let rtcp: [UInt8] = [0x80, 200, 0, 1, 0, 0, 0, 1]
        a.dtls.sendRTP(ByteBuffer(bytes: rtp))
        a.dtls.sendRTP(ByteBuffer(bytes: rtcp))
        try await Self.waitUntil(5) { early.count >= 2 }
        #expect(early.all == [rtp, rtcp])
        #expect(b.dtls.state == .connected)
        await a.stop()
        await b.stop()
    }

    @Test func bothControlledResolveTheRoleConflictAndAgreeOnDTLSRoles() async throws {
        // aiortc's gatherer starts controlled; two such transports meet in a role conflict (RFC 8445 §7.3.1.1).
        let a = try Stack(role: nil), b = try Stack(role: nil)
        #expect(a.ice.role == .controlled)
        try await Self.connectICE(a, b)
        try await Self.connectDTLS(a, b)
        #expect(Set([a.dtls.role, b.dtls.role]) == [.client, .server])
        #expect(Set([a.ice.role, b.ice.role]) == [.controlling, .controlled])
        #expect((a.ice.role == .controlling) == (a.dtls.role == .server))
        await a.stop()
        await b.stop()
    }

    @Test func wrongFingerprintFailsDTLSAndNoDataFlows() async throws {
        let a = try Stack(role: .controlling), b = try Stack(role: .controlled)
        try await Self.connectICE(a, b)
        // A expects a certificate B does not have.
        let impostor = try RTCCertificate.generateCertificate()
        let wrong = RTCDtlsParameters(fingerprints: impostor.getFingerprints(), role: .auto)
        let received = Recorder<RTCDataChannelMessage>()
        b.sctp.onDataChannel = { channel in channel.onMessage = { received.add($0) } }
        let outcomes = try await Self.within(40, "DTLS failure") {
            async let resultA = Self.outcome { try await a.dtls.start(wrong) }
            async let resultB = Self.outcome { try await b.dtls.start(a.dtls.getLocalParameters()) }
            return await (resultA, resultB)
        }
        #expect(throws: RTCError(.operation)) { try outcomes.0.get() }
        #expect(throws: (any Error).self) { try outcomes.1.get() }
        #expect(a.dtls.state == .failed)
        #expect(b.dtls.state == .failed)
        #expect(a.dtls.failureReason?.contains("fingerprint") == true)

        // SCTP cannot start over a failed DTLS transport, and nothing is delivered.
        let channel = try RTCDataChannel(transport: a.sctp, parameters: .init(label: "x"))
        await #expect(throws: RTCError(.operation)) { try await a.sctp.start(b.sctp.getCapabilities(), remotePort: 5000) }
        await #expect(throws: (any Error).self) { try await b.sctp.start(a.sctp.getCapabilities(), remotePort: 5000) }
        #expect(a.sctp.state == .closed && b.sctp.state == .closed)
        #expect(channel.readyState == .closed)
        #expect(throws: RTCError(.invalidState)) { try channel.send("secret") }
        try await Task.sleep(for: .milliseconds(300))
        #expect(received.count == 0)
        await a.stop()
        await b.stop()
    }

    @Test func wrongICEPasswordNeverConnects() async throws {
        // The side with the wrong password controls: its checks are dropped unauthenticated, so it never has a
        // valid pair to nominate, and the controlled side is never nominated.
        let a = try Stack(role: .controlling), b = try Stack(role: .controlled)
        async let gatherA: Void = a.gatherer.gather()
        async let gatherB: Void = b.gatherer.gather()
        _ = try await (gatherA, gatherB)
        for candidate in b.gatherer.getLocalCandidates() { a.ice.addRemoteCandidate(candidate) }
        for candidate in a.gatherer.getLocalCandidates() { b.ice.addRemoteCandidate(candidate) }
        var wrong = b.gatherer.getLocalParameters()
        wrong.password = String(wrong.password.reversed())
        let startA = Task { try await a.ice.start(wrong) }
        let startB = Task { try await b.ice.start(a.gatherer.getLocalParameters()) }
        try await Task.sleep(for: .seconds(3))
        #expect(![RTCIceTransportState.connected, .completed].contains(a.ice.state))
        #expect(![RTCIceTransportState.connected, .completed].contains(b.ice.state))
        await a.ice.stop()
        await b.ice.stop()
        await #expect(throws: RTCError(.invalidState)) { try await startA.value }
        await #expect(throws: RTCError(.invalidState)) { try await startB.value }
        #expect(a.ice.state == .closed && b.ice.state == .closed)
        await a.stop()
        await b.stop()
    }

    @Test func stoppingAnUpperTransportEndsItsWaitForTheOneBelow() async throws {
        let a = try Stack(role: .controlling), b = try Stack(role: .controlled)
        // Nothing below is started: DTLS waits for ICE, SCTP for DTLS, until stopped.
        let dtlsStart = Task { try await a.dtls.start(b.dtls.getLocalParameters()) }
        let sctpStart = Task { try await a.sctp.start(b.sctp.getCapabilities(), remotePort: 5000) }
        try await Task.sleep(for: .milliseconds(200))
        #expect(a.dtls.state == .connecting && a.sctp.state == .connecting)
        let outcomes = try await Self.within(5, "stop ends the waits") {
            await a.sctp.stop()
            await a.dtls.stop()
            return (await Self.outcome { try await sctpStart.value }, await Self.outcome { try await dtlsStart.value })
        }
        #expect(throws: RTCError(.invalidState)) { try outcomes.0.get() }
        #expect(throws: RTCError(.invalidState)) { try outcomes.1.get() }
        #expect(a.dtls.state == .closed && a.sctp.state == .closed)
        await a.stop()
        await b.stop()
    }

    /// One gather → ICE → DTLS → SCTP → echo → stop cycle.
    static func cycle() async throws {
        let a = try Stack(role: .controlling), b = try Stack(role: .controlled)
        try await connectICE(a, b)
        try await connectDTLS(a, b)
        b.sctp.onDataChannel = { channel in
            channel.onMessage = { message in if case .binary(let bytes) = message { try? channel.send(bytes) } }
        }
        try await a.sctp.start(b.sctp.getCapabilities(), remotePort: 5000)
        try await b.sctp.start(a.sctp.getCapabilities(), remotePort: 5000)
        let channel = try RTCDataChannel(transport: a.sctp, parameters: .init(label: "cycle"))
        let echoed = Mutex<[UInt8]?>(nil)
        channel.onMessage = { message in if case .binary(let bytes) = message { echoed.withLock { $0 = bytes } } }
        try await waitUntil { channel.readyState == .open }
        let payload = (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try channel.send(payload)
        try await waitUntil(10) { echoed.withLock { $0 } != nil }
        #expect(echoed.withLock { $0 } == payload)
        await a.stop()
        await b.stop()
    }

    static func openFileDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    }

    @Test func fiftyStackCyclesLeaveFileDescriptorsAtBaseline() async throws {
        for _ in 0..<3 { try await Self.cycle() }
        try await Task.sleep(for: .milliseconds(200))
        let baseline = Self.openFileDescriptors()
        for _ in 0..<50 { try await Self.cycle() }
        // Sockets close asynchronously on their event loops: give them a moment.
        try await Self.waitUntil(5) { Self.openFileDescriptors() <= baseline + 2 }
        #expect(Self.openFileDescriptors() <= baseline + 2, "baseline \(baseline), now \(Self.openFileDescriptors())")
    }

    @Test func misuseIsRefusedWithRTCErrors() async throws {
        let a = try Stack(role: .controlling)
        // DTLS without fingerprints to trust, or started twice.
        await #expect(throws: RTCError(.invalidAccess)) { try await a.dtls.start(RTCDtlsParameters()) }
        #expect(a.dtls.state == .failed)
        await #expect(throws: RTCError(.invalidState)) { try await a.dtls.start(a.dtls.getLocalParameters()) }
        let noCertificate = RTCDtlsTransport(transport: a.ice, certificates: [])
        await #expect(throws: RTCError(.invalidAccess)) { try await noCertificate.start(a.dtls.getLocalParameters()) }
        // A stopped ICE transport cannot start.
        await a.ice.stop()
        await #expect(throws: RTCError(.invalidState)) { try await a.ice.start(a.gatherer.getLocalParameters()) }
        await a.stop()
        // Channels on a stopped SCTP transport are refused.
        #expect(throws: RTCError(.invalidState)) { try RTCDataChannel(transport: a.sctp, parameters: .init(label: "late")) }
    }
}
