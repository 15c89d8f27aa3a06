internal import CRTCSRTP
import RTCCrypto

/// libsrtp called directly, with the same policy SRTPSession builds: the baseline of benchmark scenario 5.
/// One preallocated buffer, no checks, no Swift wrapper — what a C program would do.
final class RawSRTP {
    private let session: OpaquePointer?

    init(profile: SRTPProtectionProfile, key: [UInt8], salt: [UInt8], outbound: Bool) {
        var policy = srtp_policy_t()
        switch profile {
        case .aes128CmHmacSha1_80:
            CRTCSRTP_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp)
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        case .aeadAes128Gcm:
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp)
        case .aeadAes256Gcm:
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtcp)
        }
        policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound
        policy.window_size = 1024
        var keyAndSalt = key + salt
        var created: OpaquePointer?
        let status = keyAndSalt.withUnsafeMutableBufferPointer { k in
            policy.key = k.baseAddress
            return srtp_create(&created, &policy)
        }
        precondition(status == srtp_err_status_ok)
        session = created
    }

    deinit { srtp_dealloc(session) }

    /// srtp_init, as a C program using libsrtp calls it before anything else. main calls this before the first
    /// SRTPSession, so the library's own srtp_init is the second one in the process (which libsrtp 2.5 answers
    /// with bad_param, and SRTPSession takes as "already initialised").
    static func initialize() {
        precondition(srtp_init() == srtp_err_status_ok)
    }

    static var trailer: Int { Int(CRTCSRTP_max_trailer_length()) }

    /// srtp_protect on `length` bytes at `packet` (which has room for the trailer); returns the new length.
    func protect(_ packet: UnsafeMutableRawPointer, length: Int) -> Int {
        var n = Int32(length)
        let status = srtp_protect(session, packet, &n)
        precondition(status == srtp_err_status_ok)
        return Int(n)
    }

    func unprotect(_ packet: UnsafeMutableRawPointer, length: Int) -> Int {
        var n = Int32(length)
        let status = srtp_unprotect(session, packet, &n)
        precondition(status == srtp_err_status_ok)
        return Int(n)
    }
}
