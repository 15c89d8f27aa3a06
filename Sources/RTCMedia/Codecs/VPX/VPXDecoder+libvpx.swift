internal import CRTCVPX

/// A VP8 or VP9 decoder producing I420 pictures.
///
/// Owns a libvpx decoder context, freed in `deinit`. Not `Sendable`: use it from one task or thread at a time.
public final class VPXDecoder {
    public let codec: VPXCodec
    private let context: UnsafeMutablePointer<vpx_codec_ctx_t>

    /// - Parameters:
    ///   - codec: VP8 or VP9; one decoder handles one codec.
    ///   - threads: decoder threads (VP8 uses them across token partitions, VP9 across tiles).
    public init(codec: VPXCodec, threads: Int = 1) throws(VPXError) {
        let context = UnsafeMutablePointer<vpx_codec_ctx_t>.allocate(capacity: 1)
        context.initialize(to: vpx_codec_ctx_t())
        var config = vpx_codec_dec_cfg_t(threads: UInt32(max(1, min(threads, 16))), w: 0, h: 0)
        let status = CRTCVPX_decInit(context, codec.decoderInterface, &config, 0)
        guard status == VPX_CODEC_OK else {
            // Not yet a fully initialised object, so deinit will not run: release here.
            let error = VPXError(status, "vpx_codec_dec_init", codec: context)
            context.deallocate()
            throw error
        }
        self.codec = codec
        self.context = context
    }

    deinit {
        vpx_codec_destroy(context)
        context.deallocate()
    }

    /// Decodes one compressed frame (one whole VP8 frame or VP9 superframe, as a depayloader reassembles it).
    ///
    /// - Returns: the picture to show, or nil when the frame is not shown (e.g. a VP9 alt-ref alone).
    /// - Throws: `VPXError` for corrupt or unsupported input (e.g. VP9 profile 1+ 4:4:4 or high bit depth); the
    ///   decoder stays usable, though later inter frames may fail until the next keyframe.
    public func decode(_ frame: [UInt8]) throws(VPXError) -> I420Buffer? {
        guard !frame.isEmpty, frame.count <= Int(UInt32.max) else {
            throw VPXError(code: VPXError.invalidParameter, reason: "empty or oversized frame")
        }
        let status = frame.withUnsafeBufferPointer { bytes in
            vpx_codec_decode(context, bytes.baseAddress, UInt32(bytes.count), nil, 0)
        }
        try VPXError.check(status, "vpx_codec_decode", codec: context)
        var iterator: vpx_codec_iter_t? = nil
        var picture: I420Buffer? = nil
        while let image = vpx_codec_get_frame(context, &iterator) {
            picture = try Self.copy(image)
        }
        return picture
    }

    private static func copy(_ image: UnsafeMutablePointer<vpx_image_t>) throws(VPXError) -> I420Buffer {
        guard CRTCVPX_isI420(image) != 0 else {
            throw VPXError(code: VPXError.unsupportedFeature,
                           reason: "decoded picture is not 8-bit 4:2:0 (format \(image.pointee.fmt.rawValue))")
        }
        let width = Int(image.pointee.d_w)
        let height = Int(image.pointee.d_h)
        guard (1...16384).contains(width), (1...16384).contains(height) else {
            throw VPXError(code: VPXError.unsupportedFeature, reason: "decoded picture size \(width)x\(height)")
        }
        let chromaWidth = (width + 1) / 2, chromaHeight = (height + 1) / 2
        let lumaCount = width * height, chromaCount = chromaWidth * chromaHeight
        let geometry = [(0, width, height, 0), (1, chromaWidth, chromaHeight, lumaCount),
                        (2, chromaWidth, chromaHeight, lumaCount + chromaCount)]
        // Every byte is written by the row copies below, so the array starts uninitialized (no fill pass).
        let bytes = [UInt8](unsafeUninitializedCapacity: lumaCount + 2 * chromaCount) { out, count in
            if let outBase = out.baseAddress {
                for (plane, planeWidth, planeHeight, offset) in geometry {
                    let destination = outBase + offset
                    guard let source = CRTCVPX_plane(image, Int32(plane)) else {
                        destination.initialize(repeating: plane == 0 ? 0 : 128, count: planeWidth * planeHeight)
                        continue
                    }
                    let stride = Int(CRTCVPX_stride(image, Int32(plane)))
                    for row in 0..<planeHeight {
                        (destination + row * planeWidth).initialize(from: source + row * stride, count: planeWidth)
                    }
                }
            }
            count = out.count
        }
        guard let picture = I420Buffer(width: width, height: height, data: bytes) else {
            throw VPXError(code: VPXError.unsupportedFeature, reason: "decoded picture size \(width)x\(height)")
        }
        return picture
    }
}
