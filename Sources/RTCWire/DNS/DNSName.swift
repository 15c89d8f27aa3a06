public import NIOCore

extension WireError.Layer {
    /// DNS and Multicast DNS messages (RFC 1035, RFC 6762).
    public static let dns = WireError.Layer("DNS")
}

/// A domain name as a sequence of labels (RFC 1035 §3.1): each label 1–63 bytes, the whole name at most 255 bytes
/// on the wire. Labels are kept as the bytes received; ``matches(_:)`` compares them ASCII-case-insensitively as
/// DNS does (RFC 4343).
public struct DNSName: Hashable, Sendable, CustomStringConvertible {
    /// The labels, without the root (empty for the root name itself).
    public private(set) var labels: [[UInt8]]

    /// RFC 1035 §2.3.4: 63 bytes per label, 255 bytes per name including length bytes and the root.
    public static let maximumLabelLength = 63
    public static let maximumLength = 255

    /// A name from its labels; nil when a label is empty or longer than 63 bytes, or the name exceeds 255 bytes.
    public init?(labels: [[UInt8]]) {
        guard labels.allSatisfy({ !$0.isEmpty && $0.count <= Self.maximumLabelLength }),
              labels.reduce(1, { $0 + $1.count + 1 }) <= Self.maximumLength else { return nil }
        self.labels = labels
    }

    /// A name from dotted text (`"1f2e….local"`, a trailing dot allowed); nil when it is not a valid name.
    public init?(_ text: String) {
        var parts = text.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.utf8) }
        if parts.last?.isEmpty == true { parts.removeLast() }
        self.init(labels: parts)
    }

    /// The bytes this name takes uncompressed.
    public var wireLength: Int { labels.reduce(1) { $0 + $1.count + 1 } }

    /// Dotted text; bytes other than printable ASCII are escaped as `\DDD` (RFC 1035 §5.1).
    public var description: String {
        labels.map { label in
            label.map { byte -> String in
                byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: ".") && byte != UInt8(ascii: "\\")
                    ? String(UnicodeScalar(byte)) : "\\" + String(repeating: "0", count: 3 - String(byte).count) + String(byte)
            }.joined()
        }.joined(separator: ".")
    }

    /// Equality as DNS sees it: ASCII letters compare case-insensitively (RFC 4343 §3).
    public func matches(_ other: DNSName) -> Bool {
        guard labels.count == other.labels.count else { return false }
        for (a, b) in zip(labels, other.labels) {
            guard a.count == b.count else { return false }
            for (x, y) in zip(a, b) where Self.lowercased(x) != Self.lowercased(y) { return false }
        }
        return true
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
    }

    /// Reads a name at the buffer's reader index, following compression pointers (RFC 1035 §4.1.4) inside
    /// `message` (the whole message, whose reader index is offset 0). Every pointer must point before every
    /// position already visited, so a name always ends; the expanded name must fit 255 bytes.
    init(parsing buffer: inout ByteBuffer, message: ByteBuffer) throws(WireError) {
        let base = message.readerIndex
        var position = buffer.readerIndex - base
        var lowest = position
        var end: Int? = nil
        var labels: [[UInt8]] = []
        var length = 1
        while true {
            guard let byte = message.getInteger(at: base + position, as: UInt8.self), position >= 0 else {
                throw WireError(.dns, .truncated, "name: no length byte at offset \(position)")
            }
            switch byte & 0xC0 {
            case 0x00:
                if byte == 0 {
                    position += 1
                    buffer.moveReaderIndex(to: base + (end ?? position))
                    self.labels = labels
                    return
                }
                let count = Int(byte)
                length += count + 1
                guard length <= Self.maximumLength else {
                    throw WireError(.dns, .malformed, "name: longer than \(Self.maximumLength) bytes")
                }
                guard let label = message.getBytes(at: base + position + 1, length: count) else {
                    throw WireError(.dns, .truncated, "name: label of \(count) bytes at offset \(position) is cut off")
                }
                labels.append(label)
                position += 1 + count
            case 0xC0:
                guard let low = message.getInteger(at: base + position + 1, as: UInt8.self) else {
                    throw WireError(.dns, .truncated, "name: compression pointer cut off")
                }
                let target = Int(byte & 0x3F) << 8 | Int(low)
                guard target < lowest else {
                    throw WireError(.dns, .malformed, "name: compression pointer to \(target) does not point backwards")
                }
                if end == nil { end = position + 2 }
                lowest = target
                position = target
            default:
                // 0x40 (extended label types, RFC 6891 §5) and 0x80 are not in use.
                throw WireError(.dns, .unsupported, "name: label type 0x\(String(byte & 0xC0, radix: 16))")
            }
        }
    }

    /// Writes the name uncompressed.
    public func write(to buffer: inout ByteBuffer) {
        for label in labels {
            buffer.writeInteger(UInt8(label.count))
            buffer.writeBytes(label)
        }
        buffer.writeInteger(UInt8(0))
    }
}
