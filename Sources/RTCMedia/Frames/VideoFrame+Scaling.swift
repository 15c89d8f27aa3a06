extension VideoFrame {
    /// The frame scaled down by `factor` (≥ 1; W3C `scaleResolutionDownBy`) as yuv420p, by area averaging: each
    /// output sample is the mean of the input samples it covers. Dimensions are rounded down, at least 2×2, even.
    public func scaledDown(by factor: Double) -> VideoFrame {
        let source = format == .yuv420p ? self : converted(to: .yuv420p)
        guard factor > 1, factor.isFinite else { return source }
        let width = max(2, Int(Double(source.width) / factor) & ~1)
        let height = max(2, Int(Double(source.height) / factor) & ~1)
        var out = VideoFrame(width: width, height: height, format: .yuv420p)
        var data = out.data
        let inPlanes = source.planes, outPlanes = out.planes
        let input = source.data
        for (src, dst) in zip(inPlanes, outPlanes) {
            for y in 0..<dst.height {
                let y0 = y * src.height / dst.height
                let y1 = max(y0 + 1, (y + 1) * src.height / dst.height)
                for x in 0..<dst.width {
                    let x0 = x * src.width / dst.width
                    let x1 = max(x0 + 1, (x + 1) * src.width / dst.width)
                    var sum = 0
                    for yy in y0..<min(y1, src.height) {
                        let row = src.offset + yy * src.lineSize
                        for xx in x0..<min(x1, src.width) { sum += Int(input[row + xx]) }
                    }
                    let count = max(1, (min(y1, src.height) - y0) * (min(x1, src.width) - x0))
                    data[dst.offset + y * dst.lineSize + x] = UInt8(sum / count)
                }
            }
        }
        out.data = data
        out.pts = pts
        out.timeBase = timeBase
        return out
    }
}
