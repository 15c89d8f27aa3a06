import Dispatch
import Foundation
import Testing

@testable import RTCTransport

/// Every event one association reported, in order.
final class SCTPEventLog: Sendable {
    private let events = Locked<[SCTPEvent]>([])
    /// Set once the association's event stream finished.
    private let finished = Locked(false)

    func record(_ association: SCTPAssociation) {
        Task {
            for await event in association.events { events.withLock { $0.append(event) } }
            finished.withLock { $0 = true }
        }
    }

    var all: [SCTPEvent] { events.withLock { $0 } }
    var isFinished: Bool { finished.withLock { $0 } }

    var messages: [SCTPMessage] {
        all.compactMap { if case .message(let message) = $0 { message } else { nil } }
    }

    var isEstablished: Bool {
        all.contains { if case .established = $0 { true } else { false } }
    }
}

/// Packets seen on one direction of the wire.
final class SCTPPacketLog: Sendable {
    private let packets = Locked<[[UInt8]]>([])
    func append(_ packet: [UInt8]) { packets.withLock { $0.append(packet) } }
    var all: [[UInt8]] { packets.withLock { $0 } }
}

/// Holds the peer (weakly, so the two associations do not keep each other alive) for the output closure.
final class SCTPPeerSlot: Sendable {
    private struct Weak { weak var association: SCTPAssociation? }
    private let slot = Locked(Weak())
    func set(_ association: SCTPAssociation?) { slot.withLock { $0.association = association } }
    var association: SCTPAssociation? { slot.withLock { $0.association } }
}

/// Two associations in one process, each one's output fed into the other's `receive(packet:)` from a serial
/// dispatch queue (never synchronously from inside usrsctp's callback), with every event recorded.
struct SCTPPair {
    let a: SCTPAssociation
    let b: SCTPAssociation
    let aLog = SCTPEventLog()
    let bLog = SCTPEventLog()
    /// Every packet a sent to b, for replaying mutated copies.
    let aToB = SCTPPacketLog()

    init(a aConfiguration: SCTPAssociation.Configuration = .init(),
         b bConfiguration: SCTPAssociation.Configuration = .init()) throws {
        let wire = DispatchQueue(label: "sctp-wire")
        let toA = SCTPPeerSlot()
        let toB = SCTPPeerSlot()
        let aToB = self.aToB
        a = try SCTPAssociation(configuration: aConfiguration) { bytes in
            aToB.append(bytes)
            wire.async { toB.association?.receive(packet: bytes) }
        }
        b = try SCTPAssociation(configuration: bConfiguration) { bytes in
            wire.async { toA.association?.receive(packet: bytes) }
        }
        toA.set(a)
        toB.set(b)
        aLog.record(a)
        bLog.record(b)
    }
}

/// CRC32c (Castagnoli, reflected, RFC 4960 Appendix B), the SCTP checksum.
func crc32c(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
    }
    return ~crc
}

/// Rewrites the checksum of an SCTP packet (stored least significant byte first, as usrsctp does).
func withValidChecksum(_ packet: [UInt8]) -> [UInt8] {
    guard packet.count >= 12 else { return packet }
    var packet = packet
    packet.replaceSubrange(8..<12, with: [0, 0, 0, 0])
    let crc = crc32c(packet)
    packet.replaceSubrange(8..<12, with: [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF),
                                          UInt8(crc >> 24)])
    return packet
}

/// Polls until `condition` holds, for at most `timeout`; records an issue and throws on timeout.
func waitUntil(_ what: String, timeout: Duration = .seconds(10),
               _ condition: @Sendable () -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while !condition() {
        guard clock.now < deadline else {
            Issue.record("timed out waiting for \(what)")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(5))
    }
}

/// usrsctp is one per process: these tests run one at a time.
@Suite("SCTP associations over AF_CONN (usrsctp)", .serialized)
struct SCTPAssociationTests {
    @Test("simultaneous open, messages both ways, 64 KiB, stream reset, abort on close, usrsctp_finish",
          .timeLimit(.minutes(1)))
    func exchange() async throws {
        let pair = try SCTPPair()
        try pair.a.connect()
        try pair.b.connect()
        try await waitUntil("both established") { pair.aLog.isEstablished && pair.bLog.isEstablished }
        #expect(pair.a.isEstablished && pair.b.isEstablished)
        let up = pair.aLog.all.first { if case .established = $0 { true } else { false } }
        #expect(up == .established(outboundStreams: 1024, inboundStreams: 1024))

        try pair.a.send(streamID: 1, ppid: 51, Array("hello from a".utf8))
        try pair.b.send(streamID: 2, ppid: 53, ordered: false, [0, 1, 2, 255])
        try await waitUntil("small messages") { !pair.bLog.messages.isEmpty && !pair.aLog.messages.isEmpty }
        #expect(pair.bLog.messages.first == SCTPMessage(streamID: 1, ppid: 51, bytes: Array("hello from a".utf8)))
        #expect(pair.aLog.messages.first == SCTPMessage(streamID: 2, ppid: 53, unordered: true, bytes: [0, 1, 2, 255]))

        // 64 KiB spans many DATA chunks and, possibly, partial delivery.
        var generator = SystemRandomNumberGenerator()
        let big = (0..<65_536).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try pair.a.send(streamID: 3, ppid: 53, big)
        try pair.b.send(streamID: 3, ppid: 53, reliability: .maxRetransmits(0), Array(big.reversed()))
        try await waitUntil("64 KiB both ways") { pair.bLog.messages.count == 2 && pair.aLog.messages.count == 2 }
        #expect(pair.bLog.messages.last == SCTPMessage(streamID: 3, ppid: 53, bytes: big))
        #expect(pair.aLog.messages.last?.bytes == Array(big.reversed()))

        // Closing a data channel: reset our outgoing stream; the peer sees its incoming stream reset.
        try pair.a.resetStreams([1])
        try await waitUntil("stream reset") {
            pair.bLog.all.contains(.streamsReset(incoming: [1], outgoing: []))
        }

        #expect(throws: SCTPError.self) { try pair.a.send(streamID: 1, ppid: 51, []) }

        // Abort: the peer learns the association is lost; the closed side's events finish.
        pair.a.close()
        try await waitUntil("peer sees the abort") {
            pair.bLog.all.contains { if case .ended(.lost, _) = $0 { true } else { false } }
        }
        try await waitUntil("events of a finish") { pair.aLog.isFinished }
        #expect(!pair.b.isEstablished)
        let error = #expect(throws: SCTPError.self) { try pair.a.send(streamID: 1, ppid: 51, [1]) }
        #expect(error?.code == .invalidState)
        // Packets for a closed association are dropped, not fed to usrsctp.
        pair.a.receive(packet: [0, 1, 2, 3])
        pair.a.close()
        pair.b.close()
        // usrsctp is process-wide and other suites use it concurrently, so usrsctp_finish is checked on its own
        // (reinitialiseAndCloseUnconnected, run alone by scripts/test).
    }

    /// Needs usrsctp to itself: scripts/test runs it in a separate process with ASYNCRTC_SCTP_FINISH_TEST=1.
    @Test("usrsctp comes back after finish; an unanswered association closes cleanly", .timeLimit(.minutes(1)),
          .enabled(if: ProcessInfo.processInfo.environment["ASYNCRTC_SCTP_FINISH_TEST"] == "1"))
    func reinitialiseAndCloseUnconnected() async throws {
        #expect(SCTPStack.associationCount == 0)
        #expect(await SCTPStack.finish(timeout: .seconds(20)))
        let lonely = try SCTPAssociation(output: { _ in })
        try lonely.connect()
        #expect(!lonely.isEstablished)
        // usrsctp queues data while the handshake is under way (COOKIE-WAIT), so this is accepted.
        try lonely.send(streamID: 0, ppid: 51, [1])
        lonely.close()
        #expect(throws: SCTPError.self) { try lonely.connect() }

        let pair = try SCTPPair()
        try pair.a.connect()
        try pair.b.connect()
        try await waitUntil("established after re-init") { pair.aLog.isEstablished && pair.bLog.isEstablished }
        try pair.b.send(streamID: 7, ppid: 50, [3])
        try await waitUntil("message after re-init") { pair.aLog.messages.first?.bytes == [3] }
        pair.a.close()
        pair.b.close()
        #expect(SCTPStack.associationCount == 0)
        #expect(await SCTPStack.finish(timeout: .seconds(20)))
    }

    @Test("a 256 KiB message crosses partial delivery intact; oversized messages are dropped, later ones arrive",
          .timeLimit(.minutes(1)))
    func largeAndOversizedMessages() async throws {
        // A small partial delivery point makes usrsctp hand the big message over in pieces.
        let pair = try SCTPPair(b: SCTPAssociation.Configuration(maxMessageSize: 1 << 18, partialDeliveryPoint: 4096))
        try pair.a.connect()
        try pair.b.connect()
        try await waitUntil("established") { pair.aLog.isEstablished && pair.bLog.isEstablished }
        let big = (0..<(1 << 18)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        try pair.a.send(streamID: 5, ppid: 53, big)
        try pair.a.send(streamID: 5, ppid: 53, big + [0])  // one byte over b's limit: dropped
        try pair.a.send(streamID: 6, ppid: 51, Array("after".utf8))
        try await waitUntil("messages after the oversized one") { pair.bLog.messages.count >= 2 }
        let messages = pair.bLog.messages
        #expect(messages.count == 2)
        #expect(messages.first?.bytes == big)
        #expect(messages.last == SCTPMessage(streamID: 6, ppid: 51, bytes: Array("after".utf8)))
        pair.a.close()
        pair.b.close()
    }

    /// Seeds whose damaged INIT chunks made usrsctp 0.9.5 spin forever in sctp_send_initiate_ack before
    /// SCTPPacketFilter existed (found by scanning seeds with ASYNCRTC_HOSTILE_SEED).
    static let spinningSeeds: [UInt64] = [13, 34, 54, 59]

    @Test("packets that made usrsctp spin are dropped before it", .timeLimit(.minutes(1)))
    func formerlySpinningSeeds() async throws {
        for seed in Self.spinningSeeds {
            try await hostilePackets(seed: seed)
        }
    }

    @Test("random packets fed to an established association are dropped; it keeps working", .timeLimit(.minutes(1)))
    func hostilePackets() async throws {
        try await hostilePackets(seed: nil)
    }

    func hostilePackets(seed fixedSeed: UInt64?) async throws {
        let pair = try SCTPPair()
        try pair.a.connect()
        try pair.b.connect()
        try await waitUntil("established") { pair.aLog.isEstablished && pair.bLog.isEstablished }
        // Seeded, so a failure replays. Unseeded, some runs made usrsctp 0.9.5 spin at 100 % CPU inside conninput
        // (an INIT with a broken parameter list); SCTPPacketFilter now drops such packets before usrsctp.
        // ASYNCRTC_HOSTILE_SEED=N replays another seed (to hunt the spin: loop over seeds under `timeout`).
        let seed = fixedSeed ?? ProcessInfo.processInfo.environment["ASYNCRTC_HOSTILE_SEED"].flatMap(UInt64.init) ?? 20261122
        var generator = SeededRandom(seed: seed)
        for _ in 0..<500 {
            let length = Int.random(in: 1...1500, using: &generator)
            var packet = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if packet.count >= 4 {
                // Ports 5000 → 5000 so usrsctp looks further than the common header.
                packet.replaceSubrange(0..<4, with: [0x13, 0x88, 0x13, 0x88])
            }
            pair.b.receive(packet: packet)
        }
        try pair.a.send(streamID: 9, ppid: 51, [42])
        try await waitUntil("message after garbage") { pair.bLog.messages.last?.bytes == [42] }
        #expect(pair.b.isEstablished)
        // Real packets with random damage past the common header and a correct checksum reach usrsctp's chunk
        // parsers (they may well kill the association; only survival of the process is checked).
        let captured = pair.aToB.all
        for round in 0..<2000 {
            guard var packet = captured.randomElement(using: &generator), packet.count > 12 else { continue }
            for _ in 0..<(1 + round % 4) {
                packet[Int.random(in: 12..<packet.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            if round % 3 == 0 { packet = Array(packet.prefix(Int.random(in: 12...packet.count, using: &generator))) }
            pair.b.receive(packet: withValidChecksum(packet))
        }
        pair.a.close()
        pair.b.close()
    }
}
