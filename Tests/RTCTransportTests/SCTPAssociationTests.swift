import Dispatch
import Foundation
import Synchronization
import Testing

@testable import RTCTransport

/// Every event one association reported, in order.
final class SCTPEventLog: Sendable {
    private let events = Mutex<[SCTPEvent]>([])
    /// Set once the association's event stream finished.
    private let finished = Mutex(false)

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

/// Holds the peer so the output closure can reach it once both exist.
final class SCTPPeerSlot: Sendable {
    private let slot = Mutex<SCTPAssociation?>(nil)
    func set(_ association: SCTPAssociation?) { slot.withLock { $0 = association } }
    var association: SCTPAssociation? { slot.withLock { $0 } }
}

/// Two associations in one process, each one's output fed into the other's `receive(packet:)` from a serial
/// dispatch queue (never synchronously from inside usrsctp's callback), with every event recorded.
struct SCTPPair {
    let a: SCTPAssociation
    let b: SCTPAssociation
    let aLog = SCTPEventLog()
    let bLog = SCTPEventLog()

    init(a aConfiguration: SCTPAssociation.Configuration = .init(),
         b bConfiguration: SCTPAssociation.Configuration = .init()) throws {
        let wire = DispatchQueue(label: "sctp-wire")
        let toA = SCTPPeerSlot()
        let toB = SCTPPeerSlot()
        a = try SCTPAssociation(configuration: aConfiguration) { bytes in
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
        #expect(SCTPStack.associationCount == 0)
        #expect(await SCTPStack.finish(timeout: .seconds(20)))
    }

    @Test("usrsctp comes back after finish; an unanswered association closes cleanly", .timeLimit(.minutes(1)))
    func reinitialiseAndCloseUnconnected() async throws {
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
        #expect(await SCTPStack.finish(timeout: .seconds(20)))
    }
}
