public import NIOCore

/// A source description packet, PT 202 (RFC 3550 §6.5): up to 31 chunks, each an SSRC/CSRC and its items.
///
/// Each chunk's item list ends with a null octet and zero padding to the next 32-bit boundary (§6.5); item
/// values are kept as byte slices (``Item/text`` decodes them as UTF-8).
public struct RTCPSourceDescription: Sendable, Hashable {
    /// An SDES item type (RFC 3550 §6.5); extensible.
    public struct ItemType: Sendable, Hashable, CustomStringConvertible {
        public var rawValue: UInt8
        public init(_ rawValue: UInt8) { self.rawValue = rawValue }
        public var description: String { "\(rawValue)" }

        public static let cname = ItemType(1)
        public static let name = ItemType(2)
        public static let email = ItemType(3)
        public static let phone = ItemType(4)
        public static let location = ItemType(5)
        public static let tool = ItemType(6)
        public static let note = ItemType(7)
        /// Private extension: the value starts with a length-prefixed prefix string (§6.5.8), kept inside `value`.
        public static let priv = ItemType(8)
    }

    /// One item: a type (never 0, which ends the list) and up to 255 bytes of value.
    public struct Item: Sendable, Hashable {
        public var type: ItemType
        public var value: ByteBuffer

        public init(type: ItemType, value: ByteBuffer) {
            self.type = type
            self.value = value
        }

        public init(type: ItemType, text: String) {
            self.init(type: type, value: ByteBuffer(string: text))
        }

        /// The value decoded as UTF-8 (invalid sequences replaced).
        public var text: String { String(buffer: value) }
    }

    /// One chunk: the source and its items.
    public struct Chunk: Sendable, Hashable {
        public var source: UInt32
        public var items: [Item]

        public init(source: UInt32, items: [Item]) {
            self.source = source
            self.items = items
        }

        /// The value of the first item of this type, or nil.
        public func value(of type: ItemType) -> ByteBuffer? {
            items.first(where: { $0.type == type })?.value
        }

        /// The CNAME of this source, or nil.
        public var cname: String? { value(of: .cname).map { String(buffer: $0) } }
    }

    public var chunks: [Chunk]

    public init(chunks: [Chunk]) {
        self.chunks = chunks
    }

    /// A packet with one chunk holding one CNAME item.
    public init(source: UInt32, cname: String) {
        self.chunks = [Chunk(source: source, items: [Item(type: .cname, text: cname)])]
    }

    /// Reads one SDES packet, header included.
    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        let (header, body) = try RTCPHeader.readPacket(from: &buffer)
        try header.expect(RTCPHeader.sourceDescriptionType)
        try self.init(header: header, body: body)
    }

    init(header: RTCPHeader, body: ByteBuffer) throws(WireError) {
        var body = body
        let count = Int(header.count)
        // Each chunk takes at least 8 bytes (SSRC, null octet, padding): check before reserving.
        guard body.readableBytes >= count * 8 else {
            throw WireError(.rtcp, .truncated, "\(count) SDES chunks, \(body.readableBytes) bytes left")
        }
        var chunks: [Chunk] = []
        chunks.reserveCapacity(count)
        for _ in 0..<count {
            let chunkStart = body.readerIndex
            let source = try body.readWireInteger(as: UInt32.self, .rtcp, field: "SDES chunk SSRC")
            var items: [Item] = []
            while true {
                let type = try body.readWireInteger(as: UInt8.self, .rtcp, field: "SDES item type")
                if type == 0 { break }
                let length = try body.readWireInteger(as: UInt8.self, .rtcp, field: "SDES item length")
                let value = try body.readWireSlice(length: Int(length), .rtcp, field: "SDES item value")
                items.append(Item(type: ItemType(type), value: value))
            }
            // Zero padding up to the next 32-bit boundary of the chunk.
            let pad = (4 - (body.readerIndex - chunkStart) % 4) % 4
            _ = try body.readWireSlice(length: pad, .rtcp, field: "SDES chunk padding")
            chunks.append(Chunk(source: source, items: items))
        }
        self.chunks = chunks
    }

    /// - Throws: ``WireError/Code/tooLarge`` for more than 31 chunks or a value over 255 bytes,
    ///   ``WireError/Code/malformed`` for item type 0.
    public func write(to buffer: inout ByteBuffer) throws(WireError) {
        let count = try RTCPHeader.checkCount(chunks.count, "SDES chunks")
        for chunk in chunks {
            for item in chunk.items {
                guard item.type.rawValue != 0 else {
                    throw WireError(.rtcp, .malformed, "SDES item type 0 is the list terminator")
                }
                guard item.value.readableBytes <= 255 else {
                    throw WireError(.rtcp, .tooLarge, "SDES item of \(item.value.readableBytes) bytes, at most 255")
                }
            }
        }
        let start = RTCPHeader.startPacket(count: count, packetType: RTCPHeader.sourceDescriptionType, in: &buffer)
        for chunk in chunks {
            let chunkStart = buffer.writerIndex
            buffer.writeInteger(chunk.source)
            for item in chunk.items {
                buffer.writeInteger(item.type.rawValue)
                buffer.writeInteger(UInt8(item.value.readableBytes))
                buffer.writeImmutableBuffer(item.value)
            }
            // The terminating null octet, then zeros to the boundary.
            let used = buffer.writerIndex - chunkStart + 1
            buffer.writeRepeatingByte(0, count: 1 + (4 - used % 4) % 4)
        }
        try RTCPHeader.finishPacket(startingAt: start, in: &buffer)
    }
}
