import Foundation
import FuzzSupport
import NIOCore
import RTCWire
import Testing

private typealias T = STUNTestSupport

/// Replays the checked-in STUN fuzz corpus and the regression inputs; can also (re)write the hand-made seeds.
@Suite struct STUNCorpusTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let corpus = repositoryRoot.appendingPathComponent("Fuzz/Corpus/STUN")

    @Test func corpusReplays() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).filter { !$0.hasPrefix(".") }
        #expect(names.count >= 1000, "Fuzz/Corpus/STUN holds \(names.count) inputs")
        var accepted = 0
        for name in names {
            let bytes = try [UInt8](Data(contentsOf: Self.corpus.appendingPathComponent(name)))
            let outcome = FuzzChecks.stun(bytes)
            if case .invariantBroken(let why) = outcome {
                Issue.record("\(name): \(why)")
            }
            if outcome == .accepted { accepted += 1 }
        }
        #expect(accepted > 0)
    }

    @Test func vectorsAndSamplesPassTheFuzzCheck() throws {
        for vector in [T.rfc5769Request, T.rfc5769IPv4Response, T.rfc5769IPv6Response, T.rfc5769LongTermRequest] {
            #expect(FuzzChecks.stun(vector) == .accepted)
        }
        for message in T.sampleMessages() {
            #expect(FuzzChecks.stun(try message.bytes()) == .accepted)
        }
        #expect(FuzzChecks.stun(T.bytes("4000 0004 01020304")) != .accepted)
        if case .invariantBroken = FuzzChecks.stun(T.bytes("4000 0004 01020304")) { Issue.record("ChannelData") }
    }

    /// Writes the hand-made seeds into Fuzz/Corpus/STUN when `STUN_WRITE_SEEDS=1`; otherwise does nothing.
    @Test func writeSeeds() throws {
        guard ProcessInfo.processInfo.environment["STUN_WRITE_SEEDS"] == "1" else { return }
        try FileManager.default.createDirectory(at: Self.corpus, withIntermediateDirectories: true)
        var seeds: [(String, [UInt8])] = [
            ("rfc5769-2.1-request", T.rfc5769Request), ("rfc5769-2.2-ipv4-response", T.rfc5769IPv4Response),
            ("rfc5769-2.3-ipv6-response", T.rfc5769IPv6Response), ("rfc5769-2.4-long-term", T.rfc5769LongTermRequest),
        ]
        for (index, message) in T.sampleMessages().enumerated() {
            seeds.append(("sample-\(index)", try message.bytes()))
            seeds.append(("sample-\(index)-protected",
                          try message.bytes(integrity: .shortTerm(password: "pw"), fingerprint: true, crypto: T.crypto)))
        }
        for (index, attribute) in STUNAttributeTests.everyAttribute.enumerated() {
            let message = STUNMessage(type: .bindingRequest, transactionID: STUNAttributeTests.id, attributes: [attribute])
            seeds.append(("attribute-\(index)", try message.bytes()))
        }
        for (index, length) in [0, 1, 3, 4, 7, 100].enumerated() {
            var buffer = ByteBuffer()
            try TURNChannelData(channelNumber: 0x4000 + UInt16(index), data: ByteBuffer(repeating: 0x5A, count: length))
                .write(to: &buffer, framing: .stream)
            seeds.append(("channeldata-\(length)", Array(buffer.readableBytesView)))
        }
        for (name, bytes) in seeds {
            try Data(bytes).write(to: Self.corpus.appendingPathComponent("seed-" + name))
        }
    }
}
