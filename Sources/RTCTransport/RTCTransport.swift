// RTCTransport: ICE, TURN, DTLS transport, SRTP sessions, SCTP association and UDP sockets (DESIGN.md).
