import FuzzSupport
import NIOCore
import RTCWire
import Testing

/// DNS / mDNS messages (RFC 1035 §4, RFC 6762): hand-built queries and responses, compression, hostile input.
@Suite struct DNSMessageTests {
    static let name = DNSName("1f0e6a4c-5d3b-4e2a-9c8b-7a6f5e4d3c2b.local")!

    func parse(_ bytes: [UInt8]) throws(WireError) -> DNSMessage {
        var buffer = ByteBuffer(bytes: bytes)
        return try DNSMessage(parsing: &buffer)
    }

    func expectError(_ bytes: [UInt8], _ code: WireError.Code, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try parse(bytes)
            Issue.record("parsed hostile input", sourceLocation: sourceLocation)
        } catch {
            #expect(error.layer == .dns && error.code == code, "\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func queryRoundTripsAndMatchesTheWireFormat() throws {
        let query = DNSMessage.query(DNSName("ab.local")!, types: [.a, .aaaa], id: 0x1234)
        #expect(query.bytes == [0x12, 0x34, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0,
                                2, 0x61, 0x62, 5, 0x6C, 0x6F, 0x63, 0x61, 0x6C, 0, 0, 1, 0, 1,
                                2, 0x61, 0x62, 5, 0x6C, 0x6F, 0x63, 0x61, 0x6C, 0, 0, 28, 0, 1])
        let parsed = try parse(query.bytes)
        #expect(parsed == query && !parsed.isResponse && parsed.questions.map(\.type) == [.a, .aaaa])
        #expect(parsed.questions[0].name.description == "ab.local")
    }

    @Test func responseWithCompressedNamesGivesTheAddresses() throws {
        // Header, then the answer's name at offset 12, then a second answer pointing to it (0xC00C).
        var bytes: [UInt8] = [0, 0, 0x84, 0x00, 0, 0, 0, 2, 0, 0, 0, 0]
        var nameBuffer = ByteBuffer()
        Self.name.write(to: &nameBuffer)
        bytes += Array(nameBuffer.readableBytesView)
        bytes += [0, 1, 0x80, 1, 0, 0, 0, 120, 0, 4, 192, 168, 1, 20]
        bytes += [0xC0, 0x0C, 0, 28, 0x80, 1, 0, 0, 0, 120, 0, 16] + [0xFD, 0] + [UInt8](repeating: 0, count: 13) + [1]
        let message = try parse(bytes)
        #expect(message.isResponse && message.flags & DNSMessage.authoritativeFlag != 0)
        #expect(message.answers.count == 2 && message.answers[1].name == Self.name)
        #expect(message.answers[0].rawClass == 0x8001 && message.answers[0].recordClass == 1)
        let found = message.addresses(of: DNSName(Self.name.description.uppercased())!)
        #expect(found == [STUNAddress.IP("192.168.1.20")!, STUNAddress.IP("fd00::1")!])
        #expect(message.addresses(of: DNSName("other.local")!).isEmpty)
        // Written back uncompressed, it parses to the same message.
        #expect(try parse(message.bytes) == message)
        #expect(FuzzChecks.dns(bytes) == .accepted)
    }

    @Test func recordsOfEveryKindRoundTrip() throws {
        let message = DNSMessage(
            id: 7, flags: DNSMessage.responseFlag,
            questions: [DNSQuestion(name: Self.name, type: .any, rawClass: 0x8001)],
            answers: [.address(Self.name, STUNAddress.IP("10.1.2.3")!), .address(Self.name, STUNAddress.IP("2001:db8::7")!)],
            authorities: [DNSResourceRecord(name: DNSName("x.local")!, type: .txt, ttl: 4500, data: [3, 0x61, 0x3D, 0x62])],
            additionals: [DNSResourceRecord(name: DNSName(labels: [])!, type: DNSRecordType(rawValue: 41), rawClass: 1232,
                                            ttl: 0, data: [])])
        let parsed = try parse(message.bytes)
        #expect(parsed == message)
        #expect(parsed.questions[0].unicastResponse && parsed.questions[0].recordClass == 1)
        #expect(parsed.additionals[0].name.labels.isEmpty && parsed.additionals[0].type.description == "TYPE41")
        // A record of the wrong size or class gives no address.
        #expect(DNSResourceRecord(name: Self.name, type: .a, ttl: 1, data: [1, 2, 3]).address == nil)
        #expect(DNSResourceRecord(name: Self.name, type: .a, rawClass: 3, ttl: 1, data: [1, 2, 3, 4]).address == nil)
    }

    @Test func namesAreValidated() {
        #expect(DNSName(String(repeating: "a", count: 64) + ".local") == nil)
        #expect(DNSName("a..local") == nil)
        #expect(DNSName(Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: ".")) == nil)
        #expect(DNSName("host.local.")?.labels.count == 2)
        #expect(DNSName("Host.LOCAL")!.matches(DNSName("host.local")!))
        #expect(DNSName(labels: [[0x00, 0x2E, 0x41]])!.description == "\\000\\046A")
    }

    @Test func hostileInputIsRefusedWithTypedErrors() {
        let header: [UInt8] = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]  // one question
        expectError([], .truncated)
        expectError([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], .truncated)
        // Counts promising far more than is there: refused as truncated, nothing allocated from them.
        expectError([0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], .truncated)
        // A pointer to itself, forwards, and a loop between two pointers.
        expectError(header + [0xC0, 0x0C, 0, 1, 0, 1], .malformed)
        expectError(header + [0xC0, 0x20, 0, 1, 0, 1], .malformed)
        expectError(header + [1, 0x61, 0xC0, 0x0E, 0, 1, 0, 1], .malformed)
        expectError(header + [1, 0x61, 0xC0, 0x0C, 0, 1, 0, 1], .malformed)
        // Label types 0x40 and 0x80.
        expectError(header + [0x41, 0, 0, 1, 0, 1], .unsupported)
        expectError(header + [0x80, 0, 0, 1, 0, 1], .unsupported)
        // A label running past the end, and a name without its root.
        expectError(header + [5, 0x61, 0x62], .truncated)
        expectError(header + [1, 0x61], .truncated)
        // A name longer than 255 bytes once expanded through pointers.
        var long = [UInt8](header)
        long[5] = 2
        let label = [63] + [UInt8](repeating: 0x61, count: 63)
        long += label + label + label + [0, 0, 1, 0, 1]  // 3 × 64 + 1 = 193 bytes
        long += label + [0xC0, 0x0C, 0, 1, 0, 1]  // 64 + 193 = 257 bytes
        expectError(long, .malformed)
        // RDLENGTH beyond the message.
        expectError([0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0xFF, 0xFF, 1, 2], .truncated)
        // Trailing bytes after the last record.
        expectError([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xAA], .malformed)
    }

    @Test func randomBytesNeverTrap() {
        var state: UInt64 = 1035
        func next() -> UInt8 {  // xorshift64: reproducible bytes
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
        var refused = 0
        for length in 0..<3000 {
            var bytes = (0..<(length % 300)).map { _ in next() }
            if bytes.count >= 12 { bytes[4] = 0; bytes[6] = 0; bytes[8] = 0; bytes[10] = 0 }
            if case .invariantBroken(let why) = FuzzChecks.dns(bytes) { Issue.record("\(bytes): \(why)") }
            if case .rejected = FuzzChecks.dns(bytes) { refused += 1 }
        }
        #expect(refused > 0)
    }

    @Test func corpusReplays() throws {
        try CorpusReplay.replay("DNS", FuzzChecks.dns)
    }
}
