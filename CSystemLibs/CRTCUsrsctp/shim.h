// CRTCUsrsctp — usrsctp (SCTP in user space, AF_CONN mode) for AsyncRTC. Only RTCTransport imports this module.
#ifndef CRTC_USRSCTP_SHIM_H
#define CRTC_USRSCTP_SHIM_H
#ifndef INET
#define INET 1
#endif
#ifndef INET6
#define INET6 1
#endif
#include <usrsctp.h>
#endif
