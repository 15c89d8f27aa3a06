public import NIOCore

/// FINGERPRINT's XOR constant, "STUN" in ASCII (RFC 8489 §14.7).
private let fingerprintXOR: UInt32 = 0x5354_554E

extension STUNMessage {
    /// Writes the message and appends the integrity attribute (RFC 8489 §14.5/§14.6) and FINGERPRINT (§14.7),
    /// computed with the injected functions.
    ///
    /// Any MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 or FINGERPRINT already in ``attributes`` is left out; the
    /// others are written in order, then the integrity attribute, then FINGERPRINT. The HMAC covers the header and
    /// the attributes before it, with the header's length field already counting the integrity attribute; the
    /// CRC covers everything before FINGERPRINT with the length counting FINGERPRINT.
    ///
    /// Throws ``WireError/Code/unsupported`` for SHA-256 integrity without `crypto.hmacSHA256`, and as
    /// ``write(to:)`` does; nothing is written then.
    public func write(to buffer: inout ByteBuffer, integrity: STUNIntegrity?, fingerprint: Bool,
                      crypto: STUNCryptoFunctions) throws(WireError) {
        let start = buffer.writerIndex
        do throws(WireError) {
            writeHeader(to: &buffer)
            for attribute in attributes {
                switch attribute.type {
                case .messageIntegrity, .messageIntegritySHA256, .fingerprint: continue
                default: try attribute.write(to: &buffer, transactionID: transactionID)
                }
            }
            if let integrity {
                let hmac: (@Sendable ([UInt8], [UInt8]) -> [UInt8])?
                let macLength: Int
                switch integrity.algorithm {
                case .sha1: (hmac, macLength) = (crypto.hmacSHA1, 20)
                case .sha256: (hmac, macLength) = (crypto.hmacSHA256, 32)
                }
                guard let hmac else {
                    throw WireError(.stun, .unsupported, "MESSAGE-INTEGRITY-SHA256 needs an HMAC-SHA256 function")
                }
                try patchLength(in: &buffer, start: start, extra: 4 + macLength)
                let covered = buffer.getBytes(at: start, length: buffer.writerIndex - start) ?? []
                let mac = hmac(integrity.key, covered)
                guard mac.count == macLength else {
                    throw WireError(.stun, .malformed, "the HMAC function returned \(mac.count) bytes, not \(macLength)")
                }
                let attribute: STUNAttribute = integrity.algorithm == .sha1
                    ? .messageIntegrity(mac) : .messageIntegritySHA256(mac)
                try attribute.write(to: &buffer, transactionID: transactionID)
            }
            if fingerprint {
                try patchLength(in: &buffer, start: start, extra: 8)
                let covered = buffer.getBytes(at: start, length: buffer.writerIndex - start) ?? []
                try STUNAttribute.fingerprint(crypto.crc32(covered) ^ fingerprintXOR)
                    .write(to: &buffer, transactionID: transactionID)
            }
            try patchLength(in: &buffer, start: start)
        } catch {
            buffer.moveWriterIndex(to: start)
            throw error
        }
    }

    /// The protected message as bytes; see ``write(to:integrity:fingerprint:crypto:)``.
    public func bytes(integrity: STUNIntegrity?, fingerprint: Bool, crypto: STUNCryptoFunctions) throws(WireError) -> [UInt8] {
        var buffer = ByteBuffer()
        try write(to: &buffer, integrity: integrity, fingerprint: fingerprint, crypto: crypto)
        return Array(buffer.readableBytesView)
    }

    // MARK: - Verification on received bytes

    /// Checks MESSAGE-INTEGRITY (`.sha1`) or MESSAGE-INTEGRITY-SHA256 (`.sha256`) of a message exactly as received
    /// (RFC 8489 §14.5, §14.6).
    ///
    /// `rawMessage`'s readable bytes start with the STUN header; bytes past the header's length are ignored. The
    /// HMAC is computed over the header and the attributes before the first integrity attribute of the requested
    /// kind, with the length field set as if that attribute were the last — so attributes after it (other than
    /// FINGERPRINT, which a sender adds later) do not matter, as the RFC requires. A truncated SHA-256 value (16 to
    /// 32 bytes) is compared with the same prefix of the HMAC. The comparison takes constant time.
    ///
    /// Throws ``WireError/Code/integrity`` when the attribute is missing or the value does not match, and
    /// ``WireError/Code/truncated`` / ``WireError/Code/malformed`` when the bytes are not a well-framed message.
    public static func verifyIntegrity(rawMessage: ByteBuffer, key: [UInt8], algorithm: STUNIntegrity.Algorithm = .sha1,
                                       hmac: ([UInt8], [UInt8]) -> [UInt8]) throws(WireError) {
        let wanted = algorithm.attributeType
        let entries = try scanAttributes(rawMessage)
        guard let entry = entries.first(where: { $0.type == wanted.rawValue }) else {
            throw WireError(.stun, .integrity, "no \(wanted) attribute")
        }
        let valid = algorithm == .sha1 ? entry.length == 20 : (entry.length >= 16 && entry.length <= 32 && entry.length % 4 == 0)
        guard valid, let received = rawMessage.getBytes(at: rawMessage.readerIndex + entry.offset + 4, length: entry.length),
              var covered = rawMessage.getBytes(at: rawMessage.readerIndex, length: entry.offset) else {
            throw WireError(.stun, .malformed, "\(wanted) of \(entry.length) bytes")
        }
        let adjusted = entry.offset - headerLength + 4 + entry.length
        covered[2] = UInt8(truncatingIfNeeded: adjusted >> 8)
        covered[3] = UInt8(truncatingIfNeeded: adjusted)
        let mac = hmac(key, covered)
        guard mac.count >= entry.length, constantTimeEqual(mac.prefix(entry.length), received) else {
            throw WireError(.stun, .integrity, "\(wanted) does not match")
        }
    }

    /// ``verifyIntegrity(rawMessage:key:algorithm:hmac:)-(ByteBuffer,_,_,_)`` on an array.
    public static func verifyIntegrity(rawMessage: [UInt8], key: [UInt8], algorithm: STUNIntegrity.Algorithm = .sha1,
                                       hmac: ([UInt8], [UInt8]) -> [UInt8]) throws(WireError) {
        try verifyIntegrity(rawMessage: ByteBuffer(bytes: rawMessage), key: key, algorithm: algorithm, hmac: hmac)
    }

    /// Checks FINGERPRINT of a message exactly as received (RFC 8489 §14.7): it must be the last attribute, and equal
    /// the CRC-32 of everything before it XOR `0x5354554E`. Throws ``WireError/Code/integrity`` when it is missing,
    /// not last, or wrong, and ``WireError/Code/truncated`` / ``WireError/Code/malformed`` for bad framing.
    public static func verifyFingerprint(rawMessage: ByteBuffer, crc32: ([UInt8]) -> UInt32) throws(WireError) {
        let entries = try scanAttributes(rawMessage)
        guard let last = entries.last, last.type == STUNAttributeType.fingerprint.rawValue else {
            throw WireError(.stun, .integrity, "FINGERPRINT is not the last attribute")
        }
        guard last.length == 4,
              let received = rawMessage.getInteger(at: rawMessage.readerIndex + last.offset + 4, as: UInt32.self),
              let covered = rawMessage.getBytes(at: rawMessage.readerIndex, length: last.offset) else {
            throw WireError(.stun, .malformed, "FINGERPRINT of \(last.length) bytes")
        }
        guard crc32(covered) ^ fingerprintXOR == received else {
            throw WireError(.stun, .integrity, "FINGERPRINT does not match")
        }
    }

    /// ``verifyFingerprint(rawMessage:crc32:)-(ByteBuffer,_)`` on an array.
    public static func verifyFingerprint(rawMessage: [UInt8], crc32: ([UInt8]) -> UInt32) throws(WireError) {
        try verifyFingerprint(rawMessage: ByteBuffer(bytes: rawMessage), crc32: crc32)
    }

    /// The attribute headers of a raw message: type, offset of the attribute from the message start, value length.
    private static func scanAttributes(_ raw: ByteBuffer) throws(WireError) -> [(type: UInt16, offset: Int, length: Int)] {
        var input = raw
        let rawType = try input.readWireInteger(as: UInt16.self, .stun, field: "message type")
        let length = Int(try input.readWireInteger(as: UInt16.self, .stun, field: "message length"))
        let cookie = try input.readWireInteger(as: UInt32.self, .stun, field: "magic cookie")
        _ = try input.readWireSlice(length: 12, .stun, field: "transaction ID")
        guard rawType & 0xC000 == 0, length % 4 == 0 else {
            throw WireError(.stun, .malformed, "not a STUN message header")
        }
        guard cookie == magicCookie else {
            throw WireError(.stun, .unsupported, "no magic cookie")
        }
        var body = try input.readWireSlice(length: length, .stun, field: "message body")
        var entries: [(type: UInt16, offset: Int, length: Int)] = []
        while body.readableBytes > 0 {
            let offset = headerLength + length - body.readableBytes
            guard let type = body.readInteger(as: UInt16.self), let valueLength = body.readInteger(as: UInt16.self),
                  body.readSlice(length: (Int(valueLength) + 3) & ~3) != nil else {
                throw WireError(.stun, .malformed, "attribute overruns the message length")
            }
            entries.append((type, offset, Int(valueLength)))
        }
        return entries
    }

    private static func constantTimeEqual(_ a: ArraySlice<UInt8>, _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
