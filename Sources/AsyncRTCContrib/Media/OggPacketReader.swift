/// Reads the packets of the first logical stream of an Ogg file (RFC 3533): pages are read one at a time and
/// their CRC checked, segments are joined into packets across page boundaries, pages of other streams are skipped.
///
/// A file that ends inside a page or a packet ends the stream (`nextPacket()` returns nil); a page with a bad CRC
/// is a `.malformed` error before the first audio packet and the end of the stream after it (the rest cannot be
/// trusted).
final class OggPacketReader {
    private let source: FileByteSource
    private var serial: UInt32?
    private var pending: [[UInt8]] = []
    private var partial: [UInt8] = []
    private var ended = false
    /// The granule position of the last page read.
    private(set) var lastGranule: Int64 = -1

    /// The largest packet assembled (Opus packets are at most 1275 × 3 bytes; headers can carry cover art).
    static let maximumPacket = 1 << 20

    init(source: FileByteSource) {
        self.source = source
    }

    /// Reads the next page. Returns nil at the end of the file (clean or truncated).
    func nextPage() throws(MediaFileError) -> OggPage? {
        let header: [UInt8]
        do throws(MediaFileError) {
            guard let bytes = try source.readExactly(OggPage.headerSize, what: "an Ogg page header") else { return nil }
            header = bytes
        } catch where error.code == .truncated { return nil }
        guard header.starts(with: Array("OggS".utf8)) else {
            throw MediaFileError(.malformed, "\(source.path): no Ogg page at byte \(source.offset - UInt64(OggPage.headerSize))")
        }
        let lacing = try source.read(Int(header[26]))
        guard lacing.count == Int(header[26]) else { return nil }
        let bodySize = lacing.reduce(0) { $0 + Int($1) }
        let body = try source.read(bodySize)
        guard body.count == bodySize else { return nil }
        return try OggPage(header: header, segments: lacing, body: body)
    }

    /// The next complete packet of the stream, nil at its end.
    func nextPacket() throws(MediaFileError) -> [UInt8]? {
        while pending.isEmpty {
            guard !ended, let page = try nextPage() else {
                ended = true
                return nil
            }
            if serial == nil { serial = page.serialNumber }
            guard page.serialNumber == serial else { continue }
            if !page.flags.contains(.continued) { partial = [] }
            var offset = 0
            for size in page.segments {
                let end = offset + Int(size)
                partial += page.body[offset..<end]
                offset = end
                guard partial.count <= Self.maximumPacket else {
                    throw MediaFileError(.malformed, "\(source.path): Ogg packet larger than \(Self.maximumPacket) bytes")
                }
                if size < 255 {
                    pending.append(partial)
                    partial = []
                }
            }
            lastGranule = page.granulePosition
            if page.flags.contains(.endOfStream) { ended = true }
        }
        return pending.removeFirst()
    }

    /// Back to the start of the file, to read the stream again.
    func rewind() throws(MediaFileError) {
        try source.seek(to: 0)
        pending = []
        partial = []
        ended = false
        serial = nil
    }
}
