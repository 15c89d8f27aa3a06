/// Splits encoded VP8 frames into RTP payloads (RFC 7741 §4).
///
/// Each payload starts with a 4-byte descriptor: X and I set, a 15-bit PictureID (M set) that grows by one per
/// frame, S set on the first payload of the frame and partition index 0 (the frame is sent as one partition run,
/// RFC 7741 §4.4). Payload sizes are balanced so that no packet is much smaller than the others.
public struct VP8Payloader: Sendable {
    /// The PictureID of the next frame (15 bits).
    public private(set) var pictureID: UInt16

    /// Bytes of descriptor in front of each payload.
    public static let descriptorSize = 4

    /// - Parameter pictureID: the first frame's PictureID; random by default (RFC 7741 §4.2 recommends a random
    ///   start).
    public init(pictureID: UInt16 = UInt16.random(in: 0...0x7FFF)) {
        self.pictureID = pictureID & 0x7FFF
    }

    /// The RTP payloads carrying `frame`, each at most `maxPayloadSize` bytes (at least one frame byte per payload
    /// when `maxPayloadSize` is smaller than the descriptor). An empty frame gives no payloads. Advances the
    /// PictureID.
    public mutating func payloads(for frame: [UInt8], maxPayloadSize: Int) -> [[UInt8]] {
        guard !frame.isEmpty else { return [] }
        let id = pictureID
        pictureID = (pictureID &+ 1) & 0x7FFF
        let capacity = max(1, maxPayloadSize - Self.descriptorSize)
        let sizes = balancedChunkSizes(total: frame.count, capacity: capacity)
        var out: [[UInt8]] = []
        out.reserveCapacity(sizes.count)
        var offset = 0
        for (index, size) in sizes.enumerated() {
            var payload: [UInt8] = []
            payload.reserveCapacity(Self.descriptorSize + size)
            // X=1, N=0, S on the first payload, PID=0; I=1; M=1 and the 15-bit PictureID.
            payload.append(index == 0 ? 0x90 : 0x80)
            payload.append(0x80)
            payload.append(UInt8(0x80 | id >> 8))
            payload.append(UInt8(truncatingIfNeeded: id))
            payload.append(contentsOf: frame[offset..<offset + size])
            offset += size
            out.append(payload)
        }
        return out
    }
}

/// Sizes of `ceil(total / capacity)` chunks that differ by at most one byte and add up to `total`.
func balancedChunkSizes(total: Int, capacity: Int) -> [Int] {
    guard total > 0 else { return [] }
    let capacity = max(1, capacity)
    let count = (total + capacity - 1) / capacity
    let base = total / count
    let larger = total % count
    return (0..<count).map { $0 < larger ? base + 1 : base }
}
