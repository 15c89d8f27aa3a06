public import NIOCore

/// A question (RFC 1035 §4.1.2): a name, a record type and a class. In Multicast DNS the top bit of the class
/// asks for a unicast response (RFC 6762 §5.4).
public struct DNSQuestion: Hashable, Sendable {
    public var name: DNSName
    public var type: DNSRecordType
    /// The class (1: IN), with the mDNS unicast-response bit.
    public var rawClass: UInt16

    public init(name: DNSName, type: DNSRecordType, rawClass: UInt16 = DNSRecordType.classIN) {
        self.name = name
        self.type = type
        self.rawClass = rawClass
    }

    /// The class without the mDNS unicast-response bit.
    public var recordClass: UInt16 { rawClass & 0x7FFF }
    /// RFC 6762 §5.4: the querier asks for a unicast response.
    public var unicastResponse: Bool { rawClass & 0x8000 != 0 }

    init(parsing buffer: inout ByteBuffer, message: ByteBuffer) throws(WireError) {
        name = try DNSName(parsing: &buffer, message: message)
        type = DNSRecordType(rawValue: try buffer.readWireInteger(as: UInt16.self, .dns, field: "QTYPE"))
        rawClass = try buffer.readWireInteger(as: UInt16.self, .dns, field: "QCLASS")
    }

    public func write(to buffer: inout ByteBuffer) {
        name.write(to: &buffer)
        buffer.writeInteger(type.rawValue)
        buffer.writeInteger(rawClass)
    }
}

/// A resource-record type (RFC 1035 §3.2.2, RFC 3596 for AAAA); any value is kept.
public struct DNSRecordType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let a = DNSRecordType(rawValue: 1)
    public static let ptr = DNSRecordType(rawValue: 12)
    public static let txt = DNSRecordType(rawValue: 16)
    public static let aaaa = DNSRecordType(rawValue: 28)
    public static let srv = DNSRecordType(rawValue: 33)
    public static let nsec = DNSRecordType(rawValue: 47)
    public static let any = DNSRecordType(rawValue: 255)

    /// Class IN (RFC 1035 §3.2.4).
    public static let classIN: UInt16 = 1

    public var description: String {
        switch self {
        case .a: "A"
        case .aaaa: "AAAA"
        case .ptr: "PTR"
        case .txt: "TXT"
        case .srv: "SRV"
        case .nsec: "NSEC"
        case .any: "ANY"
        default: "TYPE\(rawValue)"
        }
    }
}
