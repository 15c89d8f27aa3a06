/// An error reported by libvpx: its `vpx_codec_err_t` value and text (plus libvpx's detail string when it gave
/// one), or a misuse caught before calling the library (then `code` is `VPXError.invalidParameter`).
/// Equality compares the code only.
public struct VPXError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The `vpx_codec_err_t` value: 1 `VPX_CODEC_ERROR`, 2 `MEM_ERROR`, 3 `ABI_MISMATCH`, 4 `INCAPABLE`,
    /// 5 `UNSUP_BITSTREAM`, 6 `UNSUP_FEATURE`, 7 `CORRUPT_FRAME`, 8 `INVALID_PARAM`.
    public var code: Int
    public var reason: String
    public var file: String
    public var line: UInt

    public init(code: Int, reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    public static let genericError = 1
    public static let unsupportedBitstream = 5
    public static let unsupportedFeature = 6
    public static let corruptFrame = 7
    public static let invalidParameter = 8

    public var description: String { "vpx error \(code): \(reason)" }

    public static func == (lhs: VPXError, rhs: VPXError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
