/// An 8-bit planar 4:2:0 picture (I420: Y, then U, then V), tightly packed in one array.
///
/// The luma plane is `width × height`; each chroma plane is `chromaWidth × chromaHeight`, i.e. half of each
/// dimension rounded up. This is the stand-in for video frames until `VideoFrame` arrives, and the layout both
/// libvpx and aiortc's `yuv420p` use.
public struct I420Buffer: Sendable, Hashable {
    public let width: Int
    public let height: Int
    /// Y plane, then U plane, then V plane, rows without padding.
    public var data: [UInt8]

    public var chromaWidth: Int { (width + 1) / 2 }
    public var chromaHeight: Int { (height + 1) / 2 }
    public var lumaCount: Int { width * height }
    public var chromaCount: Int { chromaWidth * chromaHeight }

    /// Byte ranges of the planes inside `data`.
    public var yRange: Range<Int> { 0..<lumaCount }
    public var uRange: Range<Int> { lumaCount..<(lumaCount + chromaCount) }
    public var vRange: Range<Int> { (lumaCount + chromaCount)..<(lumaCount + 2 * chromaCount) }

    /// The number of bytes an I420 picture of this size occupies.
    public static func byteCount(width: Int, height: Int) -> Int {
        width * height + 2 * (((width + 1) / 2) * ((height + 1) / 2))
    }

    /// A black picture (Y = 16 would be video-range black; 0 keeps it simple, chroma neutral at 128).
    /// - Precondition: `width` and `height` are positive and at most 16384.
    public init(width: Int, height: Int) {
        precondition((1...16384).contains(width) && (1...16384).contains(height), "I420Buffer: bad size")
        self.width = width
        self.height = height
        let luma = width * height
        let chroma = ((width + 1) / 2) * ((height + 1) / 2)
        var data = [UInt8](repeating: 0, count: luma + 2 * chroma)
        data.withUnsafeMutableBufferPointer { $0[luma...].update(repeating: 128) }
        self.data = data
    }

    /// Wraps existing tightly packed I420 bytes; nil if the size does not match the geometry.
    public init?(width: Int, height: Int, data: [UInt8]) {
        guard (1...16384).contains(width), (1...16384).contains(height),
              data.count == Self.byteCount(width: width, height: height) else { return nil }
        self.width = width
        self.height = height
        self.data = data
    }

    public var y: ArraySlice<UInt8> { data[yRange] }
    public var u: ArraySlice<UInt8> { data[uRange] }
    public var v: ArraySlice<UInt8> { data[vRange] }
}
