// CRTCSRTP — libsrtp2 for AsyncRTC. Only RTCTransport imports this module.
#ifndef CRTC_SRTP_SHIM_H
#define CRTC_SRTP_SHIM_H
#include <srtp2/srtp.h>
#endif
