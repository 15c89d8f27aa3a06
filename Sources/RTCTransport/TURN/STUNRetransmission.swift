public import NIOCore

/// Retransmission of STUN requests over UDP (RFC 8489 §6.2.1): send, wait RTO, resend, doubling the wait each time,
/// up to Rc transmissions; after the last one wait Rm × RTO for a response before giving up. With the defaults
/// (RTO 500 ms, Rc 7, Rm 16) requests go out at 0, 0.5, 1.5, 3.5, 7.5, 15.5 and 31.5 s and time out at 39.5 s.
public struct STUNRetransmission: Hashable, Sendable {
    /// The initial retransmission timeout (RFC 8489 §6.2.1 recommends 500 ms).
    public var initialRTO: TimeAmount
    /// Rc: how many times a request is sent in total.
    public var maxTransmissions: Int
    /// Rm: how many initial RTOs to wait after the last transmission.
    public var finalWaitMultiplier: Int64

    public init(initialRTO: TimeAmount = .milliseconds(500), maxTransmissions: Int = 7, finalWaitMultiplier: Int64 = 16) {
        self.initialRTO = initialRTO
        self.maxTransmissions = max(1, maxTransmissions)
        self.finalWaitMultiplier = max(1, finalWaitMultiplier)
    }

    /// The total time from the first transmission until the request times out.
    public var totalTimeout: TimeAmount {
        var total = TimeAmount.zero, rto = initialRTO
        for _ in 1..<maxTransmissions {
            total = total + rto
            rto = rto * 2
        }
        return total + initialRTO * finalWaitMultiplier
    }
}

/// One outstanding request: its bytes and its retransmission schedule. Sans-I/O; the owner sends ``message``.
struct PendingRequest<Kind: Sendable>: Sendable {
    var kind: Kind
    var message: ByteBuffer
    /// The long-term key the request was protected with, to verify the response; nil for unauthenticated requests.
    var key: [UInt8]?
    var transmissions = 1
    var rto: TimeAmount
    var deadline: NIODeadline

    init(kind: Kind, message: ByteBuffer, key: [UInt8]?, now: NIODeadline, policy: STUNRetransmission) {
        self.kind = kind
        self.message = message
        self.key = key
        self.rto = policy.initialRTO
        self.deadline = policy.maxTransmissions == 1
            ? now + policy.initialRTO * policy.finalWaitMultiplier : now + policy.initialRTO
    }

    /// Called when ``deadline`` has passed: true if the request should be sent again (the schedule has advanced),
    /// false if it has timed out.
    mutating func retransmit(now: NIODeadline, policy: STUNRetransmission) -> Bool {
        guard transmissions < policy.maxTransmissions else { return false }
        transmissions += 1
        rto = rto * 2
        deadline = transmissions == policy.maxTransmissions
            ? now + policy.initialRTO * policy.finalWaitMultiplier : now + rto
        return true
    }
}
