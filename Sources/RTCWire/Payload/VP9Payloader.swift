import NIOCore

/// Splits encoded VP9 frames into RTP payloads (RFC 9628 §4), in non-flexible mode without layer indices (one
/// spatial and one temporal layer).
///
/// Each payload starts with a descriptor with I and M set (a 15-bit picture ID that grows by one per frame), B
/// on the first payload of the frame, E on the last, P on inter frames; the first payload of a key frame also
/// carries the scalability structure (V) with the frame size and a one-picture group (RFC 9628 §4.2.1).
public struct VP9Payloader: Sendable {
    /// The picture ID of the next frame (15 bits).
    public private(set) var pictureID: UInt16

    /// Descriptor bytes on every payload (without the scalability structure).
    public static let descriptorSize = 3

    public init(pictureID: UInt16 = UInt16.random(in: 0...0x7FFF)) {
        self.pictureID = pictureID & 0x7FFF
    }

    /// The RTP payloads carrying `frame`, each at most `maxPayloadSize` bytes (at least one frame byte each).
    /// Whether the frame is a key frame and its size are read from its uncompressed header
    /// (``VP9FrameHeader``); a frame whose header cannot be read is sent as an inter frame. An empty frame gives
    /// no payloads. Advances the picture ID.
    public mutating func payloads(for frame: [UInt8], maxPayloadSize: Int) -> [[UInt8]] {
        let header = VP9FrameHeader(parsing: frame) ?? VP9FrameHeader(isKeyframe: false)
        var resolution: VP9ScalabilityStructure.Resolution?
        if let width = header.width, let height = header.height, width <= 0xFFFF, height <= 0xFFFF {
            resolution = .init(width: UInt16(width), height: UInt16(height))
        }
        return payloads(for: frame, maxPayloadSize: maxPayloadSize, isKeyframe: header.isKeyframe,
                        resolution: resolution)
    }

    /// The RTP payloads carrying `frame`, with the key frame flag and resolution given by the caller (the
    /// scalability structure goes on the first payload of a key frame; it has the resolution when one is given).
    public mutating func payloads(for frame: [UInt8], maxPayloadSize: Int, isKeyframe: Bool,
                                  resolution: VP9ScalabilityStructure.Resolution?) -> [[UInt8]] {
        guard !frame.isEmpty else { return [] }
        let id = pictureID
        pictureID = (pictureID &+ 1) & 0x7FFF
        var ssBytes: [UInt8] = []
        if isKeyframe {
            // One spatial layer; the picture group is one picture referencing the previous one (RFC 9628 §4.2.1).
            let ss = VP9ScalabilityStructure(
                spatialLayerCount: 1, resolutions: resolution.map { [$0] } ?? [],
                pictureGroup: [.init(temporalID: 0, switchingUpPoint: false, referenceDiffs: [1])])
            var buffer = ByteBuffer()
            ss.write(to: &buffer)
            ssBytes = Array(buffer.readableBytesView)
        }
        // Balance over the frame plus the first payload's extra SS bytes; when the SS leaves no room in the first
        // payload, it carries one frame byte and the rest is balanced over the others.
        let capacity = max(1, maxPayloadSize - Self.descriptorSize)
        var sizes = balancedChunkSizes(total: frame.count + ssBytes.count, capacity: capacity)
        if sizes[0] - ssBytes.count >= 1 {
            sizes[0] -= ssBytes.count
        } else {
            sizes = [1] + balancedChunkSizes(total: frame.count - 1, capacity: capacity)
        }
        var out: [[UInt8]] = []
        out.reserveCapacity(sizes.count)
        var offset = 0
        for (index, size) in sizes.enumerated() {
            var first: UInt8 = 0x80  // I
            if !isKeyframe { first |= 0x40 }  // P
            if index == 0 { first |= 0x08 }  // B
            if index == sizes.count - 1 { first |= 0x04 }  // E
            if index == 0 && isKeyframe { first |= 0x02 }  // V
            var payload: [UInt8] = []
            payload.reserveCapacity(Self.descriptorSize + (index == 0 ? ssBytes.count : 0) + size)
            payload.append(first)
            payload.append(UInt8(0x80 | id >> 8))
            payload.append(UInt8(truncatingIfNeeded: id))
            if index == 0 { payload.append(contentsOf: ssBytes) }
            payload.append(contentsOf: frame[offset..<offset + size])
            offset += size
            out.append(payload)
        }
        return out
    }

}
