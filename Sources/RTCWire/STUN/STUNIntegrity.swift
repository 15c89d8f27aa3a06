/// The credential a message is protected with: the HMAC key and which integrity attribute to add
/// (RFC 8489 §9).
///
/// - Short-term credentials (ICE connectivity checks, RFC 8489 §9.1.1): the key is the password, processed with
///   the OpaqueString profile (RFC 8265). ``shortTerm(password:algorithm:)`` uses the password's UTF-8 bytes as
///   given; ICE passwords are ASCII, so no processing is needed there.
/// - Long-term credentials (TURN, RFC 8489 §9.2.2): the key is `MD5(username ":" realm ":" password)` for
///   MESSAGE-INTEGRITY, or SHA-256 of the same string when PASSWORD-ALGORITHM selects SHA-256. RTCWire has no
///   hash functions: pass the digest in to ``longTermKey(username:realm:password:md5:)`` or compute the key
///   yourself and use ``longTerm(key:algorithm:)``. Username and password are taken as given (apply OpaqueString
///   or SASLprep first if they are not plain ASCII).
public struct STUNIntegrity: Hashable, Sendable {
    /// Which integrity attribute to add.
    public enum Algorithm: Hashable, Sendable {
        /// MESSAGE-INTEGRITY, HMAC-SHA1, 20 bytes (RFC 8489 §14.5).
        case sha1
        /// MESSAGE-INTEGRITY-SHA256, HMAC-SHA256, 32 bytes (RFC 8489 §14.6).
        case sha256

        public var attributeType: STUNAttributeType {
            self == .sha1 ? .messageIntegrity : .messageIntegritySHA256
        }
    }

    public var key: [UInt8]
    public var algorithm: Algorithm

    public init(key: [UInt8], algorithm: Algorithm = .sha1) {
        self.key = key
        self.algorithm = algorithm
    }

    /// Short-term credential: the key is the password's UTF-8 bytes (RFC 8489 §9.1.1).
    public static func shortTerm(password: String, algorithm: Algorithm = .sha1) -> STUNIntegrity {
        STUNIntegrity(key: Array(password.utf8), algorithm: algorithm)
    }

    /// Long-term credential with a key computed beforehand (RFC 8489 §9.2.2).
    public static func longTerm(key: [UInt8], algorithm: Algorithm = .sha1) -> STUNIntegrity {
        STUNIntegrity(key: key, algorithm: algorithm)
    }

    /// The long-term key `MD5(username ":" realm ":" password)` (RFC 8489 §9.2.2), with MD5 supplied by the
    /// caller. For PASSWORD-ALGORITHM SHA-256 pass a SHA-256 function instead.
    public static func longTermKey(username: String, realm: String, password: String,
                                   md5: ([UInt8]) -> [UInt8]) -> [UInt8] {
        md5(Array("\(username):\(realm):\(password)".utf8))
    }
}
