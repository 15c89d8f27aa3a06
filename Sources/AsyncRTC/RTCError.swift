/// The error AsyncRTC's public API throws where aiortc raises and a browser rejects with a DOMException.
///
/// ``code`` is named after the DOMException a browser would use; ``reason`` says what happened in words a user can
/// act on. Equality compares the code only, so `#expect(throws: RTCError(.invalidState))` style checks work while
/// the reason stays precise.
public struct RTCError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of error, named after a DOMException; extensible, unlike a frozen enum.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The object is not in a state where the call makes sense (DOMException InvalidStateError).
        public static let invalidState = Code("invalidState")
        /// The call does not fit what was negotiated (InvalidAccessError).
        public static let invalidAccess = Code("invalidAccess")
        /// Text such as SDP or a candidate could not be parsed (SyntaxError).
        public static let syntax = Code("syntax")
        /// The operation failed for a reason outside the caller's control (OperationError).
        public static let operation = Code("operation")
        /// The feature or value is not supported (NotSupportedError).
        public static let notSupported = Code("notSupported")
        /// An argument has the wrong type or shape (TypeError).
        public static let type = Code("type")
        /// A number is out of range (RangeError).
        public static let range = Code("range")
        /// The change is not allowed, e.g. a changed certificate in setConfiguration (InvalidModificationError).
        public static let invalidModification = Code("invalidModification")
    }

    /// The kind of error; the only part equality compares.
    public var code: Code
    /// What happened, in words a user can act on.
    public var reason: String
    /// The source file that raised the error.
    public var file: String
    /// The line that raised the error.
    public var line: UInt

    /// An error with `code` and `reason`, recording where it was raised.
    public init(_ code: Code, _ reason: String = "", file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    /// The labelled form of ``init(_:_:file:line:)``, as `RTCError(code: .invalidState, reason: "...")`.
    public init(code: Code, reason: String, file: String = #fileID, line: UInt = #line) {
        self.init(code, reason, file: file, line: line)
    }

    public var description: String { reason.isEmpty ? "\(code)" : "\(code): \(reason)" }

    public static func == (lhs: RTCError, rhs: RTCError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
