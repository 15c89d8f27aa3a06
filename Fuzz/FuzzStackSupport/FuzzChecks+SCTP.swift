public import FuzzSupport
public import RTCWire
import RTCTransport
import Synchronization

extension WireError.Layer {
    /// SCTP packets on their way into usrsctp (`SCTPPacketFilter`, then `usrsctp_conninput`).
    public static let sctp = WireError.Layer("SCTP")
}

extension FuzzChecks {
    /// Fuzz check for usrsctp behind ``SCTPPacketFilter``: brings up a real association between two usrsctp
    /// sockets in AF_CONN mode (in memory, pumped on this thread), then feeds the input's packets to one of them
    /// through `SCTPAssociation.receive(packet:)` — the path DTLS-decrypted packets take, filter included — and
    /// lets the two answer each other. usrsctp 0.9.5 spins forever on some malformed INITs (the reason the filter
    /// exists); what this looks for is anything else it cannot take: a crash, an ASan report, or a hang
    /// (libFuzzer's `-timeout`, which scripts/fuzz sets).
    ///
    /// The input is a list of records, each `flags (1 byte) | length (2 bytes, big endian) | packet`; a last record
    /// shorter than its length takes what is left. Flags: `0x01` writes the live association's verification tag
    /// into the common header, `0x02` writes ports 5000 → 5000, `0x04` keeps the checksum as given (otherwise a
    /// valid CRC32c is written, so that usrsctp looks past it), `0x08` lets the two sockets exchange whatever they
    /// have to say after the packet, `0x10` reads the TSNs of DATA, I-DATA and FORWARD TSN chunks as offsets from
    /// the peer's initial TSN and a SACK's cumulative TSN ack as an offset from the receiver's own (so that inputs
    /// reach the data path instead of falling outside the window). At most ``sctpMaximumPackets`` records are used.
    ///
    /// `.rejected` when the filter let none of the packets through; `.accepted` otherwise. There is no round-trip
    /// invariant here: usrsctp is a black box, and the checks are that it returns, does not crash, and that the
    /// filter refuses exactly what `SCTPPacketFilter.isAcceptable` says it refuses.
    public static func sctp(_ bytes: [UInt8]) -> FuzzOutcome {
        let records = SCTPFuzzRecord.split(bytes)
        guard !records.isEmpty else {
            return .rejected(WireError(.sctp, .truncated, "no packet record"))
        }
        guard let wire = SCTPFuzzWire() else {
            return .invariantBroken("could not create two usrsctp associations")
        }
        defer { wire.close() }
        guard wire.establish() else {
            return .invariantBroken("two usrsctp associations did not come up in memory")
        }
        var passed = 0
        for record in records {
            let packet = record.packet(tag: wire.tagToB, peerTSN: wire.initialTSN.a, ownTSN: wire.initialTSN.b)
            let acceptable = SCTPPacketFilter.isAcceptable(packet)
            let droppedBefore = wire.b.malformedPacketsDropped
            wire.b.receive(packet: packet)
            let dropped = wire.b.malformedPacketsDropped - droppedBefore
            if acceptable {
                passed += 1
                guard dropped == 0 else { return .invariantBroken("the filter accepted a packet the association dropped") }
            } else if !packet.isEmpty {
                guard dropped == 1 else { return .invariantBroken("a packet the filter refuses reached usrsctp") }
            }
            if record.flags & SCTPFuzzRecord.exchange != 0 {
                wire.pump(rounds: 4)
            } else {
                // Still look at b's answer, for the feedback below, but deliver nothing.
                wire.observeQueuedAnswers()
            }
        }
        return passed > 0 ? .accepted : .rejected(WireError(.sctp, .malformed, "the filter refused every packet"))
    }

    /// Records beyond this many are ignored (each may make the two sockets talk for a few rounds).
    public static let sctpMaximumPackets = 16
}

/// One record of an SCTP fuzz input; see ``FuzzChecks/sctp(_:)``.
struct SCTPFuzzRecord {
    static let setTag: UInt8 = 0x01
    static let setPorts: UInt8 = 0x02
    static let keepChecksum: UInt8 = 0x04
    static let exchange: UInt8 = 0x08
    static let relativeTSNs: UInt8 = 0x10

    var flags: UInt8
    var bytes: [UInt8]

    static func split(_ input: [UInt8]) -> [SCTPFuzzRecord] {
        var records: [SCTPFuzzRecord] = []
        var offset = 0
        while input.count - offset >= 3, records.count < FuzzChecks.sctpMaximumPackets {
            let flags = input[offset]
            let length = Int(input[offset + 1]) << 8 | Int(input[offset + 2])
            let start = offset + 3
            let end = min(input.count, start + length)
            records.append(SCTPFuzzRecord(flags: flags, bytes: Array(input[start..<end])))
            offset = end
        }
        return records
    }

    /// The packet as fed to usrsctp: header fields patched as the flags ask, then the checksum.
    func packet(tag: UInt32, peerTSN: UInt32, ownTSN: UInt32) -> [UInt8] {
        var packet = bytes
        guard packet.count >= 12 else { return packet }
        if flags & Self.relativeTSNs != 0 {
            var offset = 12
            while packet.count - offset >= 8 {
                let type = packet[offset]
                let length = Int(packet[offset + 2]) << 8 | Int(packet[offset + 3])
                switch type {
                case 0, 64, 192, 194: Self.add(peerTSN, at: offset + 4, in: &packet)  // DATA, I-DATA, (I-)FORWARD TSN
                case 3, 16: Self.add(ownTSN &- 1, at: offset + 4, in: &packet)  // SACK, NR-SACK
                default: break
                }
                guard length >= 4 else { break }
                offset += (length + 3) & ~3
            }
        }
        if flags & Self.setPorts != 0 {
            packet.replaceSubrange(0..<4, with: [0x13, 0x88, 0x13, 0x88])
        }
        if flags & Self.setTag != 0 {
            packet.replaceSubrange(4..<8, with: [UInt8(tag >> 24), UInt8(tag >> 16 & 0xFF), UInt8(tag >> 8 & 0xFF),
                                                 UInt8(tag & 0xFF)])
        }
        if flags & Self.keepChecksum == 0 {
            packet.replaceSubrange(8..<12, with: [0, 0, 0, 0])
            let crc = CRC32c.checksum(packet)
            // SCTP stores the CRC32c least significant byte first (RFC 9260 Appendix A).
            packet.replaceSubrange(8..<12, with: [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF),
                                                  UInt8(crc >> 24)])
        }
        return packet
    }

    /// Adds `base` to the big-endian 32-bit number at `offset` (wrapping, as TSNs do).
    static func add(_ base: UInt32, at offset: Int, in packet: inout [UInt8]) {
        guard offset >= 0, packet.count - offset >= 4 else { return }
        let value = packet[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } &+ base
        packet.replaceSubrange(offset..<offset + 4, with: [UInt8(value >> 24), UInt8(value >> 16 & 0xFF),
                                                           UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)])
    }
}

/// CRC32c (Castagnoli, reflected polynomial 0x82F63B78), SCTP's checksum (RFC 9260 Appendix A).
enum CRC32c {
    static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return ~crc
    }
}

/// Two usrsctp associations wired together in memory: what each one outputs is queued, and ``pump(rounds:)``
/// delivers the queues on the calling thread (never from inside usrsctp's output callback, which holds its locks).
final class SCTPFuzzWire: Sendable {
    /// The packets each side sent and the other has not been given yet.
    final class Queues: Sendable {
        let state = Mutex<(toA: [[UInt8]], toB: [[UInt8]], tagToB: UInt32, tsnA: UInt32, tsnB: UInt32)>(([], [], 0, 0, 0))
    }

    /// The initial TSN in an INIT or INIT ACK (RFC 9260 §3.3.2: 12 bytes into the chunk's value), if `packet`
    /// starts with one.
    static func initialTSN(in packet: [UInt8]) -> UInt32? {
        guard packet.count >= 12 + 20, packet[12] == 1 || packet[12] == 2 else { return nil }
        return packet[28..<32].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    let a: SCTPAssociation
    let b: SCTPAssociation
    private let queues: Queues

    /// The verification tag b expects (read from the common header of a's packets once the handshake ran).
    var tagToB: UInt32 { queues.state.withLock { $0.tagToB } }
    /// The initial TSNs a and b announced in their INIT or INIT ACK.
    var initialTSN: (a: UInt32, b: UInt32) { queues.state.withLock { ($0.tsnA, $0.tsnB) } }

    init?() {
        let queues = Queues()
        guard let a = try? SCTPAssociation(output: { packet in
                  queues.state.withLock { state in
                      // a's packets other than its INIT (tag 0) carry b's verification tag.
                      if packet.count >= 12 {
                          let tag = packet[4..<8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                          if tag != 0 { state.tagToB = tag }
                      }
                      if let tsn = Self.initialTSN(in: packet) { state.tsnA = tsn }
                      state.toB.append(packet)
                  }
              }),
              let b = try? SCTPAssociation(output: { packet in
                  queues.state.withLock { state in
                      if let tsn = Self.initialTSN(in: packet) { state.tsnB = tsn }
                      state.toA.append(packet)
                  }
              }) else {
            return nil
        }
        self.a = a
        self.b = b
        self.queues = queues
    }

    /// Both sides connect (WebRTC's simultaneous open) and packets are exchanged until both are established.
    func establish() -> Bool {
        do {
            try a.connect()
            try b.connect()
        } catch {
            return false
        }
        for _ in 0..<16 {
            pump(rounds: 1)
            if a.isEstablished && b.isEstablished && tagToB != 0 { return true }
        }
        return false
    }

    /// Delivers what each side queued for the other, `rounds` times (fewer if both queues run dry).
    func pump(rounds: Int) {
        for _ in 0..<rounds {
            let (toA, toB) = queues.state.withLock { state in
                defer { state.toA.removeAll(); state.toB.removeAll() }
                return (state.toA, state.toB)
            }
            if toA.isEmpty && toB.isEmpty { return }
            for packet in toA { SCTPFuzzFeedback.observe(packet) }
            for packet in toB { b.receive(packet: packet) }
            for packet in toA { a.receive(packet: packet) }
        }
    }

    /// What b sent to a and a has not been given yet (for tests).
    var answersFromB: [[UInt8]] { queues.state.withLock { $0.toA } }

    /// Shows libFuzzer what b answered, without delivering it.
    func observeQueuedAnswers() {
        for packet in queues.state.withLock({ $0.toA }) { SCTPFuzzFeedback.observe(packet) }
    }

    func close() {
        b.close()
        a.close()
    }
}

/// usrsctp is not built with coverage instrumentation, so libFuzzer cannot see which of its paths an input took.
/// What it answers is the next best signal: each chunk type, error cause and RE-CONFIG result in b's packets takes
/// its own branch here (instrumented Swift), so an input that makes usrsctp answer differently counts as new
/// coverage and is kept.
enum SCTPFuzzFeedback {
    static func observe(_ packet: [UInt8]) {
        var offset = 12
        while packet.count - offset >= 4 {
            let type = packet[offset]
            let length = Int(packet[offset + 2]) << 8 | Int(packet[offset + 3])
            guard length >= 4, length <= packet.count - offset else { return }
            chunk(type, flags: packet[offset + 1])
            if type == 6 || type == 9, length >= 8 {  // ABORT, ERROR: the first cause
                cause(Int(packet[offset + 4]) << 8 | Int(packet[offset + 5]))
            }
            if type == 130, length >= 16, packet[offset + 4] == 0, packet[offset + 5] == 16 {  // RE-CONFIG response
                result(packet[offset + 15])
            }
            offset += (length + 3) & ~3
        }
    }

    @inline(never)
    static func chunk(_ type: UInt8, flags: UInt8) {
        switch type {
        case 0: mark(flags & 0x0F == 3 ? 1 : 2)
        case 1: mark(3)
        case 2: mark(4)
        case 3: mark(5)
        case 4: mark(6)
        case 5: mark(7)
        case 6: mark(flags & 1 == 0 ? 8 : 9)
        case 7: mark(10)
        case 8: mark(11)
        case 9: mark(12)
        case 10: mark(13)
        case 11: mark(14)
        case 12: mark(15)
        case 13: mark(16)
        case 14: mark(17)
        case 15: mark(18)
        case 16: mark(19)
        case 64: mark(20)
        case 128: mark(21)
        case 130: mark(22)
        case 132: mark(23)
        case 192: mark(24)
        case 193: mark(25)
        case 194: mark(26)
        default: mark(27)
        }
    }

    @inline(never)
    static func cause(_ code: Int) {
        switch code {
        case 1: mark(31)
        case 2: mark(32)
        case 3: mark(33)
        case 4: mark(34)
        case 5: mark(35)
        case 6: mark(36)
        case 7: mark(37)
        case 8: mark(38)
        case 9: mark(39)
        case 10: mark(40)
        case 11: mark(41)
        case 12: mark(42)
        case 13: mark(43)
        default: mark(44)
        }
    }

    @inline(never)
    static func result(_ value: UInt8) {
        switch value {
        case 0: mark(50)
        case 1: mark(51)
        case 2: mark(52)
        case 3: mark(53)
        case 4: mark(54)
        case 5: mark(55)
        case 6: mark(56)
        default: mark(57)
        }
    }

    /// An opaque sink, so that the branches above are not folded away.
    @inline(never)
    static func mark(_ id: Int) {
        sink.add(id, ordering: .relaxed)
    }

    static let sink = Atomic<Int>(0)
}
