/// Writes an Ogg Opus file (RFC 7845): the OpusHead alone on the first page (beginning of stream), OpusTags on the
/// second, then audio pages whose granule position is the pre-skip plus every sample of the packets completed so
/// far (48 kHz). A page of ``packetsPerPage`` packets (200 ms of 20 ms packets) is flushed when the next packet
/// arrives, so a file whose writer died is readable up to the last flushed page (at most 400 ms lost); `close()`
/// flushes the last page with the end-of-stream flag.
final class OggOpusWriter {
    private let sink: FileByteSink
    private let serial: UInt32
    private var sequence: UInt32 = 0
    private var granule: Int64
    private var pendingSegments: [UInt8] = []
    private var pendingBody: [UInt8] = []
    private var pendingPackets = 0
    let head: OpusHead
    private(set) var packetsWritten = 0

    static let packetsPerPage = 10

    init(path: String, head: OpusHead, tags: OpusTags = OpusTags()) throws(MediaFileError) {
        sink = try FileByteSink(path: path)
        self.head = head
        granule = Int64(head.preSkip)
        serial = UInt32.random(in: 1...UInt32.max)
        try writePage(segments: OggPage.lacing(size: 19), body: head.serialized(), granule: 0, flags: .beginOfStream)
        let tagBytes = tags.serialized()
        try writePage(segments: OggPage.lacing(size: tagBytes.count), body: tagBytes, granule: 0, flags: [])
    }

    /// Appends one Opus packet of `samples` samples per channel at 48 kHz (read from its TOC when nil).
    func write(packet: [UInt8], samples: Int? = nil) throws(MediaFileError) {
        guard let duration = samples ?? OpusPacket.samples(packet) else {
            throw MediaFileError(.malformed, "not an Opus packet (\(packet.count) bytes)")
        }
        let lacing = OggPage.lacing(size: packet.count)
        guard lacing.count <= 255 else { throw MediaFileError(.unsupported, "Opus packet of \(packet.count) bytes") }
        // A full page is flushed when the next packet arrives, so the last one can carry end-of-stream.
        if pendingPackets >= Self.packetsPerPage || pendingSegments.count + lacing.count > 255 { try flush(flags: []) }
        pendingSegments += lacing
        pendingBody += packet
        pendingPackets += 1
        packetsWritten += 1
        granule += Int64(duration)
    }

    /// Flushes the last page with the end-of-stream flag and closes the file.
    func close() throws(MediaFileError) {
        defer { sink.close() }
        try flush(flags: .endOfStream, force: true)
    }

    private func flush(flags: OggPage.Flags, force: Bool = false) throws(MediaFileError) {
        guard pendingPackets > 0 || force else { return }
        try writePage(segments: pendingSegments, body: pendingBody, granule: granule, flags: flags)
        pendingSegments = []
        pendingBody = []
        pendingPackets = 0
    }

    private func writePage(segments: [UInt8], body: [UInt8], granule: Int64, flags: OggPage.Flags) throws(MediaFileError) {
        let page = OggPage(flags: flags, granulePosition: granule, serialNumber: serial, sequenceNumber: sequence,
                           segments: segments, body: body)
        sequence &+= 1
        try sink.write(page.serialized())
    }
}

/// Reads an Ogg Opus file: checks OpusHead and OpusTags, then hands out audio packets with their length.
final class OggOpusReader {
    private let packets: OggPacketReader
    let head: OpusHead
    let path: String

    init(path: String) throws(MediaFileError) {
        self.path = path
        let source = try FileByteSource(path: path)
        packets = OggPacketReader(source: source)
        head = try Self.readHeaders(packets, path: path)
    }

    private static func readHeaders(_ packets: OggPacketReader, path: String) throws(MediaFileError) -> OpusHead {
        guard let first = try packets.nextPacket() else { throw MediaFileError(.truncated, "\(path) has no Ogg packet") }
        let head = try OpusHead(parsing: first)
        guard let second = try packets.nextPacket() else { throw MediaFileError(.truncated, "\(path) has no OpusTags") }
        _ = try OpusTags(parsing: second)
        return head
    }

    /// The next audio packet and its samples per channel at 48 kHz; nil at the end (or at a damaged page).
    func nextPacket() -> (data: [UInt8], samples: Int)? {
        while true {
            guard let packet = try? packets.nextPacket() else { return nil }
            // Opus packets with a malformed TOC or empty ones (DTX gaps are not stored this way) are skipped.
            if let samples = OpusPacket.samples(packet) { return (packet, samples) }
        }
    }

    func rewind() throws(MediaFileError) {
        try packets.rewind()
        _ = try Self.readHeaders(packets, path: path)
    }
}
