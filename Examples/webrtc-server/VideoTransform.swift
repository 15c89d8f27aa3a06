import AsyncRTC
import Foundation

/// What the server does to each decoded frame before encoding it back, aiortc's server example's
/// `video_transform` (there done with OpenCV; here in Swift, on the I420 planes).
enum VideoTransform: String, CaseIterable, Sendable {
    case none, edges, rotate, grayscale

    /// The transformed picture (always `yuv420p`, same size). `index` counts frames (rotate turns with it).
    func apply(_ input: VideoFrame, index: Int) -> VideoFrame {
        guard self != .none else { return input }
        var frame = input.format == .yuv420p ? input : input.converted(to: .yuv420p)
        let planes = frame.planes
        switch self {
        case .none:
            break
        case .grayscale:
            Self.neutralChroma(&frame, planes)
        case .edges:
            Self.edges(&frame, planes[0])
            Self.neutralChroma(&frame, planes)
        case .rotate:
            let angle = Double(index % 360) * Double.pi / 180 * 3
            for plane in planes { Self.rotate(&frame, plane, angle: angle) }
        }
        frame.pts = input.pts
        frame.timeBase = input.timeBase
        return frame
    }

    /// U and V at 128: no colour.
    private static func neutralChroma(_ frame: inout VideoFrame, _ planes: [VideoFrame.Plane]) {
        frame.data.withUnsafeMutableBufferPointer { data in
            for plane in planes.dropFirst() {
                for i in plane.range { data[i] = 128 }
            }
        }
    }

    /// A Sobel gradient magnitude of the luma plane (white edges on black).
    private static func edges(_ frame: inout VideoFrame, _ luma: VideoFrame.Plane) {
        let source = Array(frame.data[luma.range])
        let width = luma.width, height = luma.height, stride = luma.lineSize
        guard width >= 3, height >= 3 else { return }
        frame.data.withUnsafeMutableBufferPointer { out in
            source.withUnsafeBufferPointer { src in
                for y in 0..<height {
                    for x in 0..<width {
                        let o = luma.offset + y * stride + x
                        guard y > 0, y < height - 1, x > 0, x < width - 1 else { out[o] = 0; continue }
                        let i = y * stride + x
                        let a = Int(src[i - stride - 1]), b = Int(src[i - stride]), c = Int(src[i - stride + 1])
                        let d = Int(src[i - 1]), f = Int(src[i + 1])
                        let g = Int(src[i + stride - 1]), h = Int(src[i + stride]), k = Int(src[i + stride + 1])
                        let gx = (c + 2 * f + k) - (a + 2 * d + g)
                        let gy = (g + 2 * h + k) - (a + 2 * b + c)
                        out[o] = UInt8(min(255, (abs(gx) + abs(gy)) / 2))
                    }
                }
            }
        }
    }

    /// Turns one plane by `angle` around its centre (nearest neighbour; corners outside the picture turn black
    /// for luma, neutral for chroma).
    private static func rotate(_ frame: inout VideoFrame, _ plane: VideoFrame.Plane, angle: Double) {
        let source = Array(frame.data[plane.range])
        let width = plane.width, height = plane.height, stride = plane.lineSize
        let fill: UInt8 = plane.offset == 0 ? 16 : 128
        let cosA = cos(angle), sinA = sin(angle)
        let cx = Double(width) / 2, cy = Double(height) / 2
        frame.data.withUnsafeMutableBufferPointer { out in
            source.withUnsafeBufferPointer { src in
                for y in 0..<height {
                    let dy = Double(y) - cy
                    for x in 0..<width {
                        let dx = Double(x) - cx
                        let sx = Int(cosA * dx + sinA * dy + cx)
                        let sy = Int(-sinA * dx + cosA * dy + cy)
                        let o = plane.offset + y * stride + x
                        out[o] = (0..<width).contains(sx) && (0..<height).contains(sy) ? src[sy * stride + sx] : fill
                    }
                }
            }
        }
    }
}
