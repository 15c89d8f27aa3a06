internal import CRTCOpenSSL

/// MD5 (RFC 1321) from OpenSSL's default provider.
///
/// MD5 is broken as a collision-resistant hash; it is here only because STUN's long-term credential key is
/// `MD5(username ":" realm ":" password)` (RFC 8489 §9.2.2), which TURN servers still require.
public enum MD5 {
    /// Output length in bytes.
    public static let digestLength = 16

    /// The 16-byte MD5 digest of `message`.
    public static func hash<Message: Collection<UInt8>>(_ message: Message) -> [UInt8] {
        // A trailing pad byte keeps the pointer non-null for an empty message; it is not hashed.
        let message = Array(message) + [0]
        var out = [UInt8](repeating: 0, count: digestLength)
        var length = 0
        let ok = message.withUnsafeBytes { msg in
            out.withUnsafeMutableBytes { o in
                EVP_Q_digest(nil, "MD5", nil, msg.baseAddress, msg.count - 1,
                             o.baseAddress?.assumingMemoryBound(to: UInt8.self), &length) == 1
            }
        }
        precondition(ok && length == digestLength, "OpenSSL EVP_Q_digest failed for MD5")
        return out
    }
}
