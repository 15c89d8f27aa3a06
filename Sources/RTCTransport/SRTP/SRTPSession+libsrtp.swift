internal import CRTCSRTP
public import NIOCore
public import RTCCrypto

/// One direction of SRTP/SRTCP (RFC 3711, RFC 7714) on libsrtp2: protects outgoing or unprotects incoming packets
/// in place, for any SSRC, with a 1024-packet replay window and no repeated transmission of a packet index.
///
/// Keys come from DTLS-SRTP (``init(keyingMaterial:role:direction:)``, RFC 5764 §4.2) or directly as a master key
/// and salt. Not thread-safe: libsrtp's session state (rollover counters, replay windows) belongs to one owner.
public final class SRTPSession {
    public let profile: SRTPProtectionProfile
    public let direction: Direction
    /// `srtp_t`, owned; deallocated in `deinit`.
    private let session: OpaquePointer

    /// Creates a session from a master key and master salt of the profile's lengths.
    public init(profile: SRTPProtectionProfile, masterKey: [UInt8], masterSalt: [UInt8], direction: Direction) throws(SRTPError) {
        try SRTPLibrary.initialize()
        guard masterKey.count == profile.keyLength, masterSalt.count == profile.saltLength else {
            throw SRTPError(.badParameter, "\(profile) needs a \(profile.keyLength)-byte key and a \(profile.saltLength)-byte salt, got \(masterKey.count) and \(masterSalt.count)")
        }
        var policy = srtp_policy_t()
        switch profile {
        case .aes128CmHmacSha1_80:
            CRTCSRTP_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp)
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        case .aeadAes128Gcm:
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp)
        case .aeadAes256Gcm:
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtcp)
        }
        policy.ssrc.type = direction == .outbound ? ssrc_any_outbound : ssrc_any_inbound
        policy.ssrc.value = 0
        policy.window_size = UInt(Self.replayWindowSize)
        policy.allow_repeat_tx = 0
        policy.next = nil

        // libsrtp reads the key as master key followed by master salt, and copies it during srtp_create.
        var keyAndSalt = masterKey + masterSalt
        var created: OpaquePointer?
        let status = keyAndSalt.withUnsafeMutableBufferPointer { key in
            policy.key = key.baseAddress
            return srtp_create(&created, &policy)
        }
        for index in keyAndSalt.indices { keyAndSalt[index] = 0 }
        guard status == srtp_err_status_ok, let created else {
            throw SRTPError(SRTPError.Code(status), "srtp_create failed for \(profile)")
        }
        self.profile = profile
        self.direction = direction
        self.session = created
    }

    /// Creates the session a DTLS endpoint of `role` needs in `direction`: outbound uses its own write key, inbound
    /// the peer's (RFC 5764 §4.2).
    public convenience init(keyingMaterial: SRTPKeyingMaterial, role: DTLSEngine.Role, direction: Direction) throws(SRTPError) {
        let (key, salt) = direction == .outbound
            ? keyingMaterial.localKeyAndSalt(role: role)
            : keyingMaterial.remoteKeyAndSalt(role: role)
        try self.init(profile: keyingMaterial.profile, masterKey: key, masterSalt: salt, direction: direction)
    }

    deinit {
        srtp_dealloc(session)
    }

    // MARK: - RTP

    /// Encrypts and authenticates the RTP packet in `packet` in place; the tag is appended (RFC 3711 §3.1).
    public func protect(rtp packet: inout [UInt8]) throws(SRTPError) {
        try transform(&packet, operation: "srtp_protect", minimumLength: 12, room: profile.rtpOverhead, srtp_protect)
    }

    /// Encrypts and authenticates the RTP packet in `buffer`'s readable bytes in place; the tag is appended.
    public func protect(rtp buffer: inout ByteBuffer) throws(SRTPError) {
        try transform(&buffer, operation: "srtp_protect", minimumLength: 12, room: profile.rtpOverhead, srtp_protect)
    }

    /// Verifies and decrypts the SRTP packet in `packet` in place and removes the tag. Throws
    /// ``SRTPError/Code/authenticationFailed`` for a forged or corrupted packet and ``SRTPError/Code/replayFailed`` /
    /// ``SRTPError/Code/replayTooOld`` for a replay; the bytes are then unspecified.
    public func unprotect(srtp packet: inout [UInt8]) throws(SRTPError) {
        try transform(&packet, operation: "srtp_unprotect", minimumLength: 12, room: 0, srtp_unprotect)
    }

    /// Verifies and decrypts the SRTP packet in `buffer`'s readable bytes in place and removes the tag.
    public func unprotect(srtp buffer: inout ByteBuffer) throws(SRTPError) {
        try transform(&buffer, operation: "srtp_unprotect", minimumLength: 12, room: 0, srtp_unprotect)
    }

    // MARK: - RTCP

    /// Encrypts and authenticates the (compound) RTCP packet in place; the SRTCP index and tag are appended
    /// (RFC 3711 §3.4).
    public func protectRTCP(_ packet: inout [UInt8]) throws(SRTPError) {
        try transform(&packet, operation: "srtp_protect_rtcp", minimumLength: 8, room: profile.rtcpOverhead,
                      srtp_protect_rtcp)
    }

    public func protectRTCP(_ buffer: inout ByteBuffer) throws(SRTPError) {
        try transform(&buffer, operation: "srtp_protect_rtcp", minimumLength: 8, room: profile.rtcpOverhead,
                      srtp_protect_rtcp)
    }

    /// Verifies and decrypts an SRTCP packet in place, removing the index and tag.
    public func unprotectRTCP(_ packet: inout [UInt8]) throws(SRTPError) {
        try transform(&packet, operation: "srtp_unprotect_rtcp", minimumLength: 8, room: 0, srtp_unprotect_rtcp)
    }

    public func unprotectRTCP(_ buffer: inout ByteBuffer) throws(SRTPError) {
        try transform(&buffer, operation: "srtp_unprotect_rtcp", minimumLength: 8, room: 0, srtp_unprotect_rtcp)
    }

    // MARK: - libsrtp calls

    private typealias Operation = (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int32>?) -> srtp_err_status_t

    private func check(length: Int, minimumLength: Int, operation: String) throws(SRTPError) {
        guard length >= minimumLength else {
            throw SRTPError(.badParameter, "\(operation): \(length) bytes is shorter than a header (\(minimumLength))")
        }
        guard length <= Self.maximumPacketLength else {
            throw SRTPError(.badParameter, "\(operation): \(length) bytes is longer than a UDP payload")
        }
    }

    /// `room`: the bytes libsrtp appends — the profile's tag (and the SRTCP index) exactly, as the sessions use
    /// no MKI. (`SRTP_MAX_TRAILER_LEN` is 144 bytes with a maximal MKI: zero-filling that much per packet and
    /// trimming it again was wasted work, and could outgrow the spare capacity a caller reserved.)
    private func transform(_ packet: inout [UInt8], operation: String, minimumLength: Int, room: Int,
                           _ call: Operation) throws(SRTPError) {
        let length = packet.count
        try check(length: length, minimumLength: minimumLength, operation: operation)
        // libsrtp writes the trailer right after the packet: make room for it.
        if room > 0 { packet.append(contentsOf: repeatElement(0, count: room)) }
        var newLength = Int32(length)
        let status = packet.withUnsafeMutableBytes { call(session, $0.baseAddress, &newLength) }
        let kept = status == srtp_err_status_ok && newLength >= 0 && Int(newLength) <= length + room ? Int(newLength) : length
        packet.removeLast(packet.count - kept)
        guard status == srtp_err_status_ok else {
            throw SRTPError(SRTPError.Code(status), "\(operation) rejected a \(length)-byte packet")
        }
    }

    private func transform(_ buffer: inout ByteBuffer, operation: String, minimumLength: Int, room: Int,
                           _ call: Operation) throws(SRTPError) {
        let length = buffer.readableBytes
        try check(length: length, minimumLength: minimumLength, operation: operation)
        if room > 0 { buffer.writeRepeatingByte(0, count: room) }
        var newLength = Int32(length)
        let status = buffer.withUnsafeMutableReadableBytes { call(session, $0.baseAddress, &newLength) }
        let kept = status == srtp_err_status_ok && newLength >= 0 && Int(newLength) <= length + room ? Int(newLength) : length
        buffer.moveWriterIndex(to: buffer.readerIndex + kept)
        guard status == srtp_err_status_ok else {
            throw SRTPError(SRTPError.Code(status), "\(operation) rejected a \(length)-byte packet")
        }
    }
}

extension SRTPError.Code {
    init(_ status: srtp_err_status_t) {
        self.init(rawValue: Int32(bitPattern: status.rawValue))
    }
}

/// libsrtp's process-wide state.
enum SRTPLibrary {
    /// `srtp_init` runs once per process from here: Swift initializes a `static let` once, thread-safely, and the
    /// stored status is immutable afterwards. libsrtp is never shut down (sessions may live until exit).
    private static let initialization = Result { () throws(SRTPError) in try start() }

    static func initialize() throws(SRTPError) {
        try initialization.get()
    }

    /// Calls `srtp_init` and throws unless libsrtp is usable afterwards. libsrtp 2.5 answers a second `srtp_init`
    /// in a process — e.g. the application, or another library, initialised libsrtp before the first
    /// ``SRTPSession`` — with `bad_param` (its "srtp" debug module is loaded already), although the crypto kernel
    /// is up. "Already initialised" is success: `bad_param` counts as success when a session can be created.
    static func start() throws(SRTPError) {
        let status = srtp_init()
        guard status != srtp_err_status_ok else { return }
        guard status == srtp_err_status_bad_param && canCreateSession else {
            throw SRTPError(SRTPError.Code(status), "srtp_init failed")
        }
    }

    /// Whether `srtp_create` works (the crypto kernel has its ciphers): creates and frees a throwaway session.
    private static var canCreateSession: Bool {
        var policy = srtp_policy_t()
        CRTCSRTP_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp)
        srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        policy.ssrc.type = ssrc_any_outbound
        policy.window_size = 1024
        var key = [UInt8](repeating: 0, count: 30)  // AES-128 master key and 14-byte salt
        var created: OpaquePointer?
        let status = key.withUnsafeMutableBufferPointer { key in
            policy.key = key.baseAddress
            return srtp_create(&created, &policy)
        }
        guard status == srtp_err_status_ok, let created else { return false }
        srtp_dealloc(created)
        return true
    }

    /// The libsrtp version string, e.g. "libsrtp2 2.5.0".
    static var version: String { String(cString: srtp_get_version_string()) }
}
