/// One Ogg page (RFC 3533 §6): the capture pattern `OggS`, version 0, flags, the granule position, the logical
/// stream's serial number, a page sequence number, a CRC-32 over the whole page, and a lacing table of up to 255
/// segment sizes followed by the segments. A segment shorter than 255 bytes ends a packet; a packet whose last
/// segment is 255 bytes long continues on the next page (flag `continued`).
public struct OggPage: Sendable, Hashable {
    public struct Flags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The first packet on this page continues one from the previous page.
        public static let continued = Flags(rawValue: 0x01)
        /// Beginning of stream: the first page of a logical stream.
        public static let beginOfStream = Flags(rawValue: 0x02)
        /// End of stream: the last page of a logical stream.
        public static let endOfStream = Flags(rawValue: 0x04)
    }

    public var flags: Flags
    /// Codec-defined position at the end of the last packet completed on this page; -1 when none completes here.
    public var granulePosition: Int64
    public var serialNumber: UInt32
    public var sequenceNumber: UInt32
    /// Segment sizes, each 0…255 (at most 255 of them).
    public var segments: [UInt8]
    public var body: [UInt8]

    public init(flags: Flags = [], granulePosition: Int64, serialNumber: UInt32, sequenceNumber: UInt32,
                segments: [UInt8], body: [UInt8]) {
        self.flags = flags
        self.granulePosition = granulePosition
        self.serialNumber = serialNumber
        self.sequenceNumber = sequenceNumber
        self.segments = segments
        self.body = body
    }

    /// The size of the fixed part of the header.
    static let headerSize = 27

    /// Parses one page from the front of `bytes` (bytes after the page are ignored).
    /// - Throws: `.malformed` (no capture pattern, unknown version, CRC mismatch) or `.truncated`.
    public init(parsing bytes: [UInt8]) throws(MediaFileError) {
        guard bytes.count >= Self.headerSize else { throw MediaFileError(.truncated, "Ogg page header cut short") }
        let count = Int(bytes[26])
        guard bytes.count >= Self.headerSize + count else { throw MediaFileError(.truncated, "Ogg lacing table cut short") }
        let segments = Array(bytes[Self.headerSize..<(Self.headerSize + count)])
        let bodySize = segments.reduce(0) { $0 + Int($1) }
        guard bytes.count >= Self.headerSize + count + bodySize else {
            throw MediaFileError(.truncated, "Ogg page body cut short")
        }
        try self.init(header: Array(bytes[0..<Self.headerSize]), segments: segments,
                      body: Array(bytes[(Self.headerSize + count)..<(Self.headerSize + count + bodySize)]))
    }

    /// A page from its three parts as read from a file, checking the capture pattern, version and CRC.
    init(header: [UInt8], segments: [UInt8], body: [UInt8]) throws(MediaFileError) {
        guard header.count == Self.headerSize, header.starts(with: Array("OggS".utf8)) else {
            throw MediaFileError(.malformed, "no Ogg capture pattern")
        }
        guard header[4] == 0 else { throw MediaFileError(.unsupported, "Ogg version \(header[4])") }
        self.flags = Flags(rawValue: header[5] & 0x07)
        self.granulePosition = Int64(bitPattern: LittleEndian.u64(header, 6))
        self.serialNumber = LittleEndian.u32(header, 14)
        self.sequenceNumber = LittleEndian.u32(header, 18)
        self.segments = segments
        self.body = body
        let stored = LittleEndian.u32(header, 22)
        var zeroed = header
        zeroed.replaceSubrange(22..<26, with: [0, 0, 0, 0])
        let computed = OggCRC.checksum(zeroed + segments + body)
        guard stored == computed else {
            throw MediaFileError(.malformed, "Ogg page \(sequenceNumber): CRC mismatch")
        }
    }

    /// The page as bytes, with its CRC.
    public func serialized() -> [UInt8] {
        var bytes = Array("OggS".utf8) + [0, flags.rawValue]
        bytes += LittleEndian.bytes(granulePosition) + LittleEndian.bytes(serialNumber)
        bytes += LittleEndian.bytes(sequenceNumber) + [0, 0, 0, 0, UInt8(segments.count)]
        bytes += segments
        bytes += body
        let crc = OggCRC.checksum(bytes)
        bytes.replaceSubrange(22..<26, with: LittleEndian.bytes(crc))
        return bytes
    }

    /// The lacing values of one packet of `size` bytes: 255s, then the remainder (0 when `size` is a multiple of
    /// 255, which is what marks the packet's end).
    static func lacing(size: Int) -> [UInt8] {
        [UInt8](repeating: 255, count: size / 255) + [UInt8(size % 255)]
    }
}

/// Ogg's CRC-32 (RFC 3533 §6, "CRC_checksum"): polynomial 0x04C11DB7, initial value 0, bits not reflected, no
/// final xor — not the zlib CRC-32.
enum OggCRC {
    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index) << 24
        for _ in 0..<8 { value = value & 0x8000_0000 != 0 ? (value << 1) ^ 0x04C1_1DB7 : value << 1 }
        return value
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0
        for byte in bytes { crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 24) ^ byte)] }
        return crc
    }
}
