internal import CRTCOpenSSL

/// Message authentication codes and digests computed by OpenSSL.
public enum HMAC {
    /// The hash functions RTCCrypto offers for HMAC and digests.
    public enum Algorithm: Sendable {
        case sha1, sha256, sha384, sha512

        var name: String {
            switch self {
            case .sha1: "SHA1"
            case .sha256: "SHA256"
            case .sha384: "SHA384"
            case .sha512: "SHA512"
            }
        }

        /// Output length in bytes.
        public var digestLength: Int {
            switch self {
            case .sha1: 20
            case .sha256: 32
            case .sha384: 48
            case .sha512: 64
            }
        }
    }

    /// HMAC of `message` under `key` (RFC 2104), e.g. STUN MESSAGE-INTEGRITY uses SHA-1 (RFC 8489 §14.5).
    public static func authenticationCode<Key: Collection<UInt8>, Message: Collection<UInt8>>(
        _ algorithm: Algorithm, key: Key, message: Message
    ) -> [UInt8] {
        // OpenSSL wants non-null pointers even for empty inputs: a trailing pad byte guarantees one.
        let key = Array(key) + [0], message = Array(message) + [0]
        var out = [UInt8](repeating: 0, count: algorithm.digestLength)
        var outLength = 0
        let ok = key.withUnsafeBytes { k in
            message.withUnsafeBufferPointer { m in
                out.withUnsafeMutableBufferPointer { o in
                    EVP_Q_mac(nil, "HMAC", nil, algorithm.name, nil, k.baseAddress, k.count - 1,
                              m.baseAddress, m.count - 1, o.baseAddress, o.count, &outLength) != nil
                }
            }
        }
        precondition(ok && outLength == algorithm.digestLength, "OpenSSL EVP_Q_mac failed for \(algorithm.name)")
        return out
    }
}

/// Message digests (SHA family) computed by OpenSSL, e.g. for certificate fingerprints (RFC 8122).
public enum Digest {
    public static func hash<Message: Collection<UInt8>>(_ algorithm: HMAC.Algorithm, _ message: Message) -> [UInt8] {
        let message = Array(message)
        var out = [UInt8](repeating: 0, count: algorithm.digestLength)
        var length: Int = 0
        let ok = message.withUnsafeBytes { msg in
            out.withUnsafeMutableBytes { o in
                EVP_Q_digest(nil, algorithm.name, nil, msg.baseAddress, msg.count,
                             o.baseAddress?.assumingMemoryBound(to: UInt8.self), &length) == 1
            }
        }
        precondition(ok && length == algorithm.digestLength, "OpenSSL EVP_Q_digest failed for \(algorithm.name)")
        return out
    }
}

/// Cryptographically secure random bytes from OpenSSL's DRBG.
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBytes { RAND_bytes($0.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32($0.count)) }
        precondition(ok == 1, "OpenSSL RAND_bytes failed")
        return out
    }

    public static func uint32() -> UInt32 {
        bytes(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    public static func uint64() -> UInt64 {
        bytes(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
