import Foundation
import RTCCrypto
import Testing

@Suite struct DTLSCertificateTests {
    @Test func generatesAnECDSACertificateWithAShortValidityWindow() throws {
        let certificate = try DTLSCertificate.generate()
        let now = Int64(Date().timeIntervalSince1970)
        let month: Int64 = 30 * 86_400
        #expect(abs(certificate.notBefore - (now - month)) < 300)
        #expect(abs(certificate.notAfter - (now + month)) < 300)
        #expect(certificate.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----"))
        #expect(certificate.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        // An id-ecPublicKey (1.2.840.10045.2.1) with prime256v1 (1.2.840.10045.3.1.7) and ecdsa-with-SHA256
        // (1.2.840.10045.4.3.2) appear in the DER.
        let der = certificate.derEncoded
        #expect(contains(der, [0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]))
        #expect(contains(der, [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]))
        #expect(contains(der, [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]))
    }

    @Test func eachCertificateIsDifferent() throws {
        let a = try DTLSCertificate.generate(), b = try DTLSCertificate.generate()
        #expect(a.derEncoded != b.derEncoded)
        #expect(a.fingerprint() != b.fingerprint())
    }

    @Test func fingerprintsHashTheDER() throws {
        let certificate = try DTLSCertificate.generate(commonName: "asyncrtc-test")
        for algorithm in CertificateFingerprint.Algorithm.allCases {
            let fingerprint = certificate.fingerprint(algorithm)
            #expect(fingerprint.algorithm == algorithm)
            #expect(fingerprint.bytes == Digest.hash(algorithm.hashAlgorithm, certificate.derEncoded))
        }
        #expect(certificate.fingerprints.first == certificate.fingerprint(.sha256))
        #expect(contains(certificate.derEncoded, Array("asyncrtc-test".utf8)))
    }

    @Test func pemRoundTrips() throws {
        let original = try DTLSCertificate.generate()
        let imported = try DTLSCertificate(certificatePEM: original.certificatePEM, privateKeyPEM: original.privateKeyPEM)
        #expect(imported.derEncoded == original.derEncoded)
        #expect(imported.fingerprint(.sha256) == original.fingerprint(.sha256))
        #expect(imported.notAfter == original.notAfter)
        #expect(imported.privateKeyPEM == original.privateKeyPEM)
    }

    @Test func importRejectsAForeignKeyAndGarbage() throws {
        let a = try DTLSCertificate.generate(), b = try DTLSCertificate.generate()
        #expect(throws: CryptoError(.invalidArgument, "")) {
            try DTLSCertificate(certificatePEM: a.certificatePEM, privateKeyPEM: b.privateKeyPEM)
        }
        #expect(throws: CryptoError(.invalidArgument, "")) {
            try DTLSCertificate(certificatePEM: "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n",
                                privateKeyPEM: a.privateKeyPEM)
        }
        #expect(throws: CryptoError(.invalidArgument, "")) {
            try DTLSCertificate(certificatePEM: a.certificatePEM, privateKeyPEM: "")
        }
    }
}

func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard needle.count <= haystack.count else { return false }
    return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<$0 + needle.count]) == needle }
}
