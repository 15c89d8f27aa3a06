/// An error reading or writing a media file (``MediaPlayer``, ``MediaRecorder`` and the container readers and
/// writers): a code, a human reason, and where it was raised. Equality compares the code.
public struct MediaFileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong; extensible (`extension MediaFileError.Code { static let … }`).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The file does not exist or cannot be opened.
        public static let notFound = Code("notFound")
        /// The container or codec is one this module does not read or write (e.g. an Ogg file carrying Vorbis,
        /// 24-bit WAV, a Y4M file in 4:4:4).
        public static let unsupported = Code("unsupported")
        /// The bytes are not a valid file of the expected format (bad magic, impossible sizes, CRC mismatch).
        public static let malformed = Code("malformed")
        /// The file ends inside a header.
        public static let truncated = Code("truncated")
        /// Reading or writing failed at the system level.
        public static let io = Code("io")
        /// The operation does not fit the object's state (e.g. `addTrack` after `start`).
        public static let invalidState = Code("invalidState")
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

    public var description: String { "media file error \(code): \(reason)" }

    public static func == (lhs: MediaFileError, rhs: MediaFileError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
