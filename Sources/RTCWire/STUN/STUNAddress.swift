/// A transport address as STUN and TURN carry it: an IPv4 or IPv6 address and a port (RFC 8489 §14.1).
///
/// Pure Swift and allocation-free. The textual form is `192.0.2.1:32853` for IPv4 and `[2001:db8::1]:32853` for
/// IPv6 (RFC 5952 canonical text, RFC 3986 brackets); ``init(_:)`` parses both back.
public struct STUNAddress: Hashable, Sendable, CustomStringConvertible {
    /// The address family codes of the address attributes (RFC 8489 §14.1).
    public enum Family: UInt8, Hashable, Sendable {
        case ipv4 = 0x01
        case ipv6 = 0x02

        /// Bytes of an address of this family.
        public var addressLength: Int { self == .ipv4 ? 4 : 16 }
    }

    /// An IPv4 or IPv6 address, held in network order in fixed-width integers.
    public enum IP: Hashable, Sendable, CustomStringConvertible {
        /// IPv4: the 32-bit address, most significant byte first on the wire.
        case v4(UInt32)
        /// IPv6: the high and low 64 bits of the 128-bit address.
        case v6(UInt64, UInt64)

        public var family: Family {
            switch self {
            case .v4: .ipv4
            case .v6: .ipv6
            }
        }

        /// The address in network byte order: 4 or 16 bytes.
        public var bytes: [UInt8] {
            switch self {
            case .v4(let a):
                return (0..<4).map { UInt8(truncatingIfNeeded: a >> (24 - 8 * $0)) }
            case .v6(let hi, let lo):
                return (0..<8).map { UInt8(truncatingIfNeeded: hi >> (56 - 8 * $0)) }
                    + (0..<8).map { UInt8(truncatingIfNeeded: lo >> (56 - 8 * $0)) }
            }
        }

        /// An address from 4 (IPv4) or 16 (IPv6) bytes in network order; nil for any other count.
        public init?<Bytes: Collection<UInt8>>(bytes: Bytes) {
            switch bytes.count {
            case 4:
                self = .v4(bytes.reduce(0) { $0 << 8 | UInt32($1) })
            case 16:
                let hi = bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                let lo = bytes.dropFirst(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                self = .v6(hi, lo)
            default:
                return nil
            }
        }

        /// Parses dotted-quad IPv4 (`192.0.2.1`) or IPv6 text (`2001:db8::1`, `::ffff:192.0.2.1`); nil if invalid.
        public init?(_ text: String) {
            if !text.contains(":") {
                guard let v4 = Self.parseIPv4(Substring(text)) else { return nil }
                self = .v4(v4)
                return
            }
            guard let groups = Self.parseIPv6(Substring(text)) else { return nil }
            var hi: UInt64 = 0, lo: UInt64 = 0
            for i in 0..<4 { hi = hi << 16 | UInt64(groups[i]) }
            for i in 4..<8 { lo = lo << 16 | UInt64(groups[i]) }
            self = .v6(hi, lo)
        }

        /// RFC 5952 canonical text: dotted quad for IPv4; lowercase hex, leading zeros dropped and the longest run
        /// (of two or more) of zero groups written `::` for IPv6.
        public var description: String {
            switch self {
            case .v4(let a):
                return "\(a >> 24).\(a >> 16 & 0xFF).\(a >> 8 & 0xFF).\(a & 0xFF)"
            case .v6(let hi, let lo):
                let groups: [UInt16] = (0..<4).map { UInt16(truncatingIfNeeded: hi >> (48 - 16 * $0)) }
                    + (0..<4).map { UInt16(truncatingIfNeeded: lo >> (48 - 16 * $0)) }
                // Longest run of zero groups, first one on a tie; runs of one group stay as "0".
                var bestStart = -1, bestLength = 0, runStart = -1
                for i in 0...8 {
                    if i < 8 && groups[i] == 0 {
                        if runStart < 0 { runStart = i }
                    } else if runStart >= 0 {
                        if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                        runStart = -1
                    }
                }
                if bestLength < 2 { bestStart = -1 }
                var out = ""
                var i = 0
                while i < 8 {
                    if i == bestStart {
                        out += "::"
                        i += bestLength
                        continue
                    }
                    if !out.isEmpty && !out.hasSuffix(":") { out += ":" }
                    out += String(groups[i], radix: 16)
                    i += 1
                }
                return out
            }
        }

        private static func parseIPv4(_ text: Substring) -> UInt32? {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var value: UInt32 = 0
            for part in parts {
                guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                      let octet = UInt8(part) else { return nil }
                value = value << 8 | UInt32(octet)
            }
            return value
        }

        private static func parseIPv6(_ text: Substring) -> [UInt16]? {
            // Split around at most one "::"; each side is a list of hex groups, the last may be a dotted quad.
            let halves = text.split(separator: "::", maxSplits: 2, omittingEmptySubsequences: false)
            guard halves.count <= 2 else { return nil }
            func groups(_ part: Substring, allowIPv4Tail: Bool) -> [UInt16]? {
                if part.isEmpty { return [] }
                var out: [UInt16] = []
                let fields = part.split(separator: ":", omittingEmptySubsequences: false)
                for (index, field) in fields.enumerated() {
                    if allowIPv4Tail && index == fields.count - 1 && field.contains(".") {
                        guard let v4 = parseIPv4(field) else { return nil }
                        out.append(UInt16(truncatingIfNeeded: v4 >> 16))
                        out.append(UInt16(truncatingIfNeeded: v4))
                    } else {
                        guard (1...4).contains(field.utf8.count), let group = UInt16(field, radix: 16),
                              field.utf8.allSatisfy({ $0 != 0x2B && $0 != 0x2D }) else { return nil }
                        out.append(group)
                    }
                }
                return out
            }
            if halves.count == 1 {
                guard let all = groups(halves[0], allowIPv4Tail: true), all.count == 8 else { return nil }
                return all
            }
            guard let head = groups(halves[0], allowIPv4Tail: false),
                  let tail = groups(halves[1], allowIPv4Tail: true),
                  head.count + tail.count <= 7 else { return nil }
            return head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        }
    }

    public var ip: IP
    public var port: UInt16

    public init(ip: IP, port: UInt16) {
        self.ip = ip
        self.port = port
    }

    public var family: Family { ip.family }

    /// Parses `host:port` for IPv4 and `[host]:port` for IPv6; nil if either part is invalid.
    public init?(_ text: String) {
        let host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[close...].dropFirst()
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
            guard host.contains(":") else { return nil }
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[colon...].dropFirst()
            guard !host.contains(":") else { return nil }
        }
        guard (1...5).contains(portText.utf8.count), portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let port = UInt16(portText), let ip = IP(String(host)) else { return nil }
        self.init(ip: ip, port: port)
    }

    public var description: String {
        switch ip {
        case .v4: "\(ip):\(port)"
        case .v6: "[\(ip)]:\(port)"
        }
    }
}
