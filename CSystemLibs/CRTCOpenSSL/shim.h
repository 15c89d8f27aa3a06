// CRTCOpenSSL — OpenSSL 3 for AsyncRTC. Only RTCCrypto imports this module (DESIGN.md).
// Deprecated API is compiled out so it cannot creep in; OpenSSL older than 3.0 is refused at build time.
#ifndef CRTC_OPENSSL_SHIM_H
#define CRTC_OPENSSL_SHIM_H

#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED 1

#include <openssl/opensslv.h>
#if OPENSSL_VERSION_NUMBER < 0x30000000L
#error "AsyncRTC needs OpenSSL 3.0 or newer (Debian/Ubuntu: apt-get install libssl-dev; macOS: brew install openssl@3)"
#endif

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/srtp.h>

// Function-like macros are not importable into Swift; these wrappers carry the module prefix.

static inline long CRTCOpenSSL_BIO_get_mem_data(BIO *bio, char **pp) { return BIO_get_mem_data(bio, pp); }
static inline long CRTCOpenSSL_DTLS_set_link_mtu(SSL *ssl, long mtu) { return DTLS_set_link_mtu(ssl, mtu); }
static inline long CRTCOpenSSL_DTLSv1_get_timeout(SSL *ssl, struct timeval *tv) { return DTLSv1_get_timeout(ssl, tv); }
static inline long CRTCOpenSSL_DTLSv1_handle_timeout(SSL *ssl) { return DTLSv1_handle_timeout(ssl); }
static inline long CRTCOpenSSL_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) { return SSL_CTX_set1_groups_list(ctx, list); }
static inline long CRTCOpenSSL_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int v) { return SSL_CTX_set_min_proto_version(ctx, v); }
static inline long CRTCOpenSSL_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int v) { return SSL_CTX_set_max_proto_version(ctx, v); }
static inline long CRTCOpenSSL_SSL_set_mtu(SSL *ssl, long mtu) { return SSL_set_mtu(ssl, mtu); }
static inline long CRTCOpenSSL_SSL_CTX_set_read_ahead(SSL_CTX *ctx, long yes) { return SSL_CTX_set_read_ahead(ctx, yes); }
static inline long CRTCOpenSSL_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_session_cache_mode(ctx, mode); }

// Option and flag values built with function-like macros (SSL_OP_BIT, BIO_FLAGS_RWS) do not import either.

/// The SSL_CTX options of AsyncRTC's DTLS endpoints: the link MTU is set by hand (no kernel MTU queries through the
/// BIO), no renegotiation, no session tickets, no compression, the server's cipher order wins.
static inline uint64_t CRTCOpenSSL_DTLS_options(void) {
    return SSL_OP_NO_QUERY_MTU | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION
        | SSL_OP_CIPHER_SERVER_PREFERENCE;
}
static inline void CRTCOpenSSL_BIO_set_retry_read(BIO *bio) { BIO_set_retry_read(bio); }
static inline void CRTCOpenSSL_BIO_clear_retry_flags(BIO *bio) { BIO_clear_retry_flags(bio); }
static inline int CRTCOpenSSL_MBSTRING_ASC(void) { return MBSTRING_ASC; }

/// Time left on the DTLS retransmission timer in microseconds (0 when it has expired), or -1 when no timer runs.
static inline long long CRTCOpenSSL_DTLSv1_get_timeout_us(SSL *ssl) {
    struct timeval tv = {0, 0};
    if (DTLSv1_get_timeout(ssl, &tv) != 1) return -1;
    return (long long)tv.tv_sec * 1000000LL + (long long)tv.tv_usec;
}

#endif
