/// An uncompressed picture, as PyAV's `VideoFrame` that aiortc hands around: a pixel format, a size, and the
/// planes packed one after another in `data` without row padding.
///
/// `yuv420p` (I420) is what the VP8/VP9 encoders take and decoders give; the others convert to and from it with
/// ``converted(to:)`` (BT.601, limited range, as FFmpeg's swscale does by default). Odd sizes are allowed: chroma
/// planes of 4:2:0 formats are half of each dimension rounded up.
public struct VideoFrame: Sendable {
    /// Pixel formats, named as FFmpeg names them.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        /// Planar Y, U, V; chroma subsampled 2×2 (I420).
        case yuv420p
        /// Planar Y, then one plane of interleaved U V pairs; chroma subsampled 2×2.
        case nv12
        /// Packed R G B, 3 bytes per pixel.
        case rgb24
        /// Packed B G R, 3 bytes per pixel.
        case bgr24
        /// Packed R G B A, 4 bytes per pixel.
        case rgba

        /// The planes a picture of this format and size has.
        public func planes(width: Int, height: Int) -> [Plane] {
            let chromaWidth = (width + 1) / 2
            let chromaHeight = (height + 1) / 2
            switch self {
            case .yuv420p:
                let luma = width * height
                let chroma = chromaWidth * chromaHeight
                return [Plane(offset: 0, lineSize: width, width: width, height: height),
                        Plane(offset: luma, lineSize: chromaWidth, width: chromaWidth, height: chromaHeight),
                        Plane(offset: luma + chroma, lineSize: chromaWidth, width: chromaWidth, height: chromaHeight)]
            case .nv12:
                return [Plane(offset: 0, lineSize: width, width: width, height: height),
                        Plane(offset: width * height, lineSize: chromaWidth * 2, width: chromaWidth,
                              height: chromaHeight)]
            case .rgb24, .bgr24:
                return [Plane(offset: 0, lineSize: width * 3, width: width, height: height)]
            case .rgba:
                return [Plane(offset: 0, lineSize: width * 4, width: width, height: height)]
            }
        }

        /// Bytes a picture of this format and size occupies.
        public func byteCount(width: Int, height: Int) -> Int {
            planes(width: width, height: height).reduce(0) { $0 + $1.bufferSize }
        }
    }

    /// Where one plane sits in ``VideoFrame/data``.
    public struct Plane: Sendable, Hashable {
        /// Byte offset of the plane's first row.
        public var offset: Int
        /// Bytes per row (PyAV's `line_size`); rows are not padded.
        public var lineSize: Int
        /// Samples per row (pixels, or chroma samples for subsampled planes).
        public var width: Int
        /// Rows.
        public var height: Int

        /// Bytes the plane occupies (PyAV's `buffer_size`).
        public var bufferSize: Int { lineSize * height }
        /// The plane's bytes inside ``VideoFrame/data``.
        public var range: Range<Int> { offset..<(offset + bufferSize) }
    }

    public let width: Int
    public let height: Int
    public let format: Format
    /// All planes, packed (see ``planes``). Write pixels in place; keep its size (``isWellFormed`` checks).
    public var data: [UInt8]
    /// Presentation time in `timeBase` units (for aiortc's tracks: ticks of the 90 kHz clock).
    public var pts: Int64?
    public var timeBase: MediaTimeBase?

    /// The largest width or height accepted (libvpx's limit).
    public static let maximumDimension = 16384

    /// A picture with every byte zero — for `yuv420p` and `nv12` that is the green aiortc's default track sends,
    /// for the RGB formats black (transparent for `rgba`).
    /// - Precondition: `width` and `height` are in 1 … 16384.
    public init(width: Int, height: Int, format: Format = .yuv420p) {
        precondition((1...Self.maximumDimension).contains(width) && (1...Self.maximumDimension).contains(height),
                     "VideoFrame: size \(width)x\(height) outside 1…16384")
        self.width = width
        self.height = height
        self.format = format
        self.data = [UInt8](repeating: 0, count: format.byteCount(width: width, height: height))
    }

    /// Wraps packed plane bytes; nil when the size is out of range or `data` does not match it.
    public init?(width: Int, height: Int, format: Format, data: [UInt8]) {
        guard (1...Self.maximumDimension).contains(width), (1...Self.maximumDimension).contains(height),
              data.count == format.byteCount(width: width, height: height) else { return nil }
        self.width = width
        self.height = height
        self.format = format
        self.data = data
    }

    /// An `rgb24` picture from packed R G B bytes, row by row.
    /// - Precondition: `rgb24.count == width * height * 3`.
    public init(rgb24: [UInt8], width: Int, height: Int) {
        guard let frame = VideoFrame(width: width, height: height, format: .rgb24, data: rgb24) else {
            preconditionFailure("VideoFrame(rgb24:): \(rgb24.count) bytes do not make a \(width)x\(height) picture")
        }
        self = frame
    }

    /// A `yuv420p` frame holding an I420 picture (the layout is the same).
    public init(_ picture: I420Buffer) {
        self.width = picture.width
        self.height = picture.height
        self.format = .yuv420p
        self.data = picture.data
    }

    /// Whether `data` has exactly the size the format and dimensions call for (it does unless replaced by hand).
    public var isWellFormed: Bool {
        data.count == format.byteCount(width: width, height: height)
    }

    /// The planes of this frame's format and size.
    public var planes: [Plane] { format.planes(width: width, height: height) }

    /// The bytes of plane `index` (0 is luma or the packed pixels).
    public func plane(_ index: Int) -> ArraySlice<UInt8> {
        data[planes[index].range]
    }

    /// Overwrites plane `index` with `bytes` (PyAV's `plane.update`).
    /// - Precondition: `bytes.count` is the plane's `bufferSize`.
    public mutating func updatePlane(_ index: Int, with bytes: [UInt8]) {
        let range = planes[index].range
        precondition(bytes.count == range.count, "VideoFrame.updatePlane: \(bytes.count) bytes for \(range.count)")
        data.replaceSubrange(range, with: bytes)
    }

    /// The picture as I420 (converted when the frame holds another format).
    public var i420: I420Buffer {
        let frame = converted(to: .yuv420p)
        // The geometry is the same by construction; the fallback keeps this total.
        return I420Buffer(width: frame.width, height: frame.height, data: frame.data)
            ?? I420Buffer(width: width, height: height)
    }

    /// Packed R G B bytes of the picture (PyAV's `to_ndarray(format="rgb24")`).
    public func toRGB24() -> [UInt8] {
        converted(to: .rgb24).data
    }
}
