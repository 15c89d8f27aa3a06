import Foundation
import FuzzSupport
import RTCWire
import Testing

/// The repository root, found from this file's path.
func rtpRepositoryRoot(_ file: String = #filePath) -> URL {
    URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// Runs a fuzz check over every file of `Fuzz/Corpus/<name>/` and returns (file count, broken invariants).
func rtpReplayCorpus(_ name: String, _ check: ([UInt8]) -> FuzzOutcome) throws -> (Int, [String]) {
    let directory = rtpRepositoryRoot().appendingPathComponent("Fuzz/Corpus/\(name)")
    let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix(".") }
    var broken: [String] = []
    for file in files {
        let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(file)))
        if case .invariantBroken(let why) = check(bytes) {
            broken.append("\(file): \(why)")
        }
    }
    return (files.count, broken)
}

@Suite("RTP fuzz corpus")
struct RTPFuzzCorpusTests {
    @Test("every corpus input keeps the RTP invariants")
    func replay() throws {
        let (count, broken) = try rtpReplayCorpus("RTP", FuzzChecks.rtp)
        #expect(count >= 1000)
        #expect(broken == [])
    }

    @Test("the check accepts a valid packet and rejects garbage")
    func outcomes() {
        #expect(FuzzChecks.rtp(rtpHex("90 60 0001 00000001 00000002 bede 0001 10aa0000 ff")) == .accepted)
        #expect(FuzzChecks.rtp([0x80]) == .rejected(WireError(.rtp, .truncated, "")))
    }
}
