/// The DTLS-SRTP protection profiles AsyncRTC negotiates in the `use_srtp` extension (RFC 5764 §4.1.2) and keys
/// libsrtp with. Values are the IANA "DTLS-SRTP Protection Profiles" code points.
public enum SRTPProtectionProfile: UInt16, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// AES-128 in counter mode with an 80-bit HMAC-SHA1 tag (RFC 5764 §4.1.2); every WebRTC endpoint supports it.
    case aes128CmHmacSha1_80 = 0x0001
    /// AEAD AES-128-GCM with a 16-byte tag (RFC 7714 §14.2).
    case aeadAes128Gcm = 0x0007
    /// AEAD AES-256-GCM with a 16-byte tag (RFC 7714 §14.2).
    case aeadAes256Gcm = 0x0008

    /// The profile's name in OpenSSL's `use_srtp` list and in RFC 5764 / RFC 7714.
    public var name: String {
        switch self {
        case .aes128CmHmacSha1_80: "SRTP_AES128_CM_SHA1_80"
        case .aeadAes128Gcm: "SRTP_AEAD_AES_128_GCM"
        case .aeadAes256Gcm: "SRTP_AEAD_AES_256_GCM"
        }
    }

    public var description: String { name }

    /// Master key length in bytes.
    public var keyLength: Int {
        switch self {
        case .aes128CmHmacSha1_80, .aeadAes128Gcm: 16
        case .aeadAes256Gcm: 32
        }
    }

    /// Master salt length in bytes: 14 for AES-CM (RFC 3711 §8.2), 12 for AEAD (RFC 7714 §12).
    public var saltLength: Int {
        switch self {
        case .aes128CmHmacSha1_80: 14
        case .aeadAes128Gcm, .aeadAes256Gcm: 12
        }
    }

    /// Bytes SRTP appends to an RTP packet: the authentication tag (10 for HMAC-SHA1-80, 16 for GCM).
    public var rtpOverhead: Int {
        switch self {
        case .aes128CmHmacSha1_80: 10
        case .aeadAes128Gcm, .aeadAes256Gcm: 16
        }
    }

    /// Bytes SRTCP appends to an RTCP packet: the 4-byte E-flag/index word and the tag (RFC 3711 §3.4).
    public var rtcpOverhead: Int { 4 + rtpOverhead }

    /// The profiles offered in the DTLS handshake, most preferred first.
    public static let preferenceOrder: [SRTPProtectionProfile] = [.aeadAes256Gcm, .aeadAes128Gcm, .aes128CmHmacSha1_80]
}
