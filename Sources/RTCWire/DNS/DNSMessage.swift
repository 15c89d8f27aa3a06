public import NIOCore

/// A DNS message (RFC 1035 §4.1) as Multicast DNS uses it (RFC 6762 §18): the header, then questions, answers,
/// authority and additional records. Parsing follows name compression; writing never compresses, so a parsed
/// message written and parsed again is equal (names, types, classes, TTLs and record data are kept as received).
///
/// Hostile input: counts are checked against the bytes present record by record (nothing is allocated from a
/// count), compression pointers must point backwards, and names stay within 255 bytes.
public struct DNSMessage: Hashable, Sendable {
    /// The transaction ID; 0 in multicast queries and responses, echoed in legacy unicast ones (RFC 6762 §18.1).
    public var id: UInt16
    /// QR, OPCODE, AA, TC, RD, RA, Z, AD, CD and RCODE, as on the wire.
    public var flags: UInt16
    public var questions: [DNSQuestion]
    public var answers: [DNSResourceRecord]
    public var authorities: [DNSResourceRecord]
    public var additionals: [DNSResourceRecord]

    /// QR: the message is a response.
    public static let responseFlag: UInt16 = 0x8000
    /// AA: an authoritative answer (set by mDNS responders, RFC 6762 §18.4).
    public static let authoritativeFlag: UInt16 = 0x0400

    public init(id: UInt16 = 0, flags: UInt16 = 0, questions: [DNSQuestion] = [], answers: [DNSResourceRecord] = [],
                authorities: [DNSResourceRecord] = [], additionals: [DNSResourceRecord] = []) {
        self.id = id
        self.flags = flags
        self.questions = Array(questions.prefix(Int(UInt16.max)))
        self.answers = Array(answers.prefix(Int(UInt16.max)))
        self.authorities = Array(authorities.prefix(Int(UInt16.max)))
        self.additionals = Array(additionals.prefix(Int(UInt16.max)))
    }

    public var isResponse: Bool { flags & Self.responseFlag != 0 }
    /// OPCODE (0: standard query; mDNS ignores messages with any other, RFC 6762 §18.3).
    public var opcode: UInt8 { UInt8(truncatingIfNeeded: (flags >> 11) & 0xF) }
    /// RCODE (0: no error).
    public var responseCode: UInt8 { UInt8(truncatingIfNeeded: flags & 0xF) }

    /// A one-shot mDNS query (RFC 6762 §5.1) for every type in `types` of `name`.
    public static func query(_ name: DNSName, types: [DNSRecordType], id: UInt16 = 0, unicastResponse: Bool = false) -> DNSMessage {
        DNSMessage(id: id, questions: types.map {
            DNSQuestion(name: name, type: $0, rawClass: DNSRecordType.classIN | (unicastResponse ? 0x8000 : 0))
        })
    }

    /// Every address the answer and additional records give for `name` (A and AAAA, class IN).
    public func addresses(of name: DNSName) -> [STUNAddress.IP] {
        (answers + additionals).filter { $0.name.matches(name) }.compactMap(\.address)
    }

    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        let message = buffer
        id = try buffer.readWireInteger(as: UInt16.self, .dns, field: "ID")
        flags = try buffer.readWireInteger(as: UInt16.self, .dns, field: "flags")
        let questionCount = try buffer.readWireInteger(as: UInt16.self, .dns, field: "QDCOUNT")
        let answerCount = try buffer.readWireInteger(as: UInt16.self, .dns, field: "ANCOUNT")
        let authorityCount = try buffer.readWireInteger(as: UInt16.self, .dns, field: "NSCOUNT")
        let additionalCount = try buffer.readWireInteger(as: UInt16.self, .dns, field: "ARCOUNT")
        // Each entry consumes at least 5 bytes (question) or 11 (record), so the loops end with the input.
        var questions: [DNSQuestion] = []
        for _ in 0..<questionCount { questions.append(try DNSQuestion(parsing: &buffer, message: message)) }
        self.questions = questions
        answers = try Self.records(answerCount, from: &buffer, message: message)
        authorities = try Self.records(authorityCount, from: &buffer, message: message)
        additionals = try Self.records(additionalCount, from: &buffer, message: message)
        guard buffer.readableBytes == 0 else {
            throw WireError(.dns, .malformed, "\(buffer.readableBytes) bytes after the last record")
        }
    }

    private static func records(_ count: UInt16, from buffer: inout ByteBuffer,
                                message: ByteBuffer) throws(WireError) -> [DNSResourceRecord] {
        var records: [DNSResourceRecord] = []
        for _ in 0..<count { records.append(try DNSResourceRecord(parsing: &buffer, message: message)) }
        return records
    }

    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(id)
        buffer.writeInteger(flags)
        for count in [questions.count, answers.count, authorities.count, additionals.count] {
            buffer.writeInteger(UInt16(truncatingIfNeeded: count))
        }
        for question in questions { question.write(to: &buffer) }
        for record in answers + authorities + additionals { record.write(to: &buffer) }
    }

    /// The message's bytes.
    public var bytes: [UInt8] {
        var buffer = ByteBuffer()
        write(to: &buffer)
        return Array(buffer.readableBytesView)
    }
}
