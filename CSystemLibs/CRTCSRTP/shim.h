// CRTCSRTP — libsrtp2 for AsyncRTC. Only RTCTransport imports this module.
#ifndef CRTC_SRTP_SHIM_H
#define CRTC_SRTP_SHIM_H
#include <srtp2/srtp.h>

// Function-like and compound macros are not importable into Swift; these wrappers carry the module prefix.

/// The most srtp_protect / srtp_protect_rtcp may write past the end of the packet (tag, SRTCP index, MKI).
static inline int CRTCSRTP_max_trailer_length(void) { return SRTP_MAX_TRAILER_LEN; }

/// AES-CM-128 with HMAC-SHA1-80 (srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 is a macro).
static inline void CRTCSRTP_policy_set_aes_cm_128_hmac_sha1_80(srtp_crypto_policy_t *p) {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(p);
}
#endif
