public import NIOCore

/// A STUN message (RFC 8489 §5–6): a 20-byte header — type, length, magic cookie, transaction ID — and an
/// ordered list of attributes. TURN (RFC 8656) and ICE (RFC 8445) messages are STUN messages with their own
/// methods and attributes.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0|     STUN Message Type     |         Message Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Magic Cookie                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     Transaction ID (96 bits)                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// Parsing keeps every attribute, in order, including MESSAGE-INTEGRITY and FINGERPRINT and whatever follows them;
/// ``write(to:)`` writes them back as they are. To protect a message, use
/// ``write(to:integrity:fingerprint:crypto:)``, which computes those two attributes; to check one, run
/// ``verifyIntegrity(rawMessage:key:algorithm:hmac:)-(ByteBuffer,_,_,_)`` and
/// ``verifyFingerprint(rawMessage:crc32:)-(ByteBuffer,_)`` on the bytes as
/// received (see `STUNMessage+Integrity.swift`).
public struct STUNMessage: Hashable, Sendable, CustomStringConvertible {
    /// The fixed magic cookie, `0x2112A442` (RFC 8489 §5).
    public static let magicCookie: UInt32 = 0x2112_A442
    /// Bytes in the STUN header.
    public static let headerLength = 20

    public var type: STUNMessageType
    public var transactionID: STUNTransactionID
    public var attributes: [STUNAttribute]

    public init(type: STUNMessageType, transactionID: STUNTransactionID = .random(), attributes: [STUNAttribute] = []) {
        self.type = type
        self.transactionID = transactionID
        self.attributes = attributes
    }

    public var method: STUNMethod { type.method }
    public var messageClass: STUNMessageClass { type.messageClass }

    /// A cheap first test for demultiplexing (RFC 7983 §7, RFC 8489 §5): at least a header's worth of bytes, the
    /// two most significant bits zero, a length that is a multiple of 4, and the magic cookie at offset 4.
    public static func looksLikeSTUN<Bytes: Collection<UInt8>>(_ firstBytes: Bytes) -> Bool {
        var iterator = firstBytes.makeIterator()
        var header: [UInt8] = []
        header.reserveCapacity(8)
        while header.count < 8, let byte = iterator.next() { header.append(byte) }
        guard firstBytes.count >= headerLength, header.count == 8 else { return false }
        return header[0] & 0xC0 == 0 && header[3] & 0x03 == 0
            && header[4] == 0x21 && header[5] == 0x12 && header[6] == 0xA4 && header[7] == 0x42
    }

    /// ``looksLikeSTUN(_:)`` on the readable bytes of a buffer, without copying.
    public static func looksLikeSTUN(_ buffer: ByteBuffer) -> Bool {
        looksLikeSTUN(buffer.readableBytesView)
    }

    /// Parses one message from the front of `buffer`, consuming exactly `20 + Message Length` bytes; anything after
    /// stays in the buffer (the next message on a stream). Throws ``WireError/Code/truncated`` when the input ends
    /// before the header or the declared length does, ``WireError/Code/malformed`` for a non-zero leading bit
    /// pair, a length that is not a multiple of 4 or an attribute that overruns the message, and
    /// ``WireError/Code/unsupported`` for a message without the magic cookie (RFC 3489 classic STUN).
    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        var input = buffer
        let rawType = try input.readWireInteger(as: UInt16.self, .stun, field: "message type")
        let length = Int(try input.readWireInteger(as: UInt16.self, .stun, field: "message length"))
        let cookie = try input.readWireInteger(as: UInt32.self, .stun, field: "magic cookie")
        let id0 = try input.readWireInteger(as: UInt32.self, .stun, field: "transaction ID")
        let id1 = try input.readWireInteger(as: UInt32.self, .stun, field: "transaction ID")
        let id2 = try input.readWireInteger(as: UInt32.self, .stun, field: "transaction ID")
        guard rawType & 0xC000 == 0 else {
            throw WireError(.stun, .malformed, "the two leading bits of a STUN message must be zero")
        }
        guard cookie == Self.magicCookie else {
            throw WireError(.stun, .unsupported, "no magic cookie (RFC 3489 STUN is not supported)")
        }
        guard length % 4 == 0 else {
            throw WireError(.stun, .malformed, "message length \(length) is not a multiple of 4")
        }
        var body = try input.readWireSlice(length: length, .stun, field: "message body")
        let transactionID = STUNTransactionID(high: id0, middle: id1, low: id2)
        var attributes: [STUNAttribute] = []
        while body.readableBytes > 0 {
            do {
                attributes.append(try STUNAttribute(parsing: &body, transactionID: transactionID))
            } catch where error.code == .truncated {
                // The message itself was complete, so an attribute running past its end is a framing error.
                throw WireError(.stun, .malformed, "attribute overruns the message length: \(error.reason)")
            }
        }
        self.type = STUNMessageType(rawValue: rawType)
        self.transactionID = transactionID
        self.attributes = attributes
        buffer = input
    }

    /// Parses a message that must fill `bytes` exactly (one UDP datagram); trailing bytes are
    /// ``WireError/Code/malformed``.
    public init<Bytes: Collection<UInt8>>(bytes: Bytes) throws(WireError) {
        var buffer = ByteBuffer(bytes: bytes)
        try self.init(parsing: &buffer)
        guard buffer.readableBytes == 0 else {
            throw WireError(.stun, .malformed, "\(buffer.readableBytes) bytes after the STUN message")
        }
    }

    /// Writes the header and every attribute as they are, MESSAGE-INTEGRITY and FINGERPRINT values included.
    /// Throws ``WireError/Code/tooLarge`` when the attributes exceed the 16-bit message length, or
    /// ``WireError/Code/malformed`` for an attribute value the wire cannot hold; nothing is written then.
    public func write(to buffer: inout ByteBuffer) throws(WireError) {
        let start = buffer.writerIndex
        do throws(WireError) {
            writeHeader(to: &buffer)
            for attribute in attributes {
                try attribute.write(to: &buffer, transactionID: transactionID)
            }
            try patchLength(in: &buffer, start: start)
        } catch {
            buffer.moveWriterIndex(to: start)
            throw error
        }
    }

    /// The serialized message as bytes; see ``write(to:)``.
    public func bytes() throws(WireError) -> [UInt8] {
        var buffer = ByteBuffer()
        try write(to: &buffer)
        return Array(buffer.readableBytesView)
    }

    func writeHeader(to buffer: inout ByteBuffer) {
        buffer.writeInteger(type.rawValue)
        buffer.writeInteger(UInt16(0))  // length, patched later
        buffer.writeInteger(Self.magicCookie)
        buffer.writeInteger(transactionID.high)
        buffer.writeInteger(transactionID.middle)
        buffer.writeInteger(transactionID.low)
    }

    /// Sets the header's length field to the attribute bytes written since `start` plus `extra`.
    func patchLength(in buffer: inout ByteBuffer, start: Int, extra: Int = 0) throws(WireError) {
        let length = buffer.writerIndex - start - Self.headerLength + extra
        guard length <= Int(UInt16.max) else {
            throw WireError(.stun, .tooLarge, "message length \(length) exceeds 65535")
        }
        buffer.setInteger(UInt16(length), at: start + 2)
    }

    // MARK: - Looking up attributes

    /// The first attribute of `type`, if any.
    public func attribute(_ type: STUNAttributeType) -> STUNAttribute? {
        attributes.first { $0.type == type }
    }

    /// Whether an attribute of `type` is present.
    public func contains(_ type: STUNAttributeType) -> Bool {
        attributes.contains { $0.type == type }
    }

    /// Comprehension-required attribute types this implementation does not model, for a 420 response's
    /// UNKNOWN-ATTRIBUTES (RFC 8489 §6.3.1).
    public var unknownComprehensionRequiredTypes: [STUNAttributeType] {
        attributes.compactMap {
            if case .unknown(let type, _) = $0, type.isComprehensionRequired { type } else { nil }
        }
    }

    public var username: String? {
        for case .username(let value) in attributes { return value }
        return nil
    }

    public var realm: String? {
        for case .realm(let value) in attributes { return value }
        return nil
    }

    public var nonce: String? {
        for case .nonce(let value) in attributes { return value }
        return nil
    }

    public var errorCode: STUNErrorCode? {
        for case .errorCode(let value) in attributes { return value }
        return nil
    }

    public var xorMappedAddress: STUNAddress? {
        for case .xorMappedAddress(let value) in attributes { return value }
        return nil
    }

    public var priority: UInt32? {
        for case .priority(let value) in attributes { return value }
        return nil
    }

    public var description: String {
        "STUN \(type) \(transactionID) [" + attributes.map { "\($0.type)" }.joined(separator: ", ") + "]"
    }
}
