/// An error from the SCTP association (RFC 4960 over DTLS, RFC 8261): a code, a reason, and the `errno` usrsctp
/// reported when it reported one. Equality compares the code only.
public struct SCTPError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The send buffer is full; retry after `SCTPEvent.senderDry` or later.
        public static let wouldBlock = Code("wouldBlock")
        /// The association is closed (or was never set up).
        public static let invalidState = Code("invalidState")
        /// An argument the stack refuses (stream id out of range, message too large, ...).
        public static let invalidArgument = Code("invalidArgument")
        /// usrsctp failed; see `errno`.
        public static let usrsctp = Code("usrsctp")
    }

    public var code: Code
    public var reason: String
    /// The `errno` value usrsctp left, 0 if none.
    public var errno: Int32
    public var file: String
    public var line: UInt

    public init(_ code: Code, _ reason: String, errno: Int32 = 0, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.errno = errno
        self.file = file
        self.line = line
    }

    public var description: String { errno == 0 ? "\(code): \(reason)" : "\(code): \(reason) (errno \(errno))" }

    public static func == (lhs: SCTPError, rhs: SCTPError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
