public import NIOCore

/// A resource record (RFC 1035 §4.1.3). The data is kept as received: an A record's 4 bytes and an AAAA record's
/// 16 (RFC 3596) are read by ``address``; names inside other records' data are not expanded. In Multicast DNS the
/// top bit of the class is the cache-flush bit (RFC 6762 §10.2).
public struct DNSResourceRecord: Hashable, Sendable {
    public var name: DNSName
    public var type: DNSRecordType
    /// The class (1: IN), with the mDNS cache-flush bit.
    public var rawClass: UInt16
    /// Seconds the record may be cached.
    public var ttl: UInt32
    /// RDATA, at most 65535 bytes.
    public var data: [UInt8]

    public init(name: DNSName, type: DNSRecordType, rawClass: UInt16 = DNSRecordType.classIN, ttl: UInt32, data: [UInt8]) {
        self.name = name
        self.type = type
        self.rawClass = rawClass
        self.ttl = ttl
        self.data = Array(data.prefix(Int(UInt16.max)))
    }

    /// An A (IPv4) or AAAA (IPv6) record for `address`.
    public static func address(_ name: DNSName, _ address: STUNAddress.IP, ttl: UInt32 = 120, cacheFlush: Bool = true) -> DNSResourceRecord {
        let type: DNSRecordType = switch address {
        case .v4: .a
        case .v6: .aaaa
        }
        return DNSResourceRecord(name: name, type: type, rawClass: DNSRecordType.classIN | (cacheFlush ? 0x8000 : 0),
                                 ttl: ttl, data: address.bytes)
    }

    /// The class without the cache-flush bit.
    public var recordClass: UInt16 { rawClass & 0x7FFF }

    /// The address of an IN A record with 4 bytes of data or an IN AAAA record with 16; nil for anything else.
    public var address: STUNAddress.IP? {
        guard recordClass == DNSRecordType.classIN else { return nil }
        if type == .a && data.count == 4 {
            return .v4(data.reduce(0) { $0 << 8 | UInt32($1) })
        }
        if type == .aaaa && data.count == 16 {
            let high = data[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let low = data[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return .v6(high, low)
        }
        return nil
    }

    init(parsing buffer: inout ByteBuffer, message: ByteBuffer) throws(WireError) {
        name = try DNSName(parsing: &buffer, message: message)
        type = DNSRecordType(rawValue: try buffer.readWireInteger(as: UInt16.self, .dns, field: "TYPE"))
        rawClass = try buffer.readWireInteger(as: UInt16.self, .dns, field: "CLASS")
        ttl = try buffer.readWireInteger(as: UInt32.self, .dns, field: "TTL")
        let length = try buffer.readWireInteger(as: UInt16.self, .dns, field: "RDLENGTH")
        data = try buffer.readWireBytes(length: Int(length), .dns, field: "RDATA")
    }

    public func write(to buffer: inout ByteBuffer) {
        name.write(to: &buffer)
        buffer.writeInteger(type.rawValue)
        buffer.writeInteger(rawClass)
        buffer.writeInteger(ttl)
        buffer.writeInteger(UInt16(truncatingIfNeeded: data.count))
        buffer.writeBytes(data)
    }
}
