import AsyncRTC

/// The stream header of a YUV4MPEG2 file: `YUV4MPEG2` then space-separated parameters (`W` width, `H` height,
/// `F` frame rate `n:d`, `I` interlacing, `A` aspect, `C` colour space, `X` comments) up to a newline; each
/// picture follows a `FRAME` line (which may carry parameters of its own).
///
/// Read and written here: 8-bit 4:2:0 (`C420jpeg`, `C420paldv`, `C420mpeg2`, `C420`, or no `C`), which is I420.
public struct Y4MHeader: Sendable, Hashable {
    public var width: Int
    public var height: Int
    /// Frames per second as numerator and denominator.
    public var frameRate: (Int, Int) {
        get { (rateNumerator, rateDenominator) }
        set { (rateNumerator, rateDenominator) = newValue }
    }
    public var colorSpace: String
    private var rateNumerator: Int
    private var rateDenominator: Int

    public init(width: Int, height: Int, frameRate: (Int, Int) = (30, 1), colorSpace: String = "420jpeg") {
        self.width = width
        self.height = height
        self.rateNumerator = frameRate.0
        self.rateDenominator = frameRate.1
        self.colorSpace = colorSpace
    }

    /// The longest header line accepted.
    static let maximumLine = 4096

    public init(parsing line: String) throws(MediaFileError) {
        var fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.first == "YUV4MPEG2" else { throw MediaFileError(.malformed, "no YUV4MPEG2 signature") }
        fields.removeFirst()
        var width: Int?, height: Int?
        var rate = (30, 1)
        var colorSpace = "420jpeg"
        for field in fields {
            let value = field.dropFirst()
            switch field.first {
            case "W": width = Int(value)
            case "H": height = Int(value)
            case "F":
                let parts = value.split(separator: ":")
                guard parts.count == 2, let n = Int(parts[0]), let d = Int(parts[1]), n > 0, d > 0 else {
                    throw MediaFileError(.malformed, "Y4M frame rate \(value)")
                }
                rate = (n, d)
            case "C": colorSpace = String(value)
            default: break
            }
        }
        guard let width, let height, (1...VideoFrame.maximumDimension).contains(width),
              (1...VideoFrame.maximumDimension).contains(height) else {
            throw MediaFileError(.malformed, "Y4M header without a valid size: \(line.prefix(80))")
        }
        guard ["420jpeg", "420paldv", "420mpeg2", "420"].contains(colorSpace) else {
            throw MediaFileError(.unsupported, "Y4M colour space C\(colorSpace) (only 8-bit 4:2:0 is read)")
        }
        self.init(width: width, height: height, frameRate: rate, colorSpace: colorSpace)
    }

    public func serialized() -> String {
        "YUV4MPEG2 W\(width) H\(height) F\(rateNumerator):\(rateDenominator) Ip A1:1 C\(colorSpace)\n"
    }

    public static func == (lhs: Y4MHeader, rhs: Y4MHeader) -> Bool {
        lhs.width == rhs.width && lhs.height == rhs.height && lhs.rateNumerator == rhs.rateNumerator
            && lhs.rateDenominator == rhs.rateDenominator && lhs.colorSpace == rhs.colorSpace
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(width)
        hasher.combine(height)
        hasher.combine(rateNumerator)
        hasher.combine(rateDenominator)
    }
}

/// Reads the pictures of a Y4M file. A picture cut short by the end of the file ends the stream.
final class Y4MReader {
    let header: Y4MHeader
    private let source: FileByteSource
    private let firstFrame: UInt64

    init(path: String) throws(MediaFileError) {
        source = try FileByteSource(path: path)
        guard let line = try Self.readLine(source) else {
            throw MediaFileError(.truncated, "\(path) has no complete YUV4MPEG2 header line")
        }
        header = try Y4MHeader(parsing: line)
        firstFrame = source.offset
    }

    /// One line without its newline, nil when the file ends first or it is longer than the limit.
    private static func readLine(_ source: FileByteSource) throws(MediaFileError) -> String? {
        var bytes: [UInt8] = []
        while bytes.count <= Y4MHeader.maximumLine {
            let chunk = try source.read(1)
            guard let byte = chunk.first else { return nil }
            if byte == 0x0A { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
        return nil
    }

    /// The next picture as a `yuv420p` frame; nil at the end of the file or at a truncated picture.
    /// - Throws: `.malformed` when a picture is not introduced by a `FRAME` line.
    func nextFrame() throws(MediaFileError) -> VideoFrame? {
        guard let line = try Self.readLine(source) else { return nil }
        guard line.hasPrefix("FRAME") else {
            throw MediaFileError(.malformed, "\(source.path): expected FRAME at byte \(source.offset)")
        }
        let size = VideoFrame.Format.yuv420p.byteCount(width: header.width, height: header.height)
        let data = try source.read(size)
        guard data.count == size else { return nil }
        return VideoFrame(width: header.width, height: header.height, format: .yuv420p, data: data)
    }

    func rewind() throws(MediaFileError) { try source.seek(to: firstFrame) }
}

/// Writes Y4M: the header from the first picture's size, then `FRAME` and the I420 planes for each picture. Every
/// picture is complete on disk once `write` returns. Y4M cannot change size mid-stream: pictures of another size
/// are skipped and counted in ``skippedFrames``.
final class Y4MWriter {
    private let sink: FileByteSink
    private let frameRate: (Int, Int)
    private var header: Y4MHeader?
    private(set) var framesWritten = 0
    private(set) var skippedFrames = 0

    init(path: String, frameRate: (Int, Int) = (30, 1)) throws(MediaFileError) {
        sink = try FileByteSink(path: path)
        self.frameRate = frameRate
    }

    func write(_ frame: VideoFrame) throws(MediaFileError) {
        if header == nil {
            let header = Y4MHeader(width: frame.width, height: frame.height, frameRate: frameRate)
            self.header = header
            try sink.write(Array(header.serialized().utf8))
        }
        guard let header, frame.width == header.width, frame.height == header.height else {
            skippedFrames += 1
            return
        }
        let picture = frame.converted(to: .yuv420p)
        try sink.write(Array("FRAME\n".utf8) + picture.data)
        framesWritten += 1
    }

    func close() { sink.close() }
}
