extension VideoFrame {
    /// This picture in another pixel format (timing kept).
    ///
    /// YUV ↔ RGB uses BT.601 limited range (Y 16 … 235, chroma 16 … 240), the default of FFmpeg's swscale and so
    /// of aiortc: RGB to 4:2:0 averages each 2×2 block (the edge blocks of odd sizes average what they have);
    /// 4:2:0 to RGB repeats each chroma sample over its block. RGB ↔ BGR ↔ RGBA only moves bytes (alpha 255).
    /// - Precondition: ``isWellFormed``.
    public func converted(to target: Format) -> VideoFrame {
        guard target != format else { return self }
        precondition(isWellFormed, "VideoFrame: \(data.count) bytes do not make a \(width)x\(height) \(format)")
        let bytes: [UInt8]
        switch (format.packedLayout, target.packedLayout) {
        case let (source?, destination?):
            bytes = Self.swizzle(data, count: width * height, from: source, to: destination)
        case let (source?, nil):
            let i420 = Self.packedToI420(data, width: width, height: height, layout: source)
            bytes = target == .nv12 ? Self.i420ToNV12(i420, width: width, height: height) : i420
        case let (nil, destination?):
            let i420 = format == .nv12 ? Self.nv12ToI420(data, width: width, height: height) : data
            bytes = Self.i420ToPacked(i420, width: width, height: height, layout: destination)
        case (nil, nil):
            bytes = target == .nv12 ? Self.i420ToNV12(data, width: width, height: height)
                : Self.nv12ToI420(data, width: width, height: height)
        }
        guard var frame = VideoFrame(width: width, height: height, format: target, data: bytes) else {
            preconditionFailure("VideoFrame.converted: conversion produced \(bytes.count) bytes")
        }
        frame.pts = pts
        frame.timeBase = timeBase
        return frame
    }
}

/// Where R, G, B (and alpha) sit in one pixel of a packed RGB format.
struct PackedPixelLayout: Equatable {
    var bytesPerPixel: Int
    var red: Int
    var green: Int
    var blue: Int
    var alpha: Int?
}

extension VideoFrame.Format {
    var packedLayout: PackedPixelLayout? {
        switch self {
        case .rgb24: PackedPixelLayout(bytesPerPixel: 3, red: 0, green: 1, blue: 2, alpha: nil)
        case .bgr24: PackedPixelLayout(bytesPerPixel: 3, red: 2, green: 1, blue: 0, alpha: nil)
        case .rgba: PackedPixelLayout(bytesPerPixel: 4, red: 0, green: 1, blue: 2, alpha: 3)
        case .yuv420p, .nv12: nil
        }
    }
}

// The arithmetic of BT.601 limited range in 8-bit fixed point (coefficients × 256), as ITU-R BT.601 §2.5 gives
// them scaled by 219/255 for luma and 224/255 for chroma.
extension VideoFrame {
    @inline(__always)
    static func clampByte(_ value: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: value < 0 ? 0 : value > 255 ? 255 : value)
    }

    @inline(__always)
    static func luma(_ r: Int, _ g: Int, _ b: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16)
    }

    @inline(__always)
    static func chroma(_ r: Int, _ g: Int, _ b: Int) -> (u: UInt8, v: UInt8) {
        (UInt8(truncatingIfNeeded: ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128),
         UInt8(truncatingIfNeeded: ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128))
    }

    static func swizzle(_ source: [UInt8], count: Int, from: PackedPixelLayout,
                        to: PackedPixelLayout) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count * to.bytesPerPixel) { out, initialized in
            source.withUnsafeBufferPointer { input in
                for pixel in 0..<count {
                    let s = pixel * from.bytesPerPixel
                    let d = pixel * to.bytesPerPixel
                    out[d + to.red] = input[s + from.red]
                    out[d + to.green] = input[s + from.green]
                    out[d + to.blue] = input[s + from.blue]
                    if let alpha = to.alpha {
                        out[d + alpha] = from.alpha.map { input[s + $0] } ?? 255
                    }
                }
            }
            initialized = count * to.bytesPerPixel
        }
    }

    static func packedToI420(_ source: [UInt8], width: Int, height: Int, layout: PackedPixelLayout) -> [UInt8] {
        let chromaWidth = (width + 1) / 2
        let chromaHeight = (height + 1) / 2
        let uBase = width * height
        let vBase = uBase + chromaWidth * chromaHeight
        let bpp = layout.bytesPerPixel
        return [UInt8](unsafeUninitializedCapacity: vBase + chromaWidth * chromaHeight) { out, initialized in
            source.withUnsafeBufferPointer { input in
                for y in 0..<height {
                    for x in 0..<width {
                        let s = (y * width + x) * bpp
                        out[y * width + x] = luma(Int(input[s + layout.red]), Int(input[s + layout.green]),
                                                  Int(input[s + layout.blue]))
                    }
                }
                for cy in 0..<chromaHeight {
                    for cx in 0..<chromaWidth {
                        var r = 0, g = 0, b = 0, n = 0
                        for y in (2 * cy)..<min(2 * cy + 2, height) {
                            for x in (2 * cx)..<min(2 * cx + 2, width) {
                                let s = (y * width + x) * bpp
                                r += Int(input[s + layout.red])
                                g += Int(input[s + layout.green])
                                b += Int(input[s + layout.blue])
                                n += 1
                            }
                        }
                        let (u, v) = chroma((r + n / 2) / n, (g + n / 2) / n, (b + n / 2) / n)
                        out[uBase + cy * chromaWidth + cx] = u
                        out[vBase + cy * chromaWidth + cx] = v
                    }
                }
            }
            initialized = vBase + chromaWidth * chromaHeight
        }
    }

    static func i420ToPacked(_ source: [UInt8], width: Int, height: Int, layout: PackedPixelLayout) -> [UInt8] {
        let chromaWidth = (width + 1) / 2
        let chromaHeight = (height + 1) / 2
        let uBase = width * height
        let vBase = uBase + chromaWidth * chromaHeight
        let bpp = layout.bytesPerPixel
        return [UInt8](unsafeUninitializedCapacity: width * height * bpp) { out, initialized in
            source.withUnsafeBufferPointer { input in
                for y in 0..<height {
                    let chromaRow = (y >> 1) * chromaWidth
                    for x in 0..<width {
                        let c = 298 * (Int(input[y * width + x]) - 16)
                        let d = Int(input[uBase + chromaRow + (x >> 1)]) - 128
                        let e = Int(input[vBase + chromaRow + (x >> 1)]) - 128
                        let o = (y * width + x) * bpp
                        out[o + layout.red] = clampByte((c + 409 * e + 128) >> 8)
                        out[o + layout.green] = clampByte((c - 100 * d - 208 * e + 128) >> 8)
                        out[o + layout.blue] = clampByte((c + 516 * d + 128) >> 8)
                        if let alpha = layout.alpha { out[o + alpha] = 255 }
                    }
                }
            }
            initialized = width * height * bpp
        }
    }

    static func i420ToNV12(_ source: [UInt8], width: Int, height: Int) -> [UInt8] {
        let chroma = ((width + 1) / 2) * ((height + 1) / 2)
        let luma = width * height
        var out = [UInt8](source[0..<luma])
        out.reserveCapacity(luma + 2 * chroma)
        for index in 0..<chroma {
            out.append(source[luma + index])
            out.append(source[luma + chroma + index])
        }
        return out
    }

    static func nv12ToI420(_ source: [UInt8], width: Int, height: Int) -> [UInt8] {
        let chroma = ((width + 1) / 2) * ((height + 1) / 2)
        let luma = width * height
        var out = source
        for index in 0..<chroma {
            out[luma + index] = source[luma + 2 * index]
            out[luma + chroma + index] = source[luma + 2 * index + 1]
        }
        return out
    }
}
