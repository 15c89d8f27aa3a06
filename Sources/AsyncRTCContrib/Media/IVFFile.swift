public import AsyncRTC

/// The IVF container of libvpx's tools: a 32-byte file header, then frames each behind a 12-byte header.
///
/// File header (little-endian): `DKIF`, version 0 (2 bytes), header size 32 (2), FourCC `VP80`/`VP90` (4),
/// width (2), height (2), time base denominator (4) and numerator (4), length (4), unused (4). Frame header: size
/// (4), pts in time-base units (8). libvpx writes the frame count into "length"; FFmpeg writes the duration in
/// time-base units there and ignores it on reading — so does ``IVFReader``; ``IVFWriter`` writes the duration, as
/// FFmpeg does, which `ffprobe` reports.
public struct IVFHeader: Sendable, Hashable {
    public var fourCC: String
    public var width: Int
    public var height: Int
    public var timeBase: MediaTimeBase
    public var length: UInt32

    public init(fourCC: String, width: Int, height: Int, timeBase: MediaTimeBase, length: UInt32 = 0) {
        self.fourCC = fourCC
        self.width = width
        self.height = height
        self.timeBase = timeBase
        self.length = length
    }

    public static let size = 32

    public init(parsing bytes: [UInt8]) throws(MediaFileError) {
        guard bytes.count >= Self.size else { throw MediaFileError(.truncated, "IVF header cut short") }
        guard bytes.starts(with: Array("DKIF".utf8)) else { throw MediaFileError(.malformed, "no IVF signature") }
        let headerSize = LittleEndian.u16(bytes, 6)
        guard headerSize >= 32 else { throw MediaFileError(.malformed, "IVF header size \(headerSize)") }
        fourCC = String(decoding: bytes[8..<12], as: UTF8.self)
        width = Int(LittleEndian.u16(bytes, 12))
        height = Int(LittleEndian.u16(bytes, 14))
        let denominator = LittleEndian.u32(bytes, 16)
        let numerator = LittleEndian.u32(bytes, 20)
        guard denominator > 0, numerator > 0, denominator <= Int32.max, numerator <= Int32.max else {
            throw MediaFileError(.malformed, "IVF time base \(numerator)/\(denominator)")
        }
        timeBase = MediaTimeBase(numerator: Int(numerator), denominator: Int(denominator))
        length = LittleEndian.u32(bytes, 24)
    }

    public func serialized() -> [UInt8] {
        var bytes = Array("DKIF".utf8) + LittleEndian.bytes(UInt16(0)) + LittleEndian.bytes(UInt16(32))
        bytes += Array((fourCC + "    ").utf8.prefix(4))
        bytes += LittleEndian.bytes(UInt16(clamping: width)) + LittleEndian.bytes(UInt16(clamping: height))
        bytes += LittleEndian.bytes(UInt32(clamping: timeBase.denominator))
        bytes += LittleEndian.bytes(UInt32(clamping: timeBase.numerator))
        bytes += LittleEndian.bytes(length) + [0, 0, 0, 0]
        return bytes
    }

    /// The codec the FourCC names (`video/VP8`, `video/VP9`), nil for another.
    public var mimeType: String? {
        switch fourCC.uppercased() {
        case "VP80": "video/VP8"
        case "VP90": "video/VP9"
        default: nil
        }
    }
}

/// Reads IVF frames. A frame header or body cut short by the end of the file ends the stream.
final class IVFReader {
    let header: IVFHeader
    private let source: FileByteSource
    private let firstFrame: UInt64

    /// The largest frame accepted: a VP8/VP9 frame of 16384×16384 is far smaller than this; a bigger size field
    /// is a corrupt file, not a reason to allocate.
    static let maximumFrame: UInt32 = 32 << 20

    init(path: String) throws(MediaFileError) {
        source = try FileByteSource(path: path)
        guard let bytes = try source.readExactly(IVFHeader.size, what: "the IVF header") else {
            throw MediaFileError(.truncated, "\(path) is empty")
        }
        header = try IVFHeader(parsing: bytes)
        guard header.mimeType != nil else {
            throw MediaFileError(.unsupported, "\(path): IVF FourCC \(header.fourCC) (only VP80 and VP90 are read)")
        }
        let extra = UInt64(LittleEndian.u16(bytes, 6)) - 32
        if extra > 0 { _ = try source.skip(extra) }
        firstFrame = source.offset
    }

    /// The next frame and its pts in the header's time base; nil at the end of the file or a truncated frame.
    /// - Throws: `.malformed` for a frame size beyond ``maximumFrame`` or of zero.
    func nextFrame() throws(MediaFileError) -> (data: [UInt8], pts: Int64)? {
        let frameHeader = try source.read(12)
        guard frameHeader.count == 12 else { return nil }
        let size = LittleEndian.u32(frameHeader, 0)
        guard size > 0, size <= Self.maximumFrame else {
            throw MediaFileError(.malformed, "\(source.path): IVF frame of \(size) bytes at byte \(source.offset - 12)")
        }
        let data = try source.read(Int(size))
        guard data.count == Int(size) else { return nil }
        return (data, Int64(bitPattern: LittleEndian.u64(frameHeader, 4)))
    }

    func rewind() throws(MediaFileError) { try source.seek(to: firstFrame) }
}

/// Writes IVF: the header (size from the first frame), then each frame with its pts. The header's length field
/// is rewritten on `close()`; every frame is complete on disk once `write` returns, so a file whose writer died
/// is readable up to its last frame.
final class IVFWriter {
    private let sink: FileByteSink
    private var header: IVFHeader
    private var firstPTS: Int64?
    private var lastPTS: Int64 = 0
    private(set) var framesWritten = 0

    init(path: String, header: IVFHeader) throws(MediaFileError) {
        sink = try FileByteSink(path: path)
        self.header = header
        try sink.write(header.serialized())
    }

    /// Appends a frame whose pts counts in the header's time base.
    func write(frame: [UInt8], pts: Int64) throws(MediaFileError) {
        if firstPTS == nil { firstPTS = pts }
        lastPTS = max(lastPTS, pts)
        try sink.write(LittleEndian.bytes(UInt32(clamping: frame.count)) + LittleEndian.bytes(pts) + frame)
        framesWritten += 1
    }

    /// Writes the duration into the header (as FFmpeg does: the span of the pts plus one average frame interval)
    /// and closes the file.
    func close() throws(MediaFileError) {
        defer { sink.close() }
        guard framesWritten > 1, let firstPTS else { return }
        let span = lastPTS &- firstPTS
        let duration = span &+ span / Int64(framesWritten - 1)
        header.length = UInt32(clamping: duration)
        try sink.overwrite(at: 0, header.serialized())
    }
}
