public import Foundation
import RTCCrypto

/// A DTLS certificate and its private key (aiortc's `RTCCertificate`, W3C `RTCCertificate`): ECDSA P-256,
/// self-signed, trusted by the peer only through its fingerprint (RFC 8827 §6.5).
public final class RTCCertificate: Sendable {
    let certificate: DTLSCertificate

    init(_ certificate: DTLSCertificate) {
        self.certificate = certificate
    }

    /// Generates a key and a certificate (aiortc's `RTCCertificate.generateCertificate()`).
    ///
    /// - Throws: ``RTCError`` `operation` when OpenSSL cannot make one (an OpenSSL older than 3.0 at run time).
    public static func generateCertificate() throws(RTCError) -> RTCCertificate {
        do {
            return RTCCertificate(try DTLSCertificate.generate())
        } catch {
            throw RTCError(.operation, "could not generate a certificate: \(error)")
        }
    }

    /// When the certificate stops being valid.
    public var expires: Date { Date(timeIntervalSince1970: TimeInterval(certificate.notAfter)) }

    /// The certificate's fingerprints with SHA-256, SHA-384 and SHA-512 (aiortc reports the same three); a peer
    /// trusts the certificate when it matches one it supports.
    public func getFingerprints() -> [RTCDtlsFingerprint] {
        [CertificateFingerprint.Algorithm.sha256, .sha384, .sha512].map {
            let fingerprint = certificate.fingerprint($0)
            return RTCDtlsFingerprint(algorithm: fingerprint.algorithm.rawValue, value: fingerprint.value)
        }
    }
}
