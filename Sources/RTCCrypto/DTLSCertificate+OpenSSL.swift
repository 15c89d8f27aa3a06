internal import CRTCOpenSSL

/// A private key and the self-signed X.509 certificate a DTLS endpoint presents (RFC 8827 §6.5: WebRTC endpoints
/// use self-signed certificates, trusted only through the fingerprint in SDP, RFC 8122 §5).
///
/// ``generate(commonName:validity:)`` makes an ECDSA P-256 key and a certificate with a random serial number, a
/// random common name and a short validity window, signed with ECDSA-SHA256 — the shape browsers and aiortc use.
///
/// `@unchecked Sendable`: the key and certificate are never modified after `init`, and OpenSSL 3 allows concurrent
/// read-only use of an `EVP_PKEY` and an `X509` from many threads (openssl-threads(7): objects not being modified may
/// be shared); each DTLS endpoint takes its own reference through `SSL_CTX_use_certificate`/`_PrivateKey`.
public final class DTLSCertificate: @unchecked Sendable {
    /// `EVP_PKEY *`, owned.
    let privateKey: OpaquePointer
    /// `X509 *`, owned.
    let certificate: OpaquePointer

    /// The DER encoding of the certificate; fingerprints hash these bytes.
    public let derEncoded: [UInt8]
    /// Start of the validity window, in seconds since 1970-01-01 UTC.
    public let notBefore: Int64
    /// End of the validity window, in seconds since 1970-01-01 UTC (aiortc's `expires`).
    public let notAfter: Int64

    /// Takes ownership of both objects (the caller must not free them).
    private init(privateKey: OpaquePointer, certificate: OpaquePointer) throws(CryptoError) {
        self.privateKey = privateKey
        self.certificate = certificate
        let length = i2d_X509(certificate, nil)
        guard length > 0 else {
            EVP_PKEY_free(privateKey)
            X509_free(certificate)
            throw OpenSSLErrorQueue.error(.openSSL, "i2d_X509 could not encode the certificate")
        }
        var der = [UInt8](repeating: 0, count: Int(length))
        der.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            _ = i2d_X509(certificate, &cursor)
        }
        self.derEncoded = der
        self.notBefore = Self.unixSeconds(X509_get0_notBefore(certificate)) ?? 0
        self.notAfter = Self.unixSeconds(X509_get0_notAfter(certificate)) ?? 0
    }

    deinit {
        EVP_PKEY_free(privateKey)
        X509_free(certificate)
    }

    /// Generates an ECDSA P-256 key and a self-signed certificate valid from `validity` before now until `validity`
    /// after now (clock skew between peers does not matter; the fingerprint is what is checked).
    ///
    /// - Parameters:
    ///   - commonName: the subject and issuer CN; a random 32-hex-digit name when `nil`, so certificates do not
    ///     identify the software or the user.
    ///   - validity: how far the window reaches on each side of now; 30 days by default.
    public static func generate(commonName: String? = nil, validity: Duration = .seconds(30 * 86_400)) throws(CryptoError) -> DTLSCertificate {
        // The headers refuse OpenSSL < 3 at build time; a mismatched shared library is refused here.
        try OpenSSLLibrary.checkSupported()
        OpenSSLErrorQueue.clear()
        let key = try generateP256Key()
        guard let x509 = X509_new() else {
            EVP_PKEY_free(key)
            throw OpenSSLErrorQueue.error(.openSSL, "X509_new failed")
        }
        do {
            try fill(x509, key: key, commonName: commonName ?? randomName(), validitySeconds: validity.components.seconds)
        } catch {
            EVP_PKEY_free(key)
            X509_free(x509)
            throw error
        }
        return try DTLSCertificate(privateKey: key, certificate: x509)
    }

    /// Imports a certificate and its private key from PEM (`-----BEGIN CERTIFICATE-----` and a PKCS#8 or
    /// traditional `-----BEGIN … PRIVATE KEY-----` block, unencrypted). Throws when the key does not belong to the
    /// certificate.
    public convenience init(certificatePEM: String, privateKeyPEM: String) throws(CryptoError) {
        OpenSSLErrorQueue.clear()
        guard let x509 = Self.withMemoryBIO(certificatePEM, { PEM_read_bio_X509($0, nil, nil, nil) }) else {
            throw OpenSSLErrorQueue.error(.invalidArgument, "no PEM certificate could be read")
        }
        guard let key = Self.withMemoryBIO(privateKeyPEM, { PEM_read_bio_PrivateKey($0, nil, nil, nil) }) else {
            X509_free(x509)
            throw OpenSSLErrorQueue.error(.invalidArgument, "no PEM private key could be read")
        }
        guard X509_check_private_key(x509, key) == 1 else {
            X509_free(x509)
            EVP_PKEY_free(key)
            throw OpenSSLErrorQueue.error(.invalidArgument, "the private key does not match the certificate")
        }
        try self.init(privateKey: key, certificate: x509)
    }

    /// The certificate as PEM.
    public var certificatePEM: String {
        Self.pem { PEM_write_bio_X509($0, certificate) }
    }

    /// The private key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). Treat it as a secret.
    public var privateKeyPEM: String {
        Self.pem { PEM_write_bio_PrivateKey($0, privateKey, nil, nil, 0, nil, nil) }
    }

    /// The fingerprint SDP announces for this certificate (RFC 8122 §5).
    public func fingerprint(_ algorithm: CertificateFingerprint.Algorithm = .sha256) -> CertificateFingerprint {
        CertificateFingerprint(algorithm: algorithm, hashing: derEncoded)
    }

    /// Fingerprints with every algorithm that W3C's `getFingerprints()` may report; SHA-256 first.
    public var fingerprints: [CertificateFingerprint] {
        [fingerprint(.sha256)]
    }

    // MARK: - OpenSSL steps

    private static func generateP256Key() throws(CryptoError) -> OpaquePointer {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else {
            throw OpenSSLErrorQueue.error(.openSSL, "EVP_PKEY_CTX_new_from_name(EC) failed")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_CTX_set_group_name(context, "P-256") == 1 else {
            throw OpenSSLErrorQueue.error(.openSSL, "EC key generation could not be set up for P-256")
        }
        var key: OpaquePointer?
        guard EVP_PKEY_generate(context, &key) == 1, let key else {
            throw OpenSSLErrorQueue.error(.openSSL, "EVP_PKEY_generate failed")
        }
        return key
    }

    private static func fill(_ x509: OpaquePointer, key: OpaquePointer, commonName: String, validitySeconds: Int64) throws(CryptoError) {
        // A positive 63-bit random serial number (RFC 5280 §4.1.2.2: positive, at most 20 octets).
        let serial = max(SecureRandom.uint64() >> 1, 1)
        let window = Int(clamping: max(validitySeconds, 60))
        guard X509_set_version(x509, Int(X509_VERSION_3)) == 1,
              ASN1_INTEGER_set_uint64(X509_get_serialNumber(x509), serial) == 1,
              X509_gmtime_adj(X509_getm_notBefore(x509), -window) != nil,
              X509_gmtime_adj(X509_getm_notAfter(x509), window) != nil
        else {
            throw OpenSSLErrorQueue.error(.openSSL, "could not set the certificate's version, serial or validity")
        }
        guard let name = X509_get_subject_name(x509) else {
            throw OpenSSLErrorQueue.error(.openSSL, "X509_get_subject_name failed")
        }
        let cn = Array(commonName.utf8)
        let added = cn.withUnsafeBufferPointer { bytes in
            X509_NAME_add_entry_by_txt(name, "CN", CRTCOpenSSL_MBSTRING_ASC(), bytes.baseAddress, Int32(clamping: bytes.count), -1, 0)
        }
        guard added == 1, X509_set_issuer_name(x509, name) == 1, X509_set_pubkey(x509, key) == 1 else {
            throw OpenSSLErrorQueue.error(.openSSL, "could not set the certificate's names or public key")
        }
        guard X509_sign(x509, key, EVP_sha256()) > 0 else {
            throw OpenSSLErrorQueue.error(.openSSL, "X509_sign failed")
        }
    }

    private static func randomName() -> String {
        SecureRandom.bytes(16).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
    }

    /// Seconds between 1970-01-01 UTC and `time`, computed by OpenSSL (`ASN1_TIME_diff` against the epoch).
    private static func unixSeconds(_ time: UnsafePointer<ASN1_TIME>?) -> Int64? {
        guard let time, let epoch = ASN1_TIME_set(nil, 0) else { return nil }
        defer { ASN1_STRING_free(epoch) }
        var days: Int32 = 0, seconds: Int32 = 0
        guard ASN1_TIME_diff(&days, &seconds, epoch, time) == 1 else { return nil }
        return Int64(days) * 86_400 + Int64(seconds)
    }

    private static func withMemoryBIO<T>(_ text: String, _ body: (OpaquePointer) -> T?) -> T? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { raw -> T? in
            guard let base = raw.baseAddress, let bio = BIO_new_mem_buf(base, Int32(clamping: raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return body(bio)
        }
    }

    private static func pem(_ write: (OpaquePointer) -> Int32) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else {
            OpenSSLErrorQueue.clear()
            return ""
        }
        var data: UnsafeMutablePointer<CChar>?
        let length = CRTCOpenSSL_BIO_get_mem_data(bio, &data)
        guard let data, length > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }
}
