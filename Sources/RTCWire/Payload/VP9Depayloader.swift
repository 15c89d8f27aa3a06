public import NIOCore

/// Reassembles VP9 frames from RTP payloads (RFC 9628 §4).
public enum VP9Depayloader {
    /// The encoded frame carried by `payloads` (one frame's payloads in sequence order): the payloads without
    /// their descriptors, concatenated.
    /// - Throws: ``WireError/Code/truncated`` for a payload shorter than its descriptor or no payloads,
    ///   ``WireError/Code/malformed`` unless B is set exactly on the first payload and E exactly on the last
    ///   (RFC 9628 §4.2), when the picture IDs differ, or for an empty frame.
    public static func frame(from payloads: [ByteBuffer]) throws(WireError) -> [UInt8] {
        guard !payloads.isEmpty else {
            throw WireError(.vp9, .truncated, "no payloads")
        }
        var total = 0
        for payload in payloads { total += payload.readableBytes }
        var frame: [UInt8] = []
        frame.reserveCapacity(total)
        var pictureID: UInt16?
        let lastIndex = payloads.count - 1
        for (index, payload) in payloads.enumerated() {
            var body = payload
            let descriptor = try VP9PayloadDescriptor(parsing: &body)
            guard descriptor.isStartOfFrame == (index == 0) else {
                throw WireError(.vp9, .malformed, index == 0 ? "first payload without B" : "payload \(index) with B")
            }
            guard descriptor.isEndOfFrame == (index == lastIndex) else {
                throw WireError(.vp9, .malformed, index == lastIndex ? "last payload without E" : "payload \(index) with E")
            }
            if index == 0 {
                pictureID = descriptor.pictureID
            } else if descriptor.pictureID != pictureID {
                throw WireError(.vp9, .malformed, "payload \(index) has another picture ID")
            }
            frame.append(contentsOf: body.readableBytesView)
        }
        guard !frame.isEmpty else {
            throw WireError(.vp9, .malformed, "empty frame")
        }
        return frame
    }

    /// Whether this payload starts a frame (B set). False for anything that does not parse.
    public static func isFrameStart(payload: ByteBuffer) -> Bool {
        var body = payload
        return (try? VP9PayloadDescriptor(parsing: &body))?.isStartOfFrame ?? false
    }

    /// Whether this payload starts a key frame: B set, P clear, and spatial layer 0 when layer indices are
    /// present (RFC 9628 §4.2). False for anything that does not parse.
    public static func isKeyframe(payload: ByteBuffer) -> Bool {
        var body = payload
        guard let descriptor = try? VP9PayloadDescriptor(parsing: &body) else { return false }
        return descriptor.isStartOfFrame && !descriptor.isInterPicturePredicted
            && (descriptor.layerIndices?.spatialID ?? 0) == 0
    }
}
