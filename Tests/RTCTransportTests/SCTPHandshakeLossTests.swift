import Dispatch
import Foundation
import Synchronization
import Testing

@testable import RTCTransport

/// A lossy wire between two associations that can drop packets by the SCTP chunks they carry (RFC 9260 §3.2):
/// the first `n` packets carrying a given chunk type in each direction are dropped, and every other packet is lost
/// with a seeded probability. The UDP impairment layer cannot do this — under it SCTP is encrypted by DTLS — so
/// the targeted drops act on the plaintext SCTP packets, where usrsctp's output meets its input.
final class SCTPChunkDroppingWire: Sendable {
    static let cookieEcho: UInt8 = 10
    static let cookieAck: UInt8 = 11

    struct Direction {
        var random: SeededRandom
        /// Chunk type → how many more packets carrying it to drop.
        var dropsLeft: [UInt8: Int]
        /// Chunk type → packets carrying it seen / dropped on purpose.
        var seen: [UInt8: Int] = [:]
        var targeted: [UInt8: Int] = [:]
        var randomlyLost = 0
        var passed = 0
    }

    private let loss: Double
    /// Both directions' state, index 0 for a → b.
    private let directions: Mutex<[Direction]>

    init(loss: Double, seed: UInt64, drop: [UInt8: Int]) {
        self.loss = loss
        directions = Mutex([Direction(random: SeededRandom(seed: seed), dropsLeft: drop),
                            Direction(random: SeededRandom(seed: seed &+ 1), dropsLeft: drop)])
    }

    /// The chunk types in an SCTP packet, in order; stops at a malformed chunk.
    static func chunkTypes(_ packet: [UInt8]) -> [UInt8] {
        var types: [UInt8] = []
        var offset = 12
        while packet.count - offset >= 4 {
            types.append(packet[offset])
            let length = Int(packet[offset + 2]) << 8 | Int(packet[offset + 3])
            guard length >= 4 else { break }
            offset += (length + 3) & ~3
        }
        return types
    }

    /// Whether a packet sent in `direction` (0: a → b, 1: b → a) arrives.
    func admit(_ packet: [UInt8], direction: Int) -> Bool {
        let types = Set(Self.chunkTypes(packet))
        let loss = self.loss
        return directions.withLock { all in
            var d = all[direction]
            defer { all[direction] = d }
            for type in types { d.seen[type, default: 0] += 1 }
            for type in types where d.dropsLeft[type, default: 0] > 0 {
                d.dropsLeft[type]! -= 1
                d.targeted[type, default: 0] += 1
                return false
            }
            if d.random.chance(loss) {
                d.randomlyLost += 1
                return false
            }
            d.passed += 1
            return true
        }
    }

    func snapshot(_ direction: Int) -> Direction { directions.withLock { $0[direction] } }
}

/// The wire's seeds: one in CI (each run takes about a minute of real time), `ASYNCRTC_R4_SEEDS=N` runs N.
private let cookieLossSeeds: [UInt64] = (0..<(ProcessInfo.processInfo.environment["ASYNCRTC_R4_SEEDS"].flatMap(Int.init) ?? 1))
    .map { UInt64(5 + $0) }

/// Issue 7, R4: the SCTP association comes up although the first COOKIE-ECHO and the first COOKIE-ACK are lost
/// (RFC 9260 §5.1: T1-cookie retransmits the COOKIE-ECHO; a duplicate COOKIE-ECHO is answered with a fresh
/// COOKIE-ACK, §5.2.4), under 25 % random loss of everything else, and then carries messages reliably. Real
/// usrsctp, real time (its timers read the real clock); the limits only catch hangs.
@Suite(.serialized) struct SCTPHandshakeLossTests {
    struct LossyPair {
        let a: SCTPAssociation
        let b: SCTPAssociation
        let aLog = SCTPEventLog()
        let bLog = SCTPEventLog()
        let wire: SCTPChunkDroppingWire

        init(wire: SCTPChunkDroppingWire) throws {
            self.wire = wire
            let queue = DispatchQueue(label: "sctp-lossy-wire")
            let toA = SCTPPeerSlot(), toB = SCTPPeerSlot()
            a = try SCTPAssociation { bytes in
                guard wire.admit(bytes, direction: 0) else { return }
                queue.async { toB.association?.receive(packet: bytes) }
            }
            b = try SCTPAssociation { bytes in
                guard wire.admit(bytes, direction: 1) else { return }
                queue.async { toA.association?.receive(packet: bytes) }
            }
            toA.set(a)
            toB.set(b)
            aLog.record(a)
            bLog.record(b)
        }
    }

    @Test("the chunk filter sees the chunk types of a bundled packet")
    func chunkTypesOfABundle() {
        // Common header, COOKIE ECHO (length 8), DATA (length 17, padded to 20).
        let packet = [UInt8](repeating: 0, count: 12) + [10, 0, 0, 8, 1, 2, 3, 4] + [0, 3, 0, 17] + [UInt8](repeating: 0, count: 16)
        #expect(SCTPChunkDroppingWire.chunkTypes(packet) == [10, 0])
        let wire = SCTPChunkDroppingWire(loss: 0, seed: 1, drop: [10: 1])
        #expect(!wire.admit(packet, direction: 0))
        #expect(wire.admit(packet, direction: 0))
        #expect(wire.admit(packet, direction: 1) == false)
        #expect(wire.snapshot(0).targeted == [10: 1] && wire.snapshot(0).seen == [10: 2, 0: 2])
    }

    @Test("established with the first COOKIE-ECHO and COOKIE-ACK dropped each way, under 25 % loss",
          .timeLimit(.minutes(10)), arguments: cookieLossSeeds)
    func associationSurvivesLostCookies(seed: UInt64) async throws {
        let wire = SCTPChunkDroppingWire(loss: 0.25, seed: seed,
                                         drop: [SCTPChunkDroppingWire.cookieEcho: 1, SCTPChunkDroppingWire.cookieAck: 1])
        let pair = try LossyPair(wire: wire)
        // Both sides connect, as data channels do (RFC 8841: simultaneous open on port 5000).
        try pair.a.connect()
        try pair.b.connect()
        try await waitUntil("established despite lost cookies", timeout: .seconds(120)) {
            pair.aLog.isEstablished && pair.bLog.isEstablished
        }
        let (ab, ba) = (wire.snapshot(0), wire.snapshot(1))
        // The targeted drops happened, and the handshake needed a retransmitted COOKIE-ECHO to finish.
        let cookieEchoes = ab.seen[SCTPChunkDroppingWire.cookieEcho, default: 0] + ba.seen[SCTPChunkDroppingWire.cookieEcho, default: 0]
        let droppedEchoes = ab.targeted[SCTPChunkDroppingWire.cookieEcho, default: 0] + ba.targeted[SCTPChunkDroppingWire.cookieEcho, default: 0]
        let droppedAcks = ab.targeted[SCTPChunkDroppingWire.cookieAck, default: 0] + ba.targeted[SCTPChunkDroppingWire.cookieAck, default: 0]
        #expect(droppedEchoes >= 1 && cookieEchoes > droppedEchoes, "COOKIE-ECHO: \(cookieEchoes) sent, \(droppedEchoes) dropped")
        #expect(droppedAcks >= 1, "no COOKIE-ACK was dropped: \(ab.seen) / \(ba.seen)")

        // Then messages both ways arrive complete and in order despite 25 % loss (reliable, ordered: DCEP's mode).
        let count = 30
        for i in 0..<count {
            try pair.a.send(streamID: 1, ppid: 50, [UInt8(i), 0xA])
            try pair.b.send(streamID: 2, ppid: 51, [UInt8(i), 0xB])
        }
        try await waitUntil("\(count) messages each way", timeout: .seconds(120)) {
            pair.bLog.messages.count >= count && pair.aLog.messages.count >= count
        }
        #expect(pair.bLog.messages.map(\.bytes) == (0..<count).map { [UInt8($0), 0xA] })
        #expect(pair.aLog.messages.map(\.bytes) == (0..<count).map { [UInt8($0), 0xB] })
        #expect(wire.snapshot(0).randomlyLost + wire.snapshot(1).randomlyLost > 0)
        #expect(pair.a.isEstablished && pair.b.isEstablished)
        pair.a.close()
        pair.b.close()
    }
}
