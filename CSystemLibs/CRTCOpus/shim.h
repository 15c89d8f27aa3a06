// CRTCOpus — libopus for AsyncRTC. Only RTCMedia imports this module.
// opus_encoder_ctl / opus_decoder_ctl are variadic and OPUS_SET_* are macros: wrap each request used.
#ifndef CRTC_OPUS_SHIM_H
#define CRTC_OPUS_SHIM_H
#include <opus/opus.h>

// Encoder requests (RFC 6716 §2.1 describes what they steer; opus_defines.h lists the ranges).
static inline int CRTCOpus_setBitrate(OpusEncoder *enc, opus_int32 bps) { return opus_encoder_ctl(enc, OPUS_SET_BITRATE(bps)); }
static inline int CRTCOpus_getBitrate(OpusEncoder *enc, opus_int32 *bps) { return opus_encoder_ctl(enc, OPUS_GET_BITRATE(bps)); }
static inline int CRTCOpus_setComplexity(OpusEncoder *enc, opus_int32 c) { return opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(c)); }
static inline int CRTCOpus_setInbandFEC(OpusEncoder *enc, opus_int32 on) { return opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(on)); }
static inline int CRTCOpus_setPacketLossPercent(OpusEncoder *enc, opus_int32 p) { return opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(p)); }
static inline int CRTCOpus_setDTX(OpusEncoder *enc, opus_int32 on) { return opus_encoder_ctl(enc, OPUS_SET_DTX(on)); }
static inline int CRTCOpus_setVBR(OpusEncoder *enc, opus_int32 on) { return opus_encoder_ctl(enc, OPUS_SET_VBR(on)); }
static inline int CRTCOpus_getLookahead(OpusEncoder *enc, opus_int32 *samples) { return opus_encoder_ctl(enc, OPUS_GET_LOOKAHEAD(samples)); }
static inline int CRTCOpus_resetEncoder(OpusEncoder *enc) { return opus_encoder_ctl(enc, OPUS_RESET_STATE); }

// Decoder requests.
static inline int CRTCOpus_resetDecoder(OpusDecoder *dec) { return opus_decoder_ctl(dec, OPUS_RESET_STATE); }
static inline int CRTCOpus_getLastPacketDuration(OpusDecoder *dec, opus_int32 *samples) { return opus_decoder_ctl(dec, OPUS_GET_LAST_PACKET_DURATION(samples)); }

// Constants that are macros (imported anyway, but named here so Swift code reads one vocabulary).
static const int CRTCOpus_applicationVOIP = OPUS_APPLICATION_VOIP;
static const int CRTCOpus_applicationAudio = OPUS_APPLICATION_AUDIO;
static const int CRTCOpus_applicationRestrictedLowDelay = OPUS_APPLICATION_RESTRICTED_LOWDELAY;
static const int CRTCOpus_bitrateAuto = OPUS_AUTO;
static const int CRTCOpus_bitrateMax = OPUS_BITRATE_MAX;
#endif
