internal import CRTCOpenSSL
import Synchronization

/// A sans-I/O DTLS 1.2 endpoint (RFC 6347) for WebRTC, on OpenSSL 3.
///
/// Feed it the datagrams that arrive (``receive(_:)``) and send what it returns; it never touches a socket. The
/// peer's certificate is trusted only when its hash equals one of the fingerprints from the remote description
/// (RFC 8827 §6.5, RFC 8122 §5): the verify callback accepts any self-signed certificate whose fingerprint matches
/// and rejects the rest during the handshake, and the result is checked again once the handshake finishes. On a
/// mismatch the handshake fails with ``CryptoError/Code/fingerprintMismatch`` and no application data is ever
/// delivered.
///
/// Only DTLS 1.2 with ECDHE AEAD suites is offered, renegotiation is refused, and the `use_srtp` extension
/// (RFC 5764 §4.1) negotiates an SRTP profile whose keys ``exportSRTPKeyingMaterial()`` derives (RFC 5764 §4.2).
///
/// Retransmission (RFC 6347 §4.2.4): while a flight is unanswered, ``nextTimeout`` tells how long until it is due
/// again and ``handleTimeout()`` retransmits it. OpenSSL 3.0 measures this timer on the real clock and has no hook to
/// replace it, so ``handleTimeout()`` retransmits only once that much real time has passed; the injectable clock
/// decides when to call it, OpenSSL decides whether it is due.
///
/// Not thread-safe: one owner (an event loop, an actor) drives it.
public final class DTLSEngine {
    public let role: Role
    public let certificate: DTLSCertificate
    /// The fingerprints the peer's certificate is checked against.
    public let remoteFingerprints: [CertificateFingerprint]
    public let configuration: Configuration
    public private(set) var state: State = .new
    /// The DER encoding of the peer's certificate, once the handshake has accepted it.
    public private(set) var remoteCertificateDER: [UInt8]?

    /// `SSL *`, owned; freed first in `deinit`, before ``callbackState``.
    private let ssl: OpaquePointer
    private let callbackState: DTLSCallbackState

    /// Creates an endpoint. Nothing is sent until ``start()``.
    ///
    /// - Parameters:
    ///   - role: client (sends the ClientHello) or server.
    ///   - certificate: the certificate and key this endpoint presents; the peer checks its fingerprint.
    ///   - remoteFingerprints: fingerprints from the peer's `a=fingerprint` lines. An empty list accepts no one.
    ///   - configuration: datagram size, retransmission timeouts and SRTP profiles; the defaults suit WebRTC.
    public init(role: Role, certificate: DTLSCertificate, remoteFingerprints: [CertificateFingerprint],
                configuration: Configuration = Configuration()) throws(CryptoError) {
        try OpenSSLLibrary.checkSupported()
        guard configuration.maximumDatagramSize >= 256 else {
            throw CryptoError(.invalidArgument, "maximumDatagramSize must be at least 256 bytes")
        }
        guard configuration.retransmissionCopies >= 1 else {
            throw CryptoError(.invalidArgument, "retransmissionCopies must be at least 1")
        }
        self.role = role
        self.certificate = certificate
        self.remoteFingerprints = remoteFingerprints
        self.configuration = configuration
        let callbackState = DTLSCallbackState(expectedFingerprints: remoteFingerprints, configuration: configuration)
        self.callbackState = callbackState
        self.ssl = try Self.makeSSL(role: role, certificate: certificate, configuration: configuration, state: callbackState)
        Self.live.add(1, ordering: .relaxed)
    }

    deinit {
        SSL_free(ssl)
        Self.live.subtract(1, ordering: .relaxed)
    }

    /// Engines alive in this process (created and not yet deinitialised), for leak checks in tests.
    public static var liveInstances: Int { live.load(ordering: .relaxed) }
    private static let live = Atomic<Int>(0)

    // MARK: - Handshake and data

    /// Begins the handshake. A client returns its first flight (the ClientHello); a server returns nothing and
    /// waits for one.
    public func start() throws(CryptoError) -> [[UInt8]] {
        guard state == .new else { throw CryptoError(.invalidState, "start() called in state \(state)") }
        state = .handshaking
        var events = Events()
        try advanceHandshake(into: &events)
        return events.datagrams
    }

    /// Processes one received datagram. Returns the datagrams to send in reply, any application data, and whether
    /// the handshake completed. A datagram that is not valid DTLS for this association is dropped silently, as
    /// RFC 6347 §4.1.2.7 asks. Starts the handshake first if ``start()`` has not been called.
    ///
    /// Throws ``CryptoError/Code/fingerprintMismatch`` when the peer's certificate matches no expected fingerprint,
    /// ``CryptoError/Code/handshakeFailed`` (with OpenSSL's error queue) on any other fatal error; the alert that
    /// tells the peer is then waiting in ``takePendingDatagrams()``.
    public func receive(_ datagram: some Collection<UInt8>) throws(CryptoError) -> Events {
        var events = Events()
        let wasConnected = state == .connected
        switch state {
        case .new:
            state = .handshaking
            try advanceHandshake(into: &events)
        case .handshaking, .connected:
            break
        case .closed:
            return events
        case .failed:
            throw CryptoError(.invalidState, "the DTLS association has failed")
        }
        guard !datagram.isEmpty else {
            events.datagrams += callbackState.takeOutbound()
            return events
        }
        // OpenSSL reads the datagram straight from the caller's storage (a ByteBuffer's bytes, an array).
        let processed = datagram.withContiguousStorageIfAvailable { bytes in
            process(UnsafeRawBufferPointer(bytes), into: &events)
        } ?? Array(datagram).withUnsafeBytes { process($0, into: &events) }
        try processed.get()
        let written = callbackState.takeOutbound()
        if wasConnected, written.contains(where: Self.carriesHandshake) {
            // Once connected, OpenSSL writes handshake records only to re-send its last flight, because the peer's
            // retransmitted Finished showed that flight was lost (RFC 6347 §4.2.4): a retransmission like any other.
            events.datagrams += Self.copies(of: written, configuration.retransmissionCopies)
        } else {
            events.datagrams += written
        }
        return events
    }

    /// The datagram in the BIO while OpenSSL handshakes or reads it.
    private func process(_ datagram: UnsafeRawBufferPointer, into events: inout Events) -> Result<Void, CryptoError> {
        callbackState.receiving(datagram) {
            Self.result { () throws(CryptoError) in
                if state == .handshaking {
                    try advanceHandshake(into: &events)
                } else {
                    try readApplicationData(into: &events, capacity: datagram.count, untilDrained: true)
                }
            }
        }
    }

    /// `body`'s outcome, for closures that cannot throw a typed error (`withUnsafeBytes`, the BIO's scopes).
    private static func result(_ body: () throws(CryptoError) -> Void) -> Result<Void, CryptoError> {
        do throws(CryptoError) {
            try body()
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    /// Encrypts `applicationData` into one DTLS record; returns the datagram(s) to send.
    public func send(_ applicationData: some Collection<UInt8>) throws(CryptoError) -> [[UInt8]] {
        let applicationData = Array(applicationData)
        try applicationData.withUnsafeBytes { bytes in Self.result { () throws(CryptoError) in try write(bytes) } }.get()
        return callbackState.takeOutbound()
    }

    /// Encrypts `applicationData` into one DTLS record and hands the datagram(s) to `emit` during the call: the
    /// bytes are OpenSSL's, valid only inside `emit` (copy them into the buffer that goes to the socket).
    public func send(_ applicationData: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) throws(CryptoError) {
        try callbackState.emitting(to: emit) { Self.result { () throws(CryptoError) in try write(applicationData) } }.get()
    }

    private func write(_ applicationData: UnsafeRawBufferPointer) throws(CryptoError) {
        guard state == .connected else {
            throw CryptoError(.invalidState, "application data can only be sent once connected (state \(state))")
        }
        guard let base = applicationData.baseAddress, !applicationData.isEmpty else { return }
        if let limit = maximumApplicationDataSize, applicationData.count > limit {
            throw CryptoError(.invalidArgument,
                              "\(applicationData.count) bytes of application data exceed one \(configuration.maximumDatagramSize)-byte datagram (at most \(limit))")
        }
        OpenSSLErrorQueue.clear()
        let written = SSL_write(ssl, base, Int32(clamping: applicationData.count))
        guard written == Int32(clamping: applicationData.count) else {
            let error = OpenSSLErrorQueue.error(.openSSL, "SSL_write failed (\(SSL_get_error(ssl, written)))")
            // Over-long records are the caller's mistake; the association itself is still fine.
            _ = callbackState.takeOutbound()
            throw error
        }
    }

    /// Sends close_notify (RFC 5246 §7.2.1) and stops. Returns the alert datagram; calling again returns nothing.
    public func close() -> [[UInt8]] {
        switch state {
        case .handshaking, .connected:
            OpenSSLErrorQueue.clear()
            _ = SSL_shutdown(ssl)
            OpenSSLErrorQueue.clear()
            state = .closed
            return callbackState.takeOutbound()
        case .new:
            state = .closed
            return []
        case .closed, .failed:
            return []
        }
    }

    /// Datagrams written outside a reply, e.g. the fatal alert produced before ``receive(_:)`` threw.
    public func takePendingDatagrams() -> [[UInt8]] {
        callbackState.takeOutbound()
    }

    // MARK: - Retransmission

    /// Time until the current flight is due for retransmission (`.zero` when it is already due), or nil when no
    /// flight awaits an answer.
    public var nextTimeout: Duration? {
        guard state == .handshaking else { return nil }
        let micros = CRTCOpenSSL_DTLSv1_get_timeout_us(ssl)
        return micros < 0 ? nil : .microseconds(micros)
    }

    /// Retransmits the current flight if its timer has expired (RFC 6347 §4.2.4) and returns the datagrams, each
    /// ``Configuration/retransmissionCopies`` times; the timer then doubles (up to its configured maximum). Throws ``CryptoError/Code/handshakeFailed`` when OpenSSL gives up after too many
    /// retransmissions.
    public func handleTimeout() throws(CryptoError) -> [[UInt8]] {
        guard state == .handshaking else { return [] }
        OpenSSLErrorQueue.clear()
        if CRTCOpenSSL_DTLSv1_handle_timeout(ssl) < 0 {
            state = .failed
            throw OpenSSLErrorQueue.error(.handshakeFailed, "the DTLS handshake timed out")
        }
        return Self.copies(of: callbackState.takeOutbound(), configuration.retransmissionCopies)
    }

    /// The whole flight `count` times over (flight, flight, …), so that copies of one datagram are spread apart.
    static func copies(of flight: [[UInt8]], _ count: Int) -> [[UInt8]] {
        count <= 1 ? flight : Array([[[UInt8]]](repeating: flight, count: count).joined())
    }

    /// True when the datagram's first record is a handshake or change_cipher_spec record (RFC 6347 §4.1: the
    /// content type is the record's first byte, in the clear in DTLS 1.2).
    static func carriesHandshake(_ datagram: [UInt8]) -> Bool {
        datagram.first == 22 || datagram.first == 20
    }

    // MARK: - After the handshake

    /// The SRTP protection profile the `use_srtp` extension settled on, once connected.
    public var selectedSRTPProfile: SRTPProtectionProfile? {
        guard state == .connected, let profile = SSL_get_selected_srtp_profile(ssl) else { return nil }
        return SRTPProtectionProfile(rawValue: UInt16(truncatingIfNeeded: profile.pointee.id))
    }

    /// The most application data one ``send(_:)`` accepts, so that its record fits one datagram of
    /// ``Configuration/maximumDatagramSize`` with the negotiated cipher's overhead (`DTLS_get_data_mtu`); nil until
    /// connected. An SCTP association over this engine must use at most this as its MTU.
    public var maximumApplicationDataSize: Int? {
        guard state == .connected else { return nil }
        let size = DTLS_get_data_mtu(ssl)
        return size > 0 ? size : nil
    }

    /// The negotiated cipher suite's OpenSSL name, e.g. `ECDHE-ECDSA-AES256-GCM-SHA384`, once connected.
    public var cipherSuite: String? {
        guard state == .connected, let cipher = SSL_get_current_cipher(ssl), let name = SSL_CIPHER_get_name(cipher) else {
            return nil
        }
        return String(cString: name)
    }

    /// The negotiated protocol version's name, e.g. `DTLSv1.2`, once connected.
    public var protocolVersion: String? {
        guard state == .connected, let name = SSL_get_version(ssl) else { return nil }
        return String(cString: name)
    }

    /// Derives the SRTP master keys and salts with the TLS exporter, label `EXTRACTOR-dtls_srtp`, no context
    /// (RFC 5764 §4.2), split into client and server halves.
    public func exportSRTPKeyingMaterial() throws(CryptoError) -> SRTPKeyingMaterial {
        guard state == .connected else {
            throw CryptoError(.invalidState, "SRTP keys exist only once connected (state \(state))")
        }
        guard let profile = selectedSRTPProfile else {
            throw CryptoError(.unsupported, "the peer negotiated no SRTP protection profile")
        }
        let label = Array("EXTRACTOR-dtls_srtp".utf8)
        var exported = [UInt8](repeating: 0, count: 2 * (profile.keyLength + profile.saltLength))
        OpenSSLErrorQueue.clear()
        let ok = exported.withUnsafeMutableBufferPointer { out in
            label.withUnsafeBufferPointer { label in
                label.withMemoryRebound(to: CChar.self) { label in
                    SSL_export_keying_material(ssl, out.baseAddress, out.count, label.baseAddress, label.count, nil, 0, 0)
                }
            }
        }
        guard ok == 1, let material = SRTPKeyingMaterial(profile: profile, exported: exported) else {
            throw OpenSSLErrorQueue.error(.openSSL, "SSL_export_keying_material failed")
        }
        return material
    }

    // MARK: - Driving OpenSSL

    private func advanceHandshake(into events: inout Events) throws(CryptoError) {
        OpenSSLErrorQueue.clear()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            try finishHandshake()
            events.handshakeComplete = true
            // Records that arrived with the last flight (application data, retransmissions) are read now.
            try readApplicationData(into: &events, capacity: Self.maximumRecordPlaintext)
        } else {
            let error = SSL_get_error(ssl, result)
            guard error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE else {
                throw fail(error)
            }
        }
        events.datagrams += callbackState.takeOutbound()
    }

    /// Checks the peer's certificate once more now that the handshake is done: the verify callback has already
    /// matched it, this guards against any path (resumption, a missing certificate) that skipped the callback.
    private func finishHandshake() throws(CryptoError) {
        guard let peer = SSL_get1_peer_certificate(ssl) else {
            state = .failed
            callbackState.discardInbound()
            throw CryptoError(.fingerprintMismatch, "the peer presented no certificate")
        }
        defer { X509_free(peer) }
        let der = Self.derEncoding(of: peer)
        guard callbackState.matches(certificateDER: der) else {
            state = .failed
            callbackState.discardInbound()
            throw CryptoError(.fingerprintMismatch, "the peer certificate matches none of the expected fingerprints")
        }
        remoteCertificateDER = der
        if configuration.requiresSRTPProfile && SSL_get_selected_srtp_profile(ssl) == nil {
            state = .failed
            callbackState.discardInbound()
            throw CryptoError(.handshakeFailed, "no SRTP protection profile in common with the peer (use_srtp, RFC 5764 §4.1.2)")
        }
        state = .connected
    }

    /// A DTLS record carries at most 2^14 bytes of plaintext (RFC 6347 §4.1).
    private static let maximumRecordPlaintext = 16_384

    /// Reads every decrypted record into its own array of `capacity` bytes: a record's plaintext is never longer
    /// than the datagram that carried it, so the arrays can be sized by the datagram, handed out without a copy,
    /// and no 16 KiB buffer has to live with each engine. `untilDrained` stops once the datagram has been read
    /// and OpenSSL holds nothing more of it (`SSL_has_pending`), instead of finding out with one more read.
    private func readApplicationData(into events: inout Events, capacity: Int, untilDrained: Bool = false) throws(CryptoError) {
        let capacity = max(1, min(capacity, Self.maximumRecordPlaintext))
        while state == .connected {
            OpenSSLErrorQueue.clear()
            var count: Int32 = 0
            var plaintext = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
                count = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
                initialized = count > 0 ? Int(count) : 0
            }
            if count > 0 {
                // A record buffered from an earlier, larger datagram may not fit: OpenSSL keeps the rest of it
                // for the next read, and a record must reach the caller whole.
                while plaintext.count >= capacity, SSL_pending(ssl) > 0 {
                    let rest = Int(SSL_pending(ssl))
                    let before = plaintext.count
                    plaintext.append(contentsOf: repeatElement(0, count: rest))
                    let more = plaintext.withUnsafeMutableBytes { raw in
                        SSL_read(ssl, raw.baseAddress! + before, Int32(clamping: rest))
                    }
                    plaintext.removeLast(rest - max(Int(more), 0))
                    if more <= 0 { break }
                }
                events.applicationData.append(plaintext)
                if untilDrained && callbackState.nextInboundCount == 0 && SSL_has_pending(ssl) == 0 { return }
                continue
            }
            let error = SSL_get_error(ssl, count)
            switch error {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                return
            case SSL_ERROR_ZERO_RETURN:
                // close_notify from the peer.
                state = .closed
                events.closed = true
                return
            default:
                throw fail(error)
            }
        }
    }

    /// Marks the association failed and builds the error for OpenSSL's `SSL_get_error` value.
    private func fail(_ sslError: Int32) -> CryptoError {
        state = .failed
        callbackState.discardInbound()
        if callbackState.fingerprintRejected {
            return OpenSSLErrorQueue.error(.fingerprintMismatch, "the peer certificate matches none of the expected fingerprints")
        }
        return OpenSSLErrorQueue.error(.handshakeFailed, "DTLS failed (SSL_get_error \(sslError))")
    }

    static func derEncoding(of x509: OpaquePointer) -> [UInt8] {
        let length = i2d_X509(x509, nil)
        guard length > 0 else { return [] }
        var der = [UInt8](repeating: 0, count: Int(length))
        der.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            _ = i2d_X509(x509, &cursor)
        }
        return der
    }

    // MARK: - Setup

    private static func makeSSL(role: Role, certificate: DTLSCertificate, configuration: Configuration,
                                state: DTLSCallbackState) throws(CryptoError) -> OpaquePointer {
        let context = try DTLSContext.shared.get().pointer
        OpenSSLErrorQueue.clear()
        guard let ssl = SSL_new(context) else {
            throw OpenSSLErrorQueue.error(.openSSL, "SSL_new failed")
        }
        // Index 0 is the app-data slot (SSL_set_app_data); the callbacks find their state there.
        guard SSL_set_ex_data(ssl, 0, Unmanaged.passUnretained(state).toOpaque()) == 1,
              let bio = DTLSDatagramBIO.make(state: state) else {
            SSL_free(ssl)
            throw OpenSSLErrorQueue.error(.openSSL, "could not attach the datagram BIO")
        }
        // One BIO for both directions: SSL_set_bio takes the single reference.
        SSL_set_bio(ssl, bio, bio)
        guard SSL_use_certificate(ssl, certificate.certificate) == 1,
              SSL_use_PrivateKey(ssl, certificate.privateKey) == 1,
              SSL_check_private_key(ssl) == 1 else {
            SSL_free(ssl)
            throw OpenSSLErrorQueue.error(.openSSL, "could not install the certificate and key")
        }
        if !configuration.srtpProfiles.isEmpty {
            let profiles = configuration.srtpProfiles.map(\.name).joined(separator: ":")
            // Unlike most of OpenSSL, this returns 0 on success.
            guard SSL_set_tlsext_use_srtp(ssl, profiles) == 0 else {
                SSL_free(ssl)
                throw OpenSSLErrorQueue.error(.openSSL, "could not enable use_srtp with \(profiles)")
            }
        }
        DTLS_set_timer_cb(ssl, timerCallback)
        guard CRTCOpenSSL_DTLS_set_link_mtu(ssl, configuration.maximumDatagramSize) == 1 else {
            SSL_free(ssl)
            throw OpenSSLErrorQueue.error(.openSSL, "DTLS_set_link_mtu(\(configuration.maximumDatagramSize)) failed")
        }
        switch role {
        case .client: SSL_set_connect_state(ssl)
        case .server: SSL_set_accept_state(ssl)
        }
        return ssl
    }

    /// `SSL_verify_cb`: accepts the peer's chain whatever its issuer (WebRTC certificates are self-signed) and
    /// judges the leaf (depth 0) by its fingerprint alone.
    static let verifyCallback: @convention(c) (Int32, OpaquePointer?) -> Int32 = { _, storeContext in
        guard let storeContext else { return 0 }
        guard X509_STORE_CTX_get_error_depth(storeContext) == 0 else { return 1 }
        guard let sslPointer = X509_STORE_CTX_get_ex_data(storeContext, SSL_get_ex_data_X509_STORE_CTX_idx()),
              let statePointer = SSL_get_ex_data(OpaquePointer(sslPointer), 0),
              let leaf = X509_STORE_CTX_get_current_cert(storeContext) else { return 0 }
        let state = DTLSCallbackState.from(statePointer)
        if state.matches(certificateDER: derEncoding(of: leaf)) {
            X509_STORE_CTX_set_error(storeContext, X509_V_OK)
            return 1
        }
        state.fingerprintRejected = true
        X509_STORE_CTX_set_error(storeContext, X509_V_ERR_APPLICATION_VERIFICATION)
        return 0
    }

    /// `DTLS_timer_cb`: the first timeout of a flight is the configured initial value, each retransmission doubles
    /// it, capped at the configured maximum (RFC 6347 §4.2.4.1).
    private static let timerCallback: @convention(c) (OpaquePointer?, UInt32) -> UInt32 = { ssl, previous in
        guard let ssl, let statePointer = SSL_get_ex_data(ssl, 0) else { return 1_000_000 }
        let state = DTLSCallbackState.from(statePointer)
        guard previous > 0 else { return state.initialTimeoutMicroseconds }
        let doubled = previous.multipliedReportingOverflow(by: 2)
        return doubled.overflow ? state.maximumTimeoutMicroseconds : min(doubled.partialValue, state.maximumTimeoutMicroseconds)
    }
}
