/// SRTP master keys and salts exported from a finished DTLS handshake (RFC 5764 §4.2).
///
/// The exporter (label `EXTRACTOR-dtls_srtp`, no context) yields `2 * (keyLength + saltLength)` bytes, read as
/// `client_write_SRTP_master_key | server_write_SRTP_master_key | client_write_SRTP_master_salt |
/// server_write_SRTP_master_salt`. The DTLS client protects what it sends with the client keys, the server with the
/// server keys; each side unprotects with the other's.
public struct SRTPKeyingMaterial: Hashable, Sendable {
    public var profile: SRTPProtectionProfile
    public var clientWriteKey: [UInt8]
    public var serverWriteKey: [UInt8]
    public var clientWriteSalt: [UInt8]
    public var serverWriteSalt: [UInt8]

    public init(profile: SRTPProtectionProfile, clientWriteKey: [UInt8], serverWriteKey: [UInt8],
                clientWriteSalt: [UInt8], serverWriteSalt: [UInt8]) {
        self.profile = profile
        self.clientWriteKey = clientWriteKey
        self.serverWriteKey = serverWriteKey
        self.clientWriteSalt = clientWriteSalt
        self.serverWriteSalt = serverWriteSalt
    }

    /// Splits the exporter output as RFC 5764 §4.2 lays it out. Returns nil when `exported` has the wrong length.
    public init?(profile: SRTPProtectionProfile, exported: [UInt8]) {
        let k = profile.keyLength, s = profile.saltLength
        guard exported.count == 2 * (k + s) else { return nil }
        self.init(profile: profile,
                  clientWriteKey: Array(exported[0..<k]),
                  serverWriteKey: Array(exported[k..<2 * k]),
                  clientWriteSalt: Array(exported[2 * k..<2 * k + s]),
                  serverWriteSalt: Array(exported[2 * k + s..<2 * (k + s)]))
    }

    /// Key and salt that the endpoint playing `role` protects its outgoing packets with.
    public func localKeyAndSalt(role: DTLSEngine.Role) -> (key: [UInt8], salt: [UInt8]) {
        role == .client ? (clientWriteKey, clientWriteSalt) : (serverWriteKey, serverWriteSalt)
    }

    /// Key and salt that the endpoint playing `role` unprotects incoming packets with (the peer's write keys).
    public func remoteKeyAndSalt(role: DTLSEngine.Role) -> (key: [UInt8], salt: [UInt8]) {
        role == .client ? (serverWriteKey, serverWriteSalt) : (clientWriteKey, clientWriteSalt)
    }
}
