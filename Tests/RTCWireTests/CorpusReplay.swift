import Foundation
import FuzzSupport
import Testing

/// Replays a checked-in fuzz corpus (`Fuzz/Corpus/NAME/`) through the same check the libFuzzer target runs:
/// every input must either parse and round-trip, or be refused with a typed error.
enum CorpusReplay {
    /// Corpora are generated and minimised by `scripts/fuzz --merge`; each parser keeps at least this many.
    static let minimumInputs = 1000

    static var corpusRoot: URL {
        URL(fileURLWithPath: #filePath)  // Tests/RTCWireTests/CorpusReplay.swift
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/Corpus")
    }

    static func replay(_ name: String, _ check: ([UInt8]) -> FuzzOutcome,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let dir = corpusRoot.appendingPathComponent(name)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".") }
        #expect(files.count >= minimumInputs, "corpus \(name) has \(files.count) inputs", sourceLocation: sourceLocation)
        var accepted = 0
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: dir.appendingPathComponent(file)))
            switch check(bytes) {
            case .accepted: accepted += 1
            case .rejected: break
            case .invariantBroken(let why):
                Issue.record("\(name)/\(file): \(why)", sourceLocation: sourceLocation)
            }
        }
        // A corpus that parses nothing exercises only the error paths: keep some valid inputs in it.
        #expect(accepted > 0, "no input in corpus \(name) parses", sourceLocation: sourceLocation)
    }
}
