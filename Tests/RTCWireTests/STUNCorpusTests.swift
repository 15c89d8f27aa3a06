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
        try CorpusReplay.replay("STUN", FuzzChecks.stun)
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

    /// A tool, not a test: writes the hand-made seeds into Fuzz/Corpus/STUN when `STUN_WRITE_SEEDS=1`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["STUN_WRITE_SEEDS"] == "1"))
    func writeSeeds() throws {
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

    /// Writes `STUN_VARIANTS` (a count) generated messages to the directory `STUN_VARIANTS_DIR`, for
    /// `FuzzSTUN -merge=1 Fuzz/Corpus/STUN DIR` to pick from: random mixes of every attribute kind, random lengths,
    /// and damaged copies (cut, a byte flipped, a length field bumped). Seeded, so reproducible.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["STUN_VARIANTS_DIR"] != nil))
    func writeVariants() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let countText = environment["STUN_VARIANTS"], let count = Int(countText),
              let directory = environment["STUN_VARIANTS_DIR"] else { return }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let random = STUNSeedRandom(seed: UInt64(environment["STUN_VARIANTS_SEED"].flatMap { UInt64($0) } ?? 1))
        for index in 0..<count {
            var bytes = try Self.randomMessage(using: random)
            switch random.next() % 6 {
            case 0 where !bytes.isEmpty:
                bytes.removeLast(Int(random.next() % UInt64(bytes.count)))
            case 1 where !bytes.isEmpty:
                bytes[Int(random.next() % UInt64(bytes.count))] ^= UInt8(truncatingIfNeeded: random.next() | 1)
            case 2 where bytes.count > 24:
                let at = 20 + Int(random.next() % UInt64(bytes.count - 23)) & ~3
                bytes[at + 3] &+= UInt8(truncatingIfNeeded: random.next() % 9)
            default:
                break
            }
            try Data(bytes).write(to: URL(fileURLWithPath: directory).appendingPathComponent("variant-\(index)"))
        }
    }

    static func randomMessage(using random: STUNSeedRandom) throws -> [UInt8] {
        func pick<E>(_ items: [E]) -> E { items[Int(random.next() % UInt64(items.count))] }
        func text() -> String {
            let alphabet = Array("abcXYZ019:/+=-_ .\u{E9}\u{30DE}\u{1F600}")
            return String((0..<Int(random.next() % 40)).map { _ in pick(alphabet) })
        }
        func address() -> STUNAddress {
            random.next() % 2 == 0
                ? STUNAddress(ip: .v4(UInt32(truncatingIfNeeded: random.next())), port: UInt16(truncatingIfNeeded: random.next()))
                : STUNAddress(ip: .v6(random.next(), random.next()), port: UInt16(truncatingIfNeeded: random.next()))
        }
        func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: random.next()) } }
        let makers: [() -> STUNAttribute] = [
            { .mappedAddress(address()) }, { .xorMappedAddress(address()) }, { .xorPeerAddress(address()) },
            { .xorRelayedAddress(address()) }, { .alternateServer(address()) }, { .username(text()) },
            { .realm(text()) }, { .nonce(text()) }, { .software(text()) }, { .messageIntegrity(bytes(20)) },
            { .messageIntegritySHA256(bytes(16 + 4 * Int(random.next() % 5))) },
            { .fingerprint(UInt32(truncatingIfNeeded: random.next())) },
            { .errorCode(STUNErrorCode(code: 300 + Int(random.next() % 400), reason: text())) },
            { .unknownAttributes((0..<Int(random.next() % 5)).map { _ in STUNAttributeType(rawValue: UInt16(truncatingIfNeeded: random.next())) }) },
            { .priority(UInt32(truncatingIfNeeded: random.next())) }, { .useCandidate },
            { .iceControlled(random.next()) }, { .iceControlling(random.next()) },
            { .channelNumber(0x4000 + UInt16(random.next() % 0x1000)) }, { .lifetime(UInt32(truncatingIfNeeded: random.next())) },
            { .data(ByteBuffer(bytes: bytes(Int(random.next() % 64)))) }, { .requestedAddressFamily(random.next() % 2 == 0 ? .ipv4 : .ipv6) },
            { .evenPort(reserveNext: random.next() % 2 == 0) }, { .requestedTransport(UInt8(truncatingIfNeeded: random.next())) },
            { .dontFragment }, { .reservationToken(random.next()) },
            { .unknown(type: STUNAttributeType(rawValue: UInt16(truncatingIfNeeded: random.next())), value: bytes(Int(random.next() % 24))) },
        ]
        if random.next() % 10 == 0 {
            // ChannelData, sometimes with a channel number out of range.
            let channel = UInt16(truncatingIfNeeded: random.next() % 3 == 0 ? random.next() : 0x4000 + random.next() % 0x1000)
            let data = bytes(Int(random.next() % 48))
            return [UInt8(channel >> 8), UInt8(truncatingIfNeeded: channel), 0, UInt8(data.count)] + data
                + [UInt8](repeating: 0, count: Int(random.next() % 4))
        }
        if random.next() % 4 == 0 {
            // Raw attribute soup: known and unknown types with lengths that may not suit them.
            let types: [UInt16] = [0x0001, 0x0006, 0x0008, 0x0009, 0x000A, 0x000C, 0x000D, 0x0012, 0x0013, 0x0014, 0x0015,
                                   0x0016, 0x0017, 0x0018, 0x0019, 0x001A, 0x001C, 0x001D, 0x001E, 0x0020, 0x0022, 0x0024,
                                   0x0025, 0x8022, 0x8023, 0x8028, 0x8029, 0x802A, UInt16(truncatingIfNeeded: random.next())]
            var body: [UInt8] = []
            for _ in 0..<(1 + Int(random.next() % 4)) {
                let type = pick(types)
                let length = Int(random.next() % (random.next() % 2 == 0 ? 10 : 40))
                var value = bytes(length)
                if length >= 2, random.next() % 2 == 0 { value[1] = UInt8(1 + random.next() % 3) }  // address families
                body += [UInt8(type >> 8), UInt8(truncatingIfNeeded: type), 0, UInt8(length)] + value
                    + [UInt8](repeating: 0, count: (4 - length % 4) % 4)
            }
            return [0x00, 0x01, UInt8(body.count >> 8), UInt8(truncatingIfNeeded: body.count), 0x21, 0x12, 0xA4, 0x42]
                + bytes(12) + body
        }
        let type = STUNMessageType(rawValue: random.next() % 2 == 0
            ? pick([0x0001, 0x0011, 0x0101, 0x0111, 0x0003, 0x0103, 0x0113, 0x0004, 0x0104, 0x0016, 0x0017, 0x0008, 0x0108, 0x0009, 0x0109])
            : UInt16(truncatingIfNeeded: random.next()) & 0x3FFF)
        let message = STUNMessage(type: type, transactionID: STUNTransactionID(high: UInt32(truncatingIfNeeded: random.next()), middle: UInt32(truncatingIfNeeded: random.next()), low: UInt32(truncatingIfNeeded: random.next())),
                                  attributes: (0..<Int(random.next() % 7)).map { _ in pick(makers)() })
        switch random.next() % 3 {
        case 0: return try message.bytes(integrity: .shortTerm(password: "pw"), fingerprint: true, crypto: T.crypto)
        default: return try message.bytes()
        }
    }
}

/// A small seeded generator (SplitMix64) so generated seeds are reproducible.
final class STUNSeedRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
