import Dispatch
import Testing

@testable import RTCTransport

/// Orders of the simultaneous open (RFC 9260 §5.2) that slow timing produces in `PeerTransport`: the peer's INIT
/// can reach an association that exists but has not called `connect()` yet, and an INIT held in `PeerTransport`'s
/// early-packet buffer can be replayed after the association is already up; under load any handshake packet can be
/// late or doubled. All were suspects for the data channel that stays `connecting` under ASan/TSan (README, Known
/// issues); these tests show usrsctp copes with each, so none is its cause.
@Suite struct SCTPAssociationOrderingTests {
    /// Two associations whose packets cross on a queue; `a`'s first INIT is held back instead of being delivered.
    struct HeldInitPair {
        let a: SCTPAssociation
        let b: SCTPAssociation
        let aLog = SCTPEventLog()
        let bLog = SCTPEventLog()
        let heldInit = Locked<[UInt8]?>(nil)
        let wire = DispatchQueue(label: "sctp-ordering-wire")

        init(holdFirstInit: Bool) throws {
            let toA = SCTPPeerSlot()
            let toB = SCTPPeerSlot()
            let heldInit = self.heldInit
            let wire = self.wire
            a = try SCTPAssociation { bytes in
                // Chunk type 1 (INIT) right after the 12-byte common header.
                let isInit = bytes.count > 12 && bytes[12] == 1
                if holdFirstInit && isInit && heldInit.withLock({ held in
                    guard held == nil else { return false }
                    held = bytes
                    return true
                }) { return }
                wire.async { toB.association?.receive(packet: bytes) }
            }
            b = try SCTPAssociation { bytes in wire.async { toA.association?.receive(packet: bytes) } }
            toA.set(a)
            toB.set(b)
            aLog.record(a)
            bLog.record(b)
        }

        /// Sends one message each way and waits until both arrived.
        func exchange() async throws {
            try a.send(streamID: 1, ppid: 51, [1])
            try b.send(streamID: 0, ppid: 51, [2])
            try await waitUntil("a message each way") {
                aLog.messages.map(\.bytes) == [[2]] && bLog.messages.map(\.bytes) == [[1]]
            }
        }
    }

    @Test("the peer's INIT before our connect() is dropped without ABORT; the open completes",
          .timeLimit(.minutes(1)))
    func initBeforeConnect() async throws {
        let pair = try HeldInitPair(holdFirstInit: false)
        try pair.a.connect()
        // a's INIT reaches b, which is bound but neither connected nor listening.
        try await Task.sleep(for: .milliseconds(100))
        #expect(!pair.aLog.all.contains { if case .ended = $0 { true } else { false } })
        try pair.b.connect()
        try await waitUntil("both up") { pair.aLog.isEstablished && pair.bLog.isEstablished }
        try await pair.exchange()
        pair.a.close()
        pair.b.close()
    }

    @Test("an INIT replayed after the association is up leaves it working", .timeLimit(.minutes(1)))
    func staleInitAfterEstablished() async throws {
        let pair = try HeldInitPair(holdFirstInit: true)
        try pair.a.connect()
        try pair.b.connect()
        // b's INIT alone brings the association up (a answers it from COOKIE-WAIT).
        try await waitUntil("both up") { pair.aLog.isEstablished && pair.bLog.isEstablished }
        let stale = try #require(pair.heldInit.withLock { $0 })
        pair.wire.async { pair.b.receive(packet: stale) }
        try await pair.exchange()
        #expect(pair.aLog.isEstablished && pair.bLog.isEstablished)
        #expect(!pair.aLog.all.contains { if case .ended = $0 { true } else { false } })
        #expect(!pair.bLog.all.contains { if case .restarted = $0 { true } else { false } })
        pair.a.close()
        pair.b.close()
    }

    @Test("the open and a DCEP OPEN survive seeded delays of 0–1 s and duplicates on every packet",
          .timeLimit(.minutes(1)), arguments: 0..<32)
    func reorderedAndDuplicatedOpen(seed: UInt64) async throws {
        let toA = SCTPPeerSlot()
        let toB = SCTPPeerSlot()
        let random = Locked(SeededRandom(seed: seed))
        let deliver: @Sendable ([UInt8], SCTPPeerSlot) -> Void = { bytes, slot in
            let delays = random.withLock { r in
                (0..<(r.next() % 4 == 0 ? 2 : 1)).map { _ in Int(r.next() % 1000) }
            }
            for delay in delays {
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(delay)) {
                    slot.association?.receive(packet: bytes)
                }
            }
        }
        let a = try SCTPAssociation { deliver($0, toB) }
        let b = try SCTPAssociation { deliver($0, toA) }
        toA.set(a)
        toB.set(b)
        let aLog = SCTPEventLog()
        let bLog = SCTPEventLog()
        aLog.record(a)
        bLog.record(b)
        try a.connect()
        try await Task.sleep(for: .milliseconds(Int(random.withLock { $0.next() } % 300)))
        try b.connect()
        try await waitUntil("both up", timeout: .seconds(20)) { aLog.isEstablished && bLog.isEstablished }
        // A DCEP OPEN (RFC 8832 §5.1), as the hub sends it once the association is up.
        try a.send(streamID: 1, ppid: 50, [3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        try await waitUntil("the OPEN arrives", timeout: .seconds(20)) { bLog.messages.map(\.ppid) == [50] }
        let trouble = (aLog.all + bLog.all).filter {
            switch $0 {
            case .restarted, .ended: true
            default: false
            }
        }
        #expect(trouble.isEmpty)
        a.close()
        b.close()
    }
}

