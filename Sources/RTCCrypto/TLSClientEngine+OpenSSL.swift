internal import CRTCOpenSSL

/// A sans-I/O TLS 1.2/1.3 client (RFC 5246, RFC 8446) on OpenSSL 3 memory BIOs, for TURN over TLS (RFC 8656 §3.1,
/// RFC 7065 `turns:`).
///
/// Feed it the bytes that arrive from the TCP connection (``receive(_:)``), send what it returns, and write
/// plaintext with ``send(_:)`` once ``state`` is ``State/connected``; it never touches a socket.
///
/// The server is authenticated as a browser would: the chain must lead to the system trust store (or to the CA file
/// given in ``Verification/caFile(_:)``) and the certificate must name ``serverName`` (a DNS name is also sent as
/// SNI, RFC 6066 §3; an IP address is matched against the certificate's IP subjectAltName and not sent). A rejected
/// certificate fails the handshake with ``CryptoError/Code/certificateRejected`` and OpenSSL's reason.
///
/// Not thread-safe: one owner (an event loop) drives it.
public final class TLSClientEngine {
    /// The name the certificate must carry (host name or IP address literal); nil only with ``Verification/disabled``.
    public let serverName: String?
    public let verification: Verification
    public private(set) var state: State = .new

    /// `SSL *`, owned (with its two memory BIOs); freed in `deinit`.
    private let ssl: OpaquePointer
    /// Ciphertext OpenSSL reads (we write into it); owned by `ssl`.
    private let inbound: OpaquePointer
    /// Ciphertext OpenSSL writes (we drain it); owned by `ssl`.
    private let outbound: OpaquePointer
    private var readBuffer = [UInt8](repeating: 0, count: 16_384)

    /// Creates a client. Nothing is sent until ``start()``.
    ///
    /// Throws ``CryptoError/Code/invalidArgument`` for an empty name with verification on, or a CA file OpenSSL
    /// cannot load (with its error stack).
    public init(serverName: String?, verification: Verification = .systemTrustStore) throws(CryptoError) {
        try OpenSSLLibrary.checkSupported()
        if verification != .disabled, serverName?.isEmpty ?? true {
            throw CryptoError(.invalidArgument, "verifying a TLS server needs its name")
        }
        self.serverName = serverName
        self.verification = verification
        OpenSSLErrorQueue.clear()
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw OpenSSLErrorQueue.error(.openSSL, "SSL_CTX_new(TLS_client_method()) failed")
        }
        defer { SSL_CTX_free(context) }  // the SSL keeps its own reference
        guard CRTCOpenSSL_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1 else {
            throw OpenSSLErrorQueue.error(.openSSL, "cannot restrict TLS to 1.2 and later")
        }
        switch verification {
        case .systemTrustStore:
            guard SSL_CTX_set_default_verify_paths(context) == 1 else {
                throw OpenSSLErrorQueue.error(.openSSL, "cannot use the system trust store")
            }
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        case .caFile(let path):
            guard SSL_CTX_load_verify_locations(context, path, nil) == 1 else {
                throw OpenSSLErrorQueue.error(.invalidArgument, "cannot load the CA certificates of '\(path)'")
            }
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        case .disabled:
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        }
        guard let ssl = SSL_new(context) else { throw OpenSSLErrorQueue.error(.openSSL, "SSL_new failed") }
        guard let inbound = BIO_new(BIO_s_mem()), let outbound = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw OpenSSLErrorQueue.error(.openSSL, "BIO_new failed")
        }
        SSL_set_bio(ssl, inbound, outbound)
        self.ssl = ssl
        self.inbound = inbound
        self.outbound = outbound
        SSL_set_connect_state(ssl)
        if let serverName, !serverName.isEmpty {
            if Self.isIPAddress(serverName) {
                if verification != .disabled,
                   X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName) != 1 {
                    throw OpenSSLErrorQueue.error(.invalidArgument, "'\(serverName)' is not an IP address OpenSSL accepts")
                }
            } else {
                // SSL_set_tlsext_host_name is a macro over SSL_ctrl; OpenSSL copies the name.
                let sni = serverName.withCString { name in
                    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, Int(TLSEXT_NAMETYPE_host_name),
                             UnsafeMutableRawPointer(mutating: name))
                }
                guard sni == 1 else {
                    throw OpenSSLErrorQueue.error(.invalidArgument, "cannot send '\(serverName)' as SNI")
                }
                if verification != .disabled, SSL_set1_host(ssl, serverName) != 1 {
                    throw OpenSSLErrorQueue.error(.invalidArgument, "cannot check the certificate for '\(serverName)'")
                }
            }
        }
    }

    deinit {
        SSL_free(ssl)
    }

    /// Begins the handshake and returns the ClientHello.
    public func start() throws(CryptoError) -> [UInt8] {
        guard state == .new else { throw CryptoError(.invalidState, "start() called in state \(state)") }
        state = .handshaking
        var events = Events()
        try advanceHandshake(into: &events)
        return events.ciphertext
    }

    /// Processes ciphertext from the server (any split of the stream). Returns what to send back, the decrypted
    /// application data, and whether the handshake completed or the server closed. Throws
    /// ``CryptoError/Code/certificateRejected`` or ``CryptoError/Code/handshakeFailed`` (with OpenSSL's error
    /// stack) on a fatal error; the alert for the server is then waiting in ``takePendingCiphertext()``.
    public func receive(_ ciphertext: some Collection<UInt8>) throws(CryptoError) -> Events {
        var events = Events()
        switch state {
        case .new:
            state = .handshaking
            try advanceHandshake(into: &events)
        case .handshaking, .connected: break
        case .closed: return events
        case .failed: throw CryptoError(.invalidState, "the TLS connection has failed")
        }
        let bytes = Array(ciphertext)
        if !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { BIO_write(inbound, $0.baseAddress, Int32(clamping: $0.count)) }
            guard written == Int32(clamping: bytes.count) else {
                throw OpenSSLErrorQueue.error(.openSSL, "BIO_write of \(bytes.count) bytes failed")
            }
        }
        if state == .handshaking { try advanceHandshake(into: &events) }
        if state == .connected { try readApplicationData(into: &events) }
        events.ciphertext += drainOutbound()
        return events
    }

    /// Encrypts `plaintext` into TLS records; returns the ciphertext to send.
    public func send(_ plaintext: some Collection<UInt8>) throws(CryptoError) -> [UInt8] {
        guard state == .connected else {
            throw CryptoError(.invalidState, "application data can only be sent once connected (state \(state))")
        }
        let bytes = Array(plaintext)
        guard !bytes.isEmpty else { return [] }
        OpenSSLErrorQueue.clear()
        let written = bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32(clamping: $0.count)) }
        guard written == Int32(clamping: bytes.count) else {
            state = .failed
            throw OpenSSLErrorQueue.error(.openSSL, "SSL_write failed (SSL_get_error \(SSL_get_error(ssl, written)))")
        }
        return drainOutbound()
    }

    /// Sends close_notify (RFC 8446 §6.1) and stops. Returns the alert; calling again returns nothing.
    public func close() -> [UInt8] {
        switch state {
        case .handshaking, .connected:
            OpenSSLErrorQueue.clear()
            _ = SSL_shutdown(ssl)
            OpenSSLErrorQueue.clear()
            state = .closed
            return drainOutbound()
        case .new:
            state = .closed
            return []
        case .closed, .failed:
            return []
        }
    }

    /// Ciphertext written outside a reply, e.g. the fatal alert produced before ``receive(_:)`` threw.
    public func takePendingCiphertext() -> [UInt8] { drainOutbound() }

    /// The negotiated protocol version, e.g. `TLSv1.3`, once connected.
    public var protocolVersion: String? {
        guard state == .connected, let name = SSL_get_version(ssl) else { return nil }
        return String(cString: name)
    }

    /// The negotiated cipher suite's OpenSSL name, e.g. `TLS_AES_256_GCM_SHA384`, once connected.
    public var cipherSuite: String? {
        guard state == .connected, let cipher = SSL_get_current_cipher(ssl), let name = SSL_CIPHER_get_name(cipher) else {
            return nil
        }
        return String(cString: name)
    }

    // MARK: - Internals

    private func advanceHandshake(into events: inout Events) throws(CryptoError) {
        OpenSSLErrorQueue.clear()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            state = .connected
            events.handshakeComplete = true
            events.ciphertext += drainOutbound()
            return
        }
        let error = SSL_get_error(ssl, result)
        if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE {
            events.ciphertext += drainOutbound()
            return
        }
        state = .failed
        let verify = SSL_get_verify_result(ssl)
        if verify != Int(X509_V_OK) {
            let why = X509_verify_cert_error_string(verify).map { String(cString: $0) } ?? "error \(verify)"
            throw OpenSSLErrorQueue.error(.certificateRejected,
                                          "the certificate of '\(serverName ?? "?")' was rejected (\(verification)): \(why)")
        }
        throw OpenSSLErrorQueue.error(.handshakeFailed, "the TLS handshake failed (SSL_get_error \(error))")
    }

    private func readApplicationData(into events: inout Events) throws(CryptoError) {
        while true {
            OpenSSLErrorQueue.clear()
            let count = readBuffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32(clamping: $0.count)) }
            if count > 0 {
                events.plaintext += readBuffer.prefix(Int(count))
                continue
            }
            let error = SSL_get_error(ssl, count)
            switch error {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                return
            case SSL_ERROR_ZERO_RETURN:
                state = .closed
                events.closed = true
                return
            default:
                state = .failed
                throw OpenSSLErrorQueue.error(.openSSL, "SSL_read failed (SSL_get_error \(error))")
            }
        }
    }

    private func drainOutbound() -> [UInt8] {
        var result: [UInt8] = []
        let pending = BIO_ctrl_pending(outbound)
        guard pending > 0 else { return result }
        result = [UInt8](repeating: 0, count: Int(pending))
        let read = result.withUnsafeMutableBytes { BIO_read(outbound, $0.baseAddress, Int32(clamping: $0.count)) }
        return read > 0 ? Array(result.prefix(Int(read))) : []
    }

    /// An IPv4 dotted quad or an IPv6 literal (without brackets): matched against IP subjectAltNames, never SNI.
    static func isIPAddress(_ name: String) -> Bool {
        if name.contains(":") { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) }
    }
}
