/// An error reported by libopus: the library's status code (`OPUS_BAD_ARG` = -1 … `OPUS_ALLOC_FAIL` = -7) and its
/// `opus_strerror` text, or a misuse caught before calling the library (then `code` is `OpusError.invalidArgument`).
/// Equality compares the code only.
public struct OpusError: Error, Hashable, Sendable, CustomStringConvertible {
    /// libopus's return code (negative), e.g. -1 for `OPUS_BAD_ARG`, -4 for `OPUS_INVALID_PACKET`.
    public var code: Int32
    /// `opus_strerror(code)`, possibly with context.
    public var reason: String
    public var file: String
    public var line: UInt

    public init(code: Int32, reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    /// `OPUS_BAD_ARG`: what the wrappers report for arguments they refuse before reaching libopus.
    public static let invalidArgument: Int32 = -1
    /// `OPUS_BUFFER_TOO_SMALL`.
    public static let bufferTooSmall: Int32 = -2
    /// `OPUS_INVALID_PACKET`: the packet is corrupted or not Opus.
    public static let invalidPacket: Int32 = -4

    public var description: String { "opus error \(code): \(reason)" }

    public static func == (lhs: OpusError, rhs: OpusError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
