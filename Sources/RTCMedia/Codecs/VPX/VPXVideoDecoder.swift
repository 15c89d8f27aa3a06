/// VP8 or VP9 behind ``VideoDecoding``: `yuv420p` frames out.
public final class VPXVideoDecoder: VideoDecoding {
    public let decoder: VPXDecoder

    public init(codec: VPXCodec, threads: Int = 1) throws {
        decoder = try VPXDecoder(codec: codec, threads: threads)
    }

    public func decode(_ data: [UInt8]) throws -> [VideoFrame] {
        guard let picture = try decoder.decode(data) else { return [] }
        return [VideoFrame(picture)]
    }
}
