/// One user message received on an SCTP stream (RFC 4960 §6; for data channels RFC 8831 §6.6).
public struct SCTPMessage: Sendable, Hashable {
    /// The stream the message arrived on (the data channel id).
    public var streamID: UInt16
    /// The payload protocol identifier (RFC 8831 §8: 50 DCEP, 51 string, 53 binary, 56/57 empty string/binary).
    public var ppid: UInt32
    /// Whether the sender marked the message unordered.
    public var unordered: Bool
    public var bytes: [UInt8]

    public init(streamID: UInt16, ppid: UInt32, unordered: Bool = false, bytes: [UInt8]) {
        self.streamID = streamID
        self.ppid = ppid
        self.unordered = unordered
        self.bytes = bytes
    }
}

/// How hard the stack tries to deliver a message (partial reliability, RFC 3758; RFC 8831 §6.1).
public enum SCTPReliability: Sendable, Hashable {
    /// Retransmit until delivered.
    case reliable
    /// Give up after this many retransmissions (a data channel's `maxRetransmits`).
    case maxRetransmits(UInt32)
    /// Give up after this many milliseconds (a data channel's `maxPacketLifeTime`).
    case maxLifetime(milliseconds: UInt32)
}

/// What an association reports, in the order it happened.
public enum SCTPEvent: Sendable, Hashable {
    /// The association is up (SCTP_COMM_UP): messages may flow. Carries the negotiated stream counts.
    case established(outboundStreams: UInt16, inboundStreams: UInt16)
    /// The peer restarted the association (SCTP_RESTART).
    case restarted
    /// A complete message arrived.
    case message(SCTPMessage)
    /// Streams were reset (RFC 6525): `incoming` by the peer (a remote data channel closed), `outgoing` on our
    /// request, which completed.
    case streamsReset(incoming: [UInt16], outgoing: [UInt16])
    /// A reset request for these streams was denied or failed.
    case streamResetFailed([UInt16])
    /// The stream counts changed (RFC 6525 §5.2.5/§5.2.6): our request to add outgoing streams was performed, or
    /// the peer added its outgoing streams (our inbound ones). Carries the counts now in effect.
    case streamsChanged(outboundStreams: UInt16, inboundStreams: UInt16)
    /// Our request to add outgoing streams was denied or failed; the counts stay as they were.
    case streamChangeFailed(outboundStreams: UInt16, inboundStreams: UInt16)
    /// Everything queued has been sent and acknowledged (SCTP_SENDER_DRY_EVENT).
    case senderDry
    /// The send buffer has room again (usrsctp's send callback, above ``SCTPAssociation/sendSpaceThreshold``):
    /// a sender that met `.wouldBlock` can go on.
    case writable
    /// The association ended: lost (ABORT received, too many retransmissions; SCTP_COMM_LOST), shut down
    /// (SCTP_SHUTDOWN_COMP) or never came up (SCTP_CANT_STR_ASSOC). `error` is the cause usrsctp gave.
    case ended(SCTPEndReason, error: UInt16)
}

/// Why an association ended.
public enum SCTPEndReason: Sendable, Hashable {
    case lost
    case shutdownComplete
    case cannotStart
}
