public import NIOCore

extension STUNAttribute {
    /// Parses one attribute (type, length, value, padding to 4 bytes; RFC 8489 §14) from `buffer`.
    ///
    /// The transaction ID decodes the XOR address attributes. Padding bytes are skipped whatever they hold, as
    /// §14 asks; the padding must be present. A known type whose value has the wrong size or content throws
    /// ``WireError/Code/malformed``; input that ends early throws ``WireError/Code/truncated``.
    public init(parsing buffer: inout ByteBuffer, transactionID: STUNTransactionID) throws(WireError) {
        let rawType = try buffer.readWireInteger(as: UInt16.self, .stun, field: "attribute type")
        let length = Int(try buffer.readWireInteger(as: UInt16.self, .stun, field: "attribute length"))
        var value = try buffer.readWireSlice(length: length, .stun, field: "attribute value")
        let padding = (4 - length % 4) % 4
        _ = try buffer.readWireSlice(length: padding, .stun, field: "attribute padding")
        self = try Self.decode(type: STUNAttributeType(rawValue: rawType), value: &value, transactionID: transactionID)
    }

    /// Appends the attribute with zero padding to a multiple of 4 bytes. Throws ``WireError/Code/tooLarge`` if the
    /// value does not fit the 16-bit length field, ``WireError/Code/malformed`` for a value the wire cannot hold
    /// (e.g. an ERROR-CODE outside 0–799, an integrity value of the wrong size).
    public func write(to buffer: inout ByteBuffer, transactionID: STUNTransactionID) throws(WireError) {
        let start = buffer.writerIndex
        buffer.writeInteger(type.rawValue)
        buffer.writeInteger(UInt16(0))  // length, patched below
        do throws(WireError) {
            try writeValue(to: &buffer, transactionID: transactionID)
        } catch {
            buffer.moveWriterIndex(to: start)
            throw error
        }
        let length = buffer.writerIndex - start - 4
        guard length <= Int(UInt16.max) else {
            buffer.moveWriterIndex(to: start)
            throw WireError(.stun, .tooLarge, "\(type) value of \(length) bytes exceeds 65535")
        }
        buffer.setInteger(UInt16(length), at: start + 2)
        buffer.writeRepeatingByte(0, count: (4 - length % 4) % 4)
    }

    // MARK: - Values

    private static func decode(type: STUNAttributeType, value: inout ByteBuffer,
                               transactionID: STUNTransactionID) throws(WireError) -> STUNAttribute {
        switch type {
        case .mappedAddress:
            return .mappedAddress(try readAddress(&value, xor: nil, type))
        case .alternateServer:
            return .alternateServer(try readAddress(&value, xor: nil, type))
        case .xorMappedAddress:
            return .xorMappedAddress(try readAddress(&value, xor: transactionID, type))
        case .xorPeerAddress:
            return .xorPeerAddress(try readAddress(&value, xor: transactionID, type))
        case .xorRelayedAddress:
            return .xorRelayedAddress(try readAddress(&value, xor: transactionID, type))
        case .username:
            return .username(try readString(value, type))
        case .realm:
            return .realm(try readString(value, type))
        case .nonce:
            return .nonce(try readString(value, type))
        case .software:
            return .software(try readString(value, type))
        case .messageIntegrity:
            try expectLength(value, 20, type)
            return .messageIntegrity(Array(value.readableBytesView))
        case .messageIntegritySHA256:
            let n = value.readableBytes
            guard n >= 16, n <= 32, n % 4 == 0 else {
                throw WireError(.stun, .malformed, "\(type): \(n) bytes, expected 16 to 32 in steps of 4")
            }
            return .messageIntegritySHA256(Array(value.readableBytesView))
        case .fingerprint:
            try expectLength(value, 4, type)
            return .fingerprint(try value.readWireInteger(.stun, field: "FINGERPRINT"))
        case .errorCode:
            guard value.readableBytes >= 4 else {
                throw WireError(.stun, .malformed, "ERROR-CODE: \(value.readableBytes) bytes, needs at least 4")
            }
            let head = try value.readWireInteger(as: UInt32.self, .stun, field: "ERROR-CODE")
            let errorClass = Int(head >> 8 & 0x7), number = Int(head & 0xFF)
            guard number < 100 else {
                throw WireError(.stun, .malformed, "ERROR-CODE: number \(number) is not below 100")
            }
            return .errorCode(STUNErrorCode(code: errorClass * 100 + number, reason: try readString(value, type)))
        case .unknownAttributes:
            guard value.readableBytes % 2 == 0 else {
                throw WireError(.stun, .malformed, "UNKNOWN-ATTRIBUTES: odd length \(value.readableBytes)")
            }
            var types: [STUNAttributeType] = []
            types.reserveCapacity(value.readableBytes / 2)
            while value.readableBytes > 0 {
                types.append(STUNAttributeType(rawValue: try value.readWireInteger(.stun, field: "UNKNOWN-ATTRIBUTES")))
            }
            return .unknownAttributes(types)
        case .priority:
            try expectLength(value, 4, type)
            return .priority(try value.readWireInteger(.stun, field: "PRIORITY"))
        case .useCandidate:
            try expectLength(value, 0, type)
            return .useCandidate
        case .iceControlled:
            try expectLength(value, 8, type)
            return .iceControlled(try value.readWireInteger(.stun, field: "ICE-CONTROLLED"))
        case .iceControlling:
            try expectLength(value, 8, type)
            return .iceControlling(try value.readWireInteger(.stun, field: "ICE-CONTROLLING"))
        case .channelNumber:
            try expectLength(value, 4, type)
            // The last two bytes are RFFU and ignored.
            return .channelNumber(try value.readWireInteger(.stun, field: "CHANNEL-NUMBER"))
        case .lifetime:
            try expectLength(value, 4, type)
            return .lifetime(try value.readWireInteger(.stun, field: "LIFETIME"))
        case .data:
            return .data(value)
        case .requestedAddressFamily:
            try expectLength(value, 4, type)
            let code = try value.readWireInteger(as: UInt8.self, .stun, field: "REQUESTED-ADDRESS-FAMILY")
            guard let family = STUNAddress.Family(rawValue: code) else {
                throw WireError(.stun, .malformed, "REQUESTED-ADDRESS-FAMILY: unknown family \(code)")
            }
            return .requestedAddressFamily(family)
        case .evenPort:
            try expectLength(value, 1, type)
            let flags = try value.readWireInteger(as: UInt8.self, .stun, field: "EVEN-PORT")
            return .evenPort(reserveNext: flags & 0x80 != 0)
        case .requestedTransport:
            try expectLength(value, 4, type)
            return .requestedTransport(try value.readWireInteger(.stun, field: "REQUESTED-TRANSPORT"))
        case .dontFragment:
            try expectLength(value, 0, type)
            return .dontFragment
        case .reservationToken:
            try expectLength(value, 8, type)
            return .reservationToken(try value.readWireInteger(.stun, field: "RESERVATION-TOKEN"))
        default:
            return .unknown(type: type, value: Array(value.readableBytesView))
        }
    }

    private func writeValue(to buffer: inout ByteBuffer, transactionID: STUNTransactionID) throws(WireError) {
        switch self {
        case .mappedAddress(let address), .alternateServer(let address):
            Self.writeAddress(address, xor: nil, to: &buffer)
        case .xorMappedAddress(let address), .xorPeerAddress(let address), .xorRelayedAddress(let address):
            Self.writeAddress(address, xor: transactionID, to: &buffer)
        case .username(let text), .realm(let text), .nonce(let text), .software(let text):
            buffer.writeString(text)
        case .messageIntegrity(let mac):
            guard mac.count == 20 else {
                throw WireError(.stun, .malformed, "MESSAGE-INTEGRITY must be 20 bytes, not \(mac.count)")
            }
            buffer.writeBytes(mac)
        case .messageIntegritySHA256(let mac):
            guard mac.count >= 16, mac.count <= 32, mac.count % 4 == 0 else {
                throw WireError(.stun, .malformed, "MESSAGE-INTEGRITY-SHA256 of \(mac.count) bytes")
            }
            buffer.writeBytes(mac)
        case .fingerprint(let crc):
            buffer.writeInteger(crc)
        case .errorCode(let error):
            guard (0..<800).contains(error.code) else {
                throw WireError(.stun, .malformed, "ERROR-CODE \(error.code) outside 0–799")
            }
            buffer.writeInteger(UInt32(error.code / 100) << 8 | UInt32(error.code % 100))
            buffer.writeString(error.reason)
        case .unknownAttributes(let types):
            for type in types { buffer.writeInteger(type.rawValue) }
        case .priority(let value), .lifetime(let value):
            buffer.writeInteger(value)
        case .useCandidate, .dontFragment:
            break
        case .iceControlled(let value), .iceControlling(let value), .reservationToken(let value):
            buffer.writeInteger(value)
        case .channelNumber(let number):
            buffer.writeInteger(number)
            buffer.writeInteger(UInt16(0))
        case .data(let bytes):
            buffer.writeImmutableBuffer(bytes)
        case .requestedAddressFamily(let family):
            buffer.writeInteger(UInt32(family.rawValue) << 24)
        case .evenPort(let reserveNext):
            buffer.writeInteger(UInt8(reserveNext ? 0x80 : 0))
        case .requestedTransport(let proto):
            buffer.writeInteger(UInt32(proto) << 24)
        case .unknown(_, let value):
            buffer.writeBytes(value)
        }
    }

    // MARK: - Helpers

    private static func expectLength(_ value: ByteBuffer, _ length: Int, _ type: STUNAttributeType) throws(WireError) {
        guard value.readableBytes == length else {
            throw WireError(.stun, .malformed, "\(type): \(value.readableBytes) bytes, expected \(length)")
        }
    }

    /// UTF-8 text; invalid UTF-8 is refused so that parsing and serializing always agree.
    private static func readString(_ value: ByteBuffer, _ type: STUNAttributeType) throws(WireError) -> String {
        guard let text = String(validating: value.readableBytesView, as: UTF8.self) else {
            throw WireError(.stun, .malformed, "\(type): not valid UTF-8")
        }
        return text
    }

    /// The (XOR-)MAPPED-ADDRESS layout (RFC 8489 §14.1, §14.2): reserved byte, family, port, 4 or 16 bytes.
    /// With `xor`, the port is XORed with the cookie's top 16 bits and the address with the cookie (IPv4) or with
    /// cookie and transaction ID (IPv6).
    private static func readAddress(_ value: inout ByteBuffer, xor transactionID: STUNTransactionID?,
                                    _ type: STUNAttributeType) throws(WireError) -> STUNAddress {
        guard value.readableBytes >= 4 else {
            throw WireError(.stun, .malformed, "\(type): \(value.readableBytes) bytes, needs at least 4")
        }
        _ = try value.readWireInteger(as: UInt8.self, .stun, field: "address reserved byte")
        let code = try value.readWireInteger(as: UInt8.self, .stun, field: "address family")
        var port = try value.readWireInteger(as: UInt16.self, .stun, field: "port")
        guard let family = STUNAddress.Family(rawValue: code) else {
            throw WireError(.stun, .malformed, "\(type): unknown address family \(code)")
        }
        guard value.readableBytes == family.addressLength else {
            throw WireError(.stun, .malformed,
                            "\(type): \(value.readableBytes) address bytes for family \(code), expected \(family.addressLength)")
        }
        let cookie = STUNMessage.magicCookie
        let ip: STUNAddress.IP
        switch family {
        case .ipv4:
            var a = try value.readWireInteger(as: UInt32.self, .stun, field: "IPv4 address")
            if transactionID != nil { a ^= cookie }
            ip = .v4(a)
        case .ipv6:
            var hi = try value.readWireInteger(as: UInt64.self, .stun, field: "IPv6 address")
            var lo = try value.readWireInteger(as: UInt64.self, .stun, field: "IPv6 address")
            if let id = transactionID {
                hi ^= UInt64(cookie) << 32 | UInt64(id.high)
                lo ^= UInt64(id.middle) << 32 | UInt64(id.low)
            }
            ip = .v6(hi, lo)
        }
        if transactionID != nil { port ^= UInt16(truncatingIfNeeded: cookie >> 16) }
        return STUNAddress(ip: ip, port: port)
    }

    private static func writeAddress(_ address: STUNAddress, xor transactionID: STUNTransactionID?,
                                     to buffer: inout ByteBuffer) {
        let cookie = STUNMessage.magicCookie
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(address.family.rawValue)
        buffer.writeInteger(transactionID == nil ? address.port : address.port ^ UInt16(truncatingIfNeeded: cookie >> 16))
        switch address.ip {
        case .v4(let a):
            buffer.writeInteger(transactionID == nil ? a : a ^ cookie)
        case .v6(var hi, var lo):
            if let id = transactionID {
                hi ^= UInt64(cookie) << 32 | UInt64(id.high)
                lo ^= UInt64(id.middle) << 32 | UInt64(id.low)
            }
            buffer.writeInteger(hi)
            buffer.writeInteger(lo)
        }
    }
}
