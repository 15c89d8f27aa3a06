/// An error from RTCCrypto: certificates, digests and the DTLS engine. Carries OpenSSL's error queue when OpenSSL
/// reported one. Equality compares the code only.
public struct CryptoError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let unsupported = Code("unsupported")
        public static let openSSL = Code("openSSL")
        public static let invalidArgument = Code("invalidArgument")
        public static let handshakeFailed = Code("handshakeFailed")
        public static let fingerprintMismatch = Code("fingerprintMismatch")
        public static let invalidState = Code("invalidState")
    }

    public var code: Code
    public var reason: String
    /// OpenSSL's error queue at the time of the failure, oldest first.
    public var openSSLErrors: [String]
    public var file: String
    public var line: UInt

    public init(_ code: Code, _ reason: String, openSSLErrors: [String] = [], file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.openSSLErrors = openSSLErrors
        self.file = file
        self.line = line
    }

    public var description: String {
        openSSLErrors.isEmpty ? "\(code): \(reason)" : "\(code): \(reason) [\(openSSLErrors.joined(separator: "; "))]"
    }

    public static func == (lhs: CryptoError, rhs: CryptoError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
