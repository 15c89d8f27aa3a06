public import RTCWire

/// Why a TURN or STUN client operation failed. Equality compares ``code`` only, so tests and callers can match on
/// the kind of failure while the reason carries the detail (server error code, attribute missing, …).
public struct TURNError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure; extensible.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// No response after every retransmission (RFC 8489 §6.2.1).
        public static let timedOut = Code("timed out")
        /// The server answered with an error response; ``TURNError/serverError`` holds ERROR-CODE.
        public static let rejected = Code("rejected")
        /// 401 after the client had already answered the challenge: wrong username or password (RFC 8489 §9.2.5),
        /// or 441 Wrong Credentials (RFC 8656 §19).
        public static let unauthorized = Code("unauthorized")
        /// A response lacked an attribute the request needs (e.g. XOR-RELAYED-ADDRESS).
        public static let malformedResponse = Code("malformed response")
        /// The operation needs an allocation that does not exist (not yet made, failed, or released).
        public static let notAllocated = Code("not allocated")
        /// The client was closed before the operation finished.
        public static let closed = Code("closed")
    }

    public var code: Code
    public var reason: String
    /// ERROR-CODE of the server's error response, if the failure came from one.
    public var serverError: STUNErrorCode?

    public init(_ code: Code, _ reason: String, serverError: STUNErrorCode? = nil) {
        self.code = code
        self.reason = reason
        self.serverError = serverError
    }

    public static func == (lhs: TURNError, rhs: TURNError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String {
        if let serverError { "TURN \(code): \(reason) (\(serverError))" } else { "TURN \(code): \(reason)" }
    }
}
