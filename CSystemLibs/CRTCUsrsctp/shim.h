// CRTCUsrsctp — usrsctp (SCTP in user space, AF_CONN mode) for AsyncRTC. Only RTCTransport imports this module.
#ifndef CRTC_USRSCTP_SHIM_H
#define CRTC_USRSCTP_SHIM_H
#ifndef INET
#define INET 1
#endif
#ifndef INET6
#define INET6 1
#endif
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <string.h>
#include <errno.h>
#include <sys/socket.h>
#include <usrsctp.h>

// Flags and constants that are macros or enum values of the C library, named once here.
static const int CRTCUsrsctp_MSG_NOTIFICATION = MSG_NOTIFICATION;
static const int CRTCUsrsctp_MSG_EOR = MSG_EOR;
static const int CRTCUsrsctp_EWOULDBLOCK = EWOULDBLOCK;
static const int CRTCUsrsctp_EAGAIN = EAGAIN;
static const int CRTCUsrsctp_EINPROGRESS = EINPROGRESS;
static const int CRTCUsrsctp_AF_CONN = AF_CONN;
static const int CRTCUsrsctp_SOCK_STREAM = SOCK_STREAM;
static const int CRTCUsrsctp_IPPROTO_SCTP = IPPROTO_SCTP;

/// The thread-local errno of the calling thread (usrsctp reports failures through it).
static inline int CRTCUsrsctp_errno(void) { return errno; }

/// An AF_CONN socket address: `addr` is the opaque value registered with usrsctp_register_address, `port` is in
/// host order.
static inline struct sockaddr_conn CRTCUsrsctp_connAddress(void *addr, uint16_t port) {
    struct sockaddr_conn sconn;
    memset(&sconn, 0, sizeof(sconn));
#ifdef HAVE_SCONN_LEN
    sconn.sconn_len = sizeof(sconn);
#endif
    sconn.sconn_family = AF_CONN;
    sconn.sconn_port = htons(port);
    sconn.sconn_addr = addr;
    return sconn;
}

static inline int CRTCUsrsctp_bindConn(struct socket *so, void *addr, uint16_t port) {
    struct sockaddr_conn sconn = CRTCUsrsctp_connAddress(addr, port);
    return usrsctp_bind(so, (struct sockaddr *)&sconn, (socklen_t)sizeof(sconn));
}

static inline int CRTCUsrsctp_connectConn(struct socket *so, void *addr, uint16_t port) {
    struct sockaddr_conn sconn = CRTCUsrsctp_connAddress(addr, port);
    return usrsctp_connect(so, (struct sockaddr *)&sconn, (socklen_t)sizeof(sconn));
}

/// Fixes the path MTU towards the peer and turns path-MTU discovery off (SCTP_PEER_ADDR_PARAMS): every SCTP
/// packet must fit in one DTLS record, whose payload is smaller than the link MTU.
static inline int CRTCUsrsctp_setPathMTU(struct socket *so, void *addr, uint16_t port, uint32_t mtu) {
    struct sctp_paddrparams params;
    memset(&params, 0, sizeof(params));
    struct sockaddr_conn sconn = CRTCUsrsctp_connAddress(addr, port);
    memcpy(&params.spp_address, &sconn, sizeof(sconn));
    params.spp_flags = SPP_PMTUD_DISABLE;
    params.spp_pathmtu = mtu;
    return usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &params, (socklen_t)sizeof(params));
}

/// SO_LINGER with a zero timeout: usrsctp_close then aborts the association at once (ABORT chunk) instead of a
/// SHUTDOWN handshake, which is what a data channel transport wants when it is torn down.
static inline int CRTCUsrsctp_setLingerAbort(struct socket *so) {
    struct linger value;
    value.l_onoff = 1;
    value.l_linger = 0;
    return usrsctp_setsockopt(so, SOL_SOCKET, SO_LINGER, &value, (socklen_t)sizeof(value));
}

/// Subscribes to one notification type on every association of the socket.
static inline int CRTCUsrsctp_subscribe(struct socket *so, uint16_t type) {
    struct sctp_event event;
    memset(&event, 0, sizeof(event));
    event.se_assoc_id = SCTP_ALL_ASSOC;
    event.se_type = type;
    event.se_on = 1;
    return usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_EVENT, &event, (socklen_t)sizeof(event));
}

static inline int CRTCUsrsctp_setIntOption(struct socket *so, int option, int value) {
    return usrsctp_setsockopt(so, IPPROTO_SCTP, option, &value, (socklen_t)sizeof(value));
}

static inline int CRTCUsrsctp_enableStreamReset(struct socket *so) {
    struct sctp_assoc_value value;
    memset(&value, 0, sizeof(value));
    value.assoc_id = SCTP_ALL_ASSOC;
    value.assoc_value = SCTP_ENABLE_RESET_STREAM_REQ | SCTP_ENABLE_CHANGE_ASSOC_REQ;
    return usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &value, (socklen_t)sizeof(value));
}

static inline int CRTCUsrsctp_setInitStreams(struct socket *so, uint16_t outbound, uint16_t inbound) {
    struct sctp_initmsg init;
    memset(&init, 0, sizeof(init));
    init.sinit_num_ostreams = outbound;
    init.sinit_max_instreams = inbound;
    return usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_INITMSG, &init, (socklen_t)sizeof(init));
}

/// Sends one message. `unordered` sets SCTP_UNORDERED; `policy` is SCTP_PR_SCTP_NONE/TTL/RTX with its value
/// (milliseconds or retransmissions) for partial reliability (RFC 3758, RFC 8831 §6.6).
/// Returns the number of bytes queued, or -1 with errno set (EWOULDBLOCK when the send buffer is full).
static inline ssize_t CRTCUsrsctp_send(struct socket *so, const void *data, size_t length, uint16_t stream,
                                       uint32_t ppid, int unordered, uint16_t policy, uint32_t policyValue) {
    struct sctp_sendv_spa spa;
    memset(&spa, 0, sizeof(spa));
    spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
    spa.sendv_sndinfo.snd_sid = stream;
    spa.sendv_sndinfo.snd_ppid = htonl(ppid);
    spa.sendv_sndinfo.snd_flags = unordered ? SCTP_UNORDERED : 0;
    if (policy != SCTP_PR_SCTP_NONE) {
        spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
        spa.sendv_prinfo.pr_policy = policy;
        spa.sendv_prinfo.pr_value = policyValue;
    }
    return usrsctp_sendv(so, data, length, NULL, 0, &spa, (socklen_t)sizeof(spa), SCTP_SENDV_SPA, 0);
}

/// Resets the given outgoing streams (RFC 6525 §5.1.2, how a data channel closes: RFC 8831 §6.7).
static inline int CRTCUsrsctp_resetOutgoingStreams(struct socket *so, const uint16_t *streams, uint16_t count) {
    size_t length = sizeof(struct sctp_reset_streams) + (size_t)count * sizeof(uint16_t);
    struct sctp_reset_streams *reset = (struct sctp_reset_streams *)calloc(1, length);
    if (reset == NULL) { errno = ENOMEM; return -1; }
    reset->srs_assoc_id = SCTP_ALL_ASSOC;
    reset->srs_flags = SCTP_STREAM_RESET_OUTGOING;
    reset->srs_number_streams = count;
    memcpy(reset->srs_stream_list, streams, (size_t)count * sizeof(uint16_t));
    int result = usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_RESET_STREAMS, reset, (socklen_t)length);
    free(reset);
    return result;
}

/// Asks the peer for `outbound` more outgoing streams (RFC 6525 §4.5 Add Outgoing Streams Request). usrsctp
/// reports the outcome as SCTP_STREAM_CHANGE_EVENT; it fails with EALREADY while another reconfiguration request
/// is outstanding.
static inline int CRTCUsrsctp_addOutgoingStreams(struct socket *so, uint16_t outbound) {
    struct sctp_add_streams add;
    memset(&add, 0, sizeof(add));
    add.sas_assoc_id = SCTP_ALL_ASSOC;
    add.sas_outstrms = outbound;
    return usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_ADD_STREAMS, &add, (socklen_t)sizeof(add));
}

static const int CRTCUsrsctp_EALREADY = EALREADY;

/// The association's state (SCTP_CLOSED, SCTP_COOKIE_WAIT, SCTP_ESTABLISHED, ...), or -1.
static inline int CRTCUsrsctp_state(struct socket *so) {
    struct sctp_status status;
    socklen_t length = (socklen_t)sizeof(status);
    memset(&status, 0, sizeof(status));
    if (usrsctp_getsockopt(so, IPPROTO_SCTP, SCTP_STATUS, &status, &length) < 0) return -1;
    return status.sstat_state;
}

// Field offsets of the notification structs, so Swift can read them with bounds-checked raw loads instead of
// dereferencing `union sctp_notification` (which would copy past what usrsctp allocated).
static const size_t CRTCUsrsctp_offsetAssocChangeState = offsetof(struct sctp_assoc_change, sac_state);
static const size_t CRTCUsrsctp_offsetAssocChangeError = offsetof(struct sctp_assoc_change, sac_error);
static const size_t CRTCUsrsctp_offsetAssocChangeOutbound = offsetof(struct sctp_assoc_change, sac_outbound_streams);
static const size_t CRTCUsrsctp_offsetAssocChangeInbound = offsetof(struct sctp_assoc_change, sac_inbound_streams);
static const size_t CRTCUsrsctp_offsetStreamResetList = offsetof(struct sctp_stream_reset_event, strreset_stream_list);
static const size_t CRTCUsrsctp_offsetStreamChangeInbound = offsetof(struct sctp_stream_change_event, strchange_instrms);
static const size_t CRTCUsrsctp_offsetStreamChangeOutbound = offsetof(struct sctp_stream_change_event, strchange_outstrms);
#endif
