import Foundation
@testable import FuzzStackSupport
import FuzzSupport
import RTCTransport
import Testing

/// Replays the checked-in corpora of the fuzz targets above RTCWire (`Fuzz/Corpus/Signaling`, `Fuzz/Corpus/SCTP`)
/// through the checks the libFuzzer binaries run (scripts/fuzz FuzzSignaling FuzzSCTP): every input must be either
/// accepted with its invariants intact or refused with a typed error — and, for SCTP, usrsctp must return.
@Suite struct StackFuzzCorpusTests {
    /// `scripts/fuzz --merge` grows each corpus; each keeps at least this many inputs.
    static let minimumInputs = 1000

    static func corpus(_ name: String) throws -> [(name: String, bytes: [UInt8])] {
        let dir = URL(fileURLWithPath: #filePath)  // Tests/AsyncRTCTests/StackFuzzCorpusTests.swift
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/Corpus/\(name)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".") }.sorted()
        return try files.map { ($0, [UInt8](try Data(contentsOf: dir.appendingPathComponent($0)))) }
    }

    static func replay(_ name: String, _ check: ([UInt8]) -> FuzzOutcome,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let inputs = try corpus(name)
        #expect(inputs.count >= minimumInputs, "corpus \(name) has \(inputs.count) inputs", sourceLocation: sourceLocation)
        var accepted = 0
        for input in inputs {
            switch check(input.bytes) {
            case .accepted: accepted += 1
            case .rejected: break
            case .invariantBroken(let why): Issue.record("\(name)/\(input.name): \(why)", sourceLocation: sourceLocation)
            }
        }
        #expect(accepted > 0, "no input in corpus \(name) is accepted", sourceLocation: sourceLocation)
    }

    @Test("every input of the signaling JSON corpus decodes and round-trips, or is refused")
    func signalingCorpus() throws {
        try Self.replay("Signaling", FuzzChecks.signaling)
    }

    @Test("every input of the SCTP corpus goes through the filter into a live usrsctp association and returns",
          .timeLimit(.minutes(10)))
    func sctpCorpus() throws {
        try Self.replay("SCTP", FuzzChecks.sctp)
    }
}

/// The SCTP fuzz harness must reach the live association, or the fuzzer only ever exercises usrsctp's "drop"
/// paths: a DATA chunk whose header the harness completes (verification tag, ports, CRC32c, TSN relative to the
/// peer's initial TSN) is acknowledged, and the same chunk without the tag is not.
@Suite struct SCTPFuzzHarnessTests {
    /// Common header (ports, tag and checksum are filled in by the harness) + DATA, TSN offset 0, stream 0,
    /// SSN 0, PPID 51 (string), "hello", B and E bits set (RFC 9260 §3.3.1).
    static let dataPacket: [UInt8] = [UInt8](repeating: 0, count: 12)
        + [0, 0x03, 0, 21, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 51] + Array("hello".utf8) + [0, 0, 0]

    static func sackAcknowledging(_ tsn: UInt32, in packets: [[UInt8]]) -> Bool {
        packets.contains { packet in
            packet.count >= 12 + 16 && packet[12] == 3
                && packet[16..<20].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } == tsn
        }
    }

    @Test(arguments: [true, false])
    func aCompletedDataChunkIsAcknowledged(withTag: Bool) async throws {
        let wire = try #require(SCTPFuzzWire())
        defer { wire.close() }
        try #require(wire.establish())
        let flags: UInt8 = (withTag ? SCTPFuzzRecord.setTag : 0) | SCTPFuzzRecord.setPorts | SCTPFuzzRecord.relativeTSNs
        let record = SCTPFuzzRecord(flags: flags, bytes: Self.dataPacket)
        let packet = record.packet(tag: wire.tagToB, peerTSN: wire.initialTSN.a, ownTSN: wire.initialTSN.b)
        #expect(SCTPPacketFilter.isAcceptable(packet))
        wire.b.receive(packet: packet)
        // usrsctp delays its SACK (20 ms here): with the tag, wait for it (30 s only bounds a hang); without, look
        // at what b sent in the next half second.
        let clock = ContinuousClock()
        let deadline = clock.now + (withTag ? .seconds(30) : .milliseconds(500))
        var acknowledged = false
        while !acknowledged && clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            acknowledged = Self.sackAcknowledging(wire.initialTSN.a, in: wire.answersFromB)
        }
        #expect(acknowledged == withTag, "b's answers: \(wire.answersFromB.map { $0.count > 12 ? $0[12] : 255 })")
    }
}
