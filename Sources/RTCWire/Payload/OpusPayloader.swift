public import NIOCore

/// Opus RTP payloads (RFC 7587 §4.2): one Opus packet per RTP payload, carried as it is.
public enum OpusPayloader {
    /// The payload for one encoded Opus packet: the packet itself.
    public static func payload(for frame: [UInt8]) -> [UInt8] { frame }
}

/// Opus RTP payloads (RFC 7587 §4.2) back to Opus packets.
public enum OpusDepayloader {
    /// The Opus packet in `payload`: the payload itself.
    public static func frame(from payload: ByteBuffer) -> [UInt8] { Array(payload.readableBytesView) }
}
