import Foundation
import FuzzStackSupport
import FuzzSupport
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
