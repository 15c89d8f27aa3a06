/// An error from the codec layer that is not a library's own (``OpusError`` and ``VPXError`` carry those): an
/// unknown codec, a payload that cannot be decoded, a frame that cannot be encoded. Equality compares the code.
public struct MediaCodecError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong; extensible (`extension MediaCodecError.Code { static let … }`).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The MIME type (or its parameters) names no codec this module implements.
        public static let unsupportedCodec = Code("unsupportedCodec")
        /// A payload is empty, too large or malformed.
        public static let invalidPayload = Code("invalidPayload")
        /// A frame cannot be encoded (e.g. a size the codec refuses).
        public static let invalidFrame = Code("invalidFrame")
    }

    public var code: Code
    public var reason: String
    public var file: String
    public var line: UInt

    public init(_ code: Code, _ reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    public var description: String { "media codec error \(code): \(reason)" }

    public static func == (lhs: MediaCodecError, rhs: MediaCodecError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
