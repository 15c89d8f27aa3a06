internal import CRTCOpenSSL

/// The one `SSL_CTX` every ``DTLSEngine`` in the process is made from.
///
/// Building a context in OpenSSL 3 fetches the method, cipher and group implementations from the providers and
/// parses the cipher list: about half a millisecond of CPU and tens of kilobytes per context, which a context per
/// connection paid on every setup. Everything that differs between connections (certificate, key, SRTP profiles,
/// MTU, role, BIO and callback state) is set on the `SSL` instead, so one context serves all.
final class DTLSContext: @unchecked Sendable {
    // @unchecked Sendable: `pointer` is fully configured in `init` before the value is published (a `static let`,
    // initialised once under Swift's lazy-global lock) and never mutated afterwards. OpenSSL documents `SSL_new` on
    // a shared, unchanging `SSL_CTX` as safe from any thread (its reference count is atomic), and the session cache,
    // the one piece of shared mutable state a context could have, is switched off here.
    let pointer: OpaquePointer

    /// The process-wide context, or the error that prevented building it.
    static let shared: Result<DTLSContext, CryptoError> = Result { () throws(CryptoError) in try DTLSContext() }

    private init() throws(CryptoError) {
        OpenSSLErrorQueue.clear()
        guard let context = SSL_CTX_new(DTLS_method()) else {
            throw OpenSSLErrorQueue.error(.openSSL, "SSL_CTX_new(DTLS_method()) failed")
        }
        guard CRTCOpenSSL_SSL_CTX_set_min_proto_version(context, DTLS1_2_VERSION) == 1,
              CRTCOpenSSL_SSL_CTX_set_max_proto_version(context, DTLS1_2_VERSION) == 1 else {
            SSL_CTX_free(context)
            throw OpenSSLErrorQueue.error(.openSSL, "could not restrict the context to DTLS 1.2")
        }
        _ = SSL_CTX_set_options(context, CRTCOpenSSL_DTLS_options())
        _ = CRTCOpenSSL_SSL_CTX_set_session_cache_mode(context, Int(SSL_SESS_CACHE_OFF))
        guard SSL_CTX_set_cipher_list(context, DTLSEngine.Configuration.cipherList) == 1,
              CRTCOpenSSL_SSL_CTX_set1_groups_list(context, DTLSEngine.Configuration.groups) == 1 else {
            SSL_CTX_free(context)
            throw OpenSSLErrorQueue.error(.openSSL, "could not set the ECDHE cipher suites or groups")
        }
        // Both roles demand the peer's certificate; trust comes from the fingerprint alone (DTLSEngine's callback).
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, DTLSEngine.verifyCallback)
        pointer = context
    }

    deinit {
        SSL_CTX_free(pointer)
    }
}
