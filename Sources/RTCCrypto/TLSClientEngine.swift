// The value types of the TLS client engine; the engine itself lives in TLSClientEngine+OpenSSL.swift.

extension TLSClientEngine {
    /// How the server's certificate chain is checked.
    public enum Verification: Hashable, Sendable, CustomStringConvertible {
        /// Against the system's trust store (OpenSSL's default verify paths), and the name against
        /// ``TLSClientEngine/serverName`` (RFC 6125). The default.
        case systemTrustStore
        /// Against the CA certificates of one PEM file only (a private CA, a self-signed server), and the name
        /// against ``TLSClientEngine/serverName``.
        case caFile(String)
        /// No check at all: anyone in the path can read and change the traffic. For experiments only.
        case disabled

        public var description: String {
            switch self {
            case .systemTrustStore: "system trust store"
            case .caFile(let path): "CA file \(path)"
            case .disabled: "verification disabled"
            }
        }
    }

    /// Where the connection is in its life.
    public enum State: Hashable, Sendable {
        /// Created; ``TLSClientEngine/start()`` has not run.
        case new
        /// The handshake is under way.
        case handshaking
        /// The handshake finished and the certificate was accepted; application data flows.
        case connected
        /// Closed by us (``TLSClientEngine/close()``) or by the server's close_notify.
        case closed
        /// A fatal error ended the connection (bad certificate, protocol error).
        case failed
    }

    /// What one call to ``TLSClientEngine/receive(_:)`` produced.
    public struct Events: Sendable {
        /// Ciphertext to send to the server now (handshake messages, alerts, key updates).
        public var ciphertext: [UInt8] = []
        /// Decrypted application data, in order. Never filled before the certificate has been accepted.
        public var plaintext: [UInt8] = []
        /// True on the call during which the handshake completed.
        public var handshakeComplete = false
        /// True when the server sent close_notify.
        public var closed = false

        public init() {}
    }
}

extension CryptoError.Code {
    /// The TLS server's certificate did not verify: untrusted chain, expired, or issued for another name.
    public static let certificateRejected = CryptoError.Code("certificateRejected")
}
