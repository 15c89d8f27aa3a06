/// A certificate fingerprint as ORTC signals it (aiortc's `RTCDtlsFingerprint`; RFC 8122 §5).
public struct RTCDtlsFingerprint: Hashable, Sendable {
    /// The hash function's textual name, e.g. `sha-256`.
    public var algorithm: String
    /// The hash as upper-case hex pairs joined by colons, e.g. `AB:CD:…`.
    public var value: String

    public init(algorithm: String, value: String) {
        self.algorithm = algorithm
        self.value = value
    }
}

/// Which side of the DTLS handshake a transport plays (W3C ORTC `RTCDtlsRole`).
public enum RTCDtlsRole: String, Hashable, Sendable {
    /// Decided by the ICE role, as aiortc does: the ICE controlling side is the DTLS server.
    case auto
    case client
    case server
}

/// What one side tells the other about its DTLS transport (aiortc's `RTCDtlsParameters`).
public struct RTCDtlsParameters: Hashable, Sendable {
    /// Fingerprints of the certificate that side presents.
    public var fingerprints: [RTCDtlsFingerprint]
    /// The role that side plays; `auto` lets ICE decide.
    public var role: RTCDtlsRole

    public init(fingerprints: [RTCDtlsFingerprint] = [], role: RTCDtlsRole = .auto) {
        self.fingerprints = fingerprints
        self.role = role
    }
}

/// W3C `RTCDtlsTransportState`.
public enum RTCDtlsTransportState: String, Hashable, Sendable {
    case new, connecting, connected, closed, failed
}
