// CRTCVPX — libvpx (VP8/VP9) for AsyncRTC. Only RTCMedia imports this module.
// vpx_codec_enc_init / vpx_codec_dec_init are macros and vpx_codec_control_ is variadic: wrap what is used.
#ifndef CRTC_VPX_SHIM_H
#define CRTC_VPX_SHIM_H
#include <stdint.h>
#include <string.h>
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

// Control ids are enum values; naming them here keeps the Swift side free of libvpx's enum spelling.
static const int CRTCVPX_VP8E_SET_CPUUSED = VP8E_SET_CPUUSED;
static const int CRTCVPX_VP8E_SET_STATIC_THRESHOLD = VP8E_SET_STATIC_THRESHOLD;
static const int CRTCVPX_VP8E_SET_NOISE_SENSITIVITY = VP8E_SET_NOISE_SENSITIVITY;
static const int CRTCVPX_VP8E_SET_TOKEN_PARTITIONS = VP8E_SET_TOKEN_PARTITIONS;
static const int CRTCVPX_VP8E_SET_MAX_INTRA_BITRATE_PCT = VP8E_SET_MAX_INTRA_BITRATE_PCT;
static const int CRTCVPX_VP9E_SET_TILE_COLUMNS = VP9E_SET_TILE_COLUMNS;
static const int CRTCVPX_VP9E_SET_ROW_MT = VP9E_SET_ROW_MT;
static const int CRTCVPX_VP9E_SET_AQ_MODE = VP9E_SET_AQ_MODE;
static const int CRTCVPX_VP9E_SET_NOISE_SENSITIVITY = VP9E_SET_NOISE_SENSITIVITY;
static const int CRTCVPX_VP9E_SET_FRAME_PARALLEL_DECODING = VP9E_SET_FRAME_PARALLEL_DECODING;

static const long CRTCVPX_flagForceKeyframe = VPX_EFLAG_FORCE_KF;
static const unsigned long CRTCVPX_deadlineRealtime = VPX_DL_REALTIME;

/// Points `img` at caller-owned I420 planes with explicit strides (vpx_img_wrap alone derives chroma strides
/// by shifting, which is wrong for odd widths). Returns 0, or -1 if libvpx refused the geometry.
static inline int CRTCVPX_wrapI420(vpx_image_t *img, unsigned int width, unsigned int height,
                                   uint8_t *y, int strideY, uint8_t *u, int strideU, uint8_t *v, int strideV) {
    if (vpx_img_wrap(img, VPX_IMG_FMT_I420, width, height, 1, y) == NULL) return -1;
    img->planes[VPX_PLANE_Y] = y; img->stride[VPX_PLANE_Y] = strideY;
    img->planes[VPX_PLANE_U] = u; img->stride[VPX_PLANE_U] = strideU;
    img->planes[VPX_PLANE_V] = v; img->stride[VPX_PLANE_V] = strideV;
    return 0;
}

/// One compressed frame out of vpx_codec_get_cx_data, with the union unpacked. Returns 1 when a frame was
/// produced, 0 when the iteration is over; packets that are not frames (stats, PSNR) are skipped.
static inline int CRTCVPX_nextFrame(vpx_codec_ctx_t *ctx, vpx_codec_iter_t *iter,
                                    const uint8_t **data, size_t *size, int64_t *pts, unsigned long *duration,
                                    int *isKeyframe) {
    const vpx_codec_cx_pkt_t *pkt;
    while ((pkt = vpx_codec_get_cx_data(ctx, iter)) != NULL) {
        if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) continue;
        *data = (const uint8_t *)pkt->data.frame.buf;
        *size = pkt->data.frame.sz;
        *pts = pkt->data.frame.pts;
        *duration = pkt->data.frame.duration;
        *isKeyframe = (pkt->data.frame.flags & VPX_FRAME_IS_KEY) != 0;
        return 1;
    }
    return 0;
}

/// Whether a decoded image is 8-bit 4:2:0 (the only layout AsyncRTC hands on).
static inline int CRTCVPX_isI420(const vpx_image_t *img) {
    return img->fmt == VPX_IMG_FMT_I420 || img->fmt == VPX_IMG_FMT_YV12;
}
/// Plane pointers and strides in Y, U, V order (libvpx already points planes[U] at U for the flipped YV12).
static inline const uint8_t *CRTCVPX_plane(const vpx_image_t *img, int plane) { return img->planes[plane]; }
static inline int CRTCVPX_stride(const vpx_image_t *img, int plane) { return img->stride[plane]; }
#endif
