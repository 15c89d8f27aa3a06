/// An error from an SRTP session: libsrtp's `srtp_err_status_t`, named, with a reason and where it was raised.
/// Equality compares the code only, so callers can match `.authenticationFailed` or `.replayFailed` while the reason
/// stays precise.
public struct SRTPError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A libsrtp status value (`srtp_err_status_t`); extensible, unlike a frozen enum.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The numeric `srtp_err_status_t`.
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let fail = Code(rawValue: 1)
        public static let badParameter = Code(rawValue: 2)
        public static let allocationFailed = Code(rawValue: 3)
        public static let initializationFailed = Code(rawValue: 5)
        /// The authentication tag did not verify: the packet was forged, corrupted, or keyed differently.
        public static let authenticationFailed = Code(rawValue: 7)
        public static let cipherFailed = Code(rawValue: 8)
        /// The packet index was already seen: a replay (RFC 3711 §3.3.2).
        public static let replayFailed = Code(rawValue: 9)
        /// The packet index is older than the replay window.
        public static let replayTooOld = Code(rawValue: 10)
        public static let algorithmFailed = Code(rawValue: 11)
        public static let noContext = Code(rawValue: 13)
        /// The key reached its packet limit (2^48 SRTP, 2^31 SRTCP packets).
        public static let keyExpired = Code(rawValue: 15)
        public static let parseError = Code(rawValue: 21)
        public static let badMKI = Code(rawValue: 25)
        public static let packetIndexTooOld = Code(rawValue: 26)
        public static let packetIndexAdvanced = Code(rawValue: 27)

        public var description: String {
            switch rawValue {
            case 1: "fail"
            case 2: "badParameter"
            case 3: "allocationFailed"
            case 5: "initializationFailed"
            case 7: "authenticationFailed"
            case 8: "cipherFailed"
            case 9: "replayFailed"
            case 10: "replayTooOld"
            case 11: "algorithmFailed"
            case 13: "noContext"
            case 15: "keyExpired"
            case 21: "parseError"
            case 25: "badMKI"
            case 26: "packetIndexTooOld"
            case 27: "packetIndexAdvanced"
            default: "srtp_err_status \(rawValue)"
            }
        }
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

    /// The libsrtp status number.
    public var status: Int32 { code.rawValue }

    public var description: String { "SRTP \(code): \(reason)" }

    public static func == (lhs: SRTPError, rhs: SRTPError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
