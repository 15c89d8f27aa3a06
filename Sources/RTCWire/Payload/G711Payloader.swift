public import NIOCore

/// G.711 (PCMU, PCMA) RTP payloads (RFC 3551 §4.5.14): the 8-bit samples as they are, one octet per sample.
public enum G711Payloader {
    /// The payload for a block of encoded samples: the samples themselves.
    public static func payload(for frame: [UInt8]) -> [UInt8] { frame }
}

/// G.711 RTP payloads (RFC 3551 §4.5.14) back to encoded samples.
public enum G711Depayloader {
    /// The samples in `payload`: the payload itself.
    public static func frame(from payload: ByteBuffer) -> [UInt8] { Array(payload.readableBytesView) }
}
