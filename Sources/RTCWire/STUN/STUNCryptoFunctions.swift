/// The cryptographic primitives STUN needs, injected so that RTCWire stays pure Swift without C: RTCCrypto (or a
/// test) supplies them, e.g.
///
/// ```swift
/// let crypto = STUNCryptoFunctions(
///     hmacSHA1: { key, message in HMAC.authenticationCode(.sha1, key: key, message: message) },
///     hmacSHA256: { key, message in HMAC.authenticationCode(.sha256, key: key, message: message) },
///     crc32: { CRC32.checksum($0) })
/// ```
public struct STUNCryptoFunctions: Sendable {
    /// HMAC-SHA1 (RFC 2104) of a message under a key: 20 bytes. For MESSAGE-INTEGRITY (RFC 8489 §14.5).
    public var hmacSHA1: @Sendable (_ key: [UInt8], _ message: [UInt8]) -> [UInt8]
    /// HMAC-SHA256: 32 bytes. For MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6); nil if not offered.
    public var hmacSHA256: (@Sendable (_ key: [UInt8], _ message: [UInt8]) -> [UInt8])?
    /// CRC-32 (ISO-HDLC, as zlib) for FINGERPRINT (RFC 8489 §14.7).
    public var crc32: @Sendable (_ bytes: [UInt8]) -> UInt32

    public init(hmacSHA1: @escaping @Sendable (_ key: [UInt8], _ message: [UInt8]) -> [UInt8],
                hmacSHA256: (@Sendable (_ key: [UInt8], _ message: [UInt8]) -> [UInt8])? = nil,
                crc32: @escaping @Sendable (_ bytes: [UInt8]) -> UInt32) {
        self.hmacSHA1 = hmacSHA1
        self.hmacSHA256 = hmacSHA256
        self.crc32 = crc32
    }
}
