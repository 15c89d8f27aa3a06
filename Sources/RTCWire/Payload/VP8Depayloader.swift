public import NIOCore

/// Reassembles VP8 frames from RTP payloads (RFC 7741 §4).
public enum VP8Depayloader {
    /// The encoded frame carried by `payloads` (one frame's payloads in sequence order): the payloads without
    /// their descriptors, concatenated.
    /// - Throws: ``WireError/Code/truncated`` for a payload shorter than its descriptor or no payloads at all,
    ///   ``WireError/Code/malformed`` when the first payload does not start the frame (S clear or PID not 0), a
    ///   later payload claims to start it again, the PictureIDs differ, or the frame is empty.
    public static func frame(from payloads: [ByteBuffer]) throws(WireError) -> [UInt8] {
        guard !payloads.isEmpty else {
            throw WireError(.vp8, .truncated, "no payloads")
        }
        var total = 0
        for payload in payloads { total += payload.readableBytes }
        var frame: [UInt8] = []
        frame.reserveCapacity(total)
        var pictureID: UInt16?
        for (index, payload) in payloads.enumerated() {
            var body = payload
            let descriptor = try VP8PayloadDescriptor(parsing: &body)
            if index == 0 {
                guard descriptor.isStartOfFrame else {
                    throw WireError(.vp8, .malformed, "first payload does not start the frame (S=0 or PID≠0)")
                }
                pictureID = descriptor.pictureID
            } else {
                guard !descriptor.isStartOfFrame else {
                    throw WireError(.vp8, .malformed, "payload \(index) starts a new frame")
                }
                guard descriptor.pictureID == pictureID else {
                    throw WireError(.vp8, .malformed, "payload \(index) has another PictureID")
                }
            }
            frame.append(contentsOf: body.readableBytesView)
        }
        guard !frame.isEmpty else {
            throw WireError(.vp8, .malformed, "empty frame")
        }
        return frame
    }

    /// Whether this payload starts a frame (S set, PID 0). False for anything that does not parse.
    public static func isFrameStart(payload: ByteBuffer) -> Bool {
        var body = payload
        return (try? VP8PayloadDescriptor(parsing: &body))?.isStartOfFrame ?? false
    }

    /// Whether this payload starts a key frame: it starts the frame and the P bit of the VP8 payload header is 0
    /// (RFC 7741 §4.3). False for anything that does not parse.
    public static func isKeyframe(payload: ByteBuffer) -> Bool {
        var body = payload
        guard let descriptor = try? VP8PayloadDescriptor(parsing: &body), descriptor.isStartOfFrame,
              let header = body.readInteger(as: UInt8.self) else {
            return false
        }
        return header & 0x01 == 0
    }
}
