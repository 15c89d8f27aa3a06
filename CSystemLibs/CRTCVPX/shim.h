// CRTCVPX — libvpx (VP8/VP9) for AsyncRTC. Only RTCMedia imports this module.
// vpx_codec_enc_init / vpx_codec_dec_init are macros and vpx_codec_control_ is variadic: wrap what is used.
#ifndef CRTC_VPX_SHIM_H
#define CRTC_VPX_SHIM_H
#include <vpx/vpx_encoder.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>

static inline vpx_codec_err_t CRTCVPX_encInit(vpx_codec_ctx_t *ctx, vpx_codec_iface_t *iface, const vpx_codec_enc_cfg_t *cfg, vpx_codec_flags_t flags) {
    return vpx_codec_enc_init(ctx, iface, cfg, flags);
}
static inline vpx_codec_err_t CRTCVPX_decInit(vpx_codec_ctx_t *ctx, vpx_codec_iface_t *iface, const vpx_codec_dec_cfg_t *cfg, vpx_codec_flags_t flags) {
    return vpx_codec_dec_init(ctx, iface, cfg, flags);
}
static inline vpx_codec_err_t CRTCVPX_controlInt(vpx_codec_ctx_t *ctx, int id, int value) {
    return vpx_codec_control_(ctx, id, value);
}
#endif
