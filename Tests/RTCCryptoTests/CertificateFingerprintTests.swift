import RTCCrypto
import RTCWire
import Testing

@Suite struct CertificateFingerprintTests {
    @Test func textFormRoundTrips() throws {
        let bytes = (0..<32).map { UInt8($0 * 7 & 0xFF) }
        let fingerprint = CertificateFingerprint(algorithm: .sha256, bytes: bytes)
        let text = fingerprint.description
        #expect(text.hasPrefix("sha-256 00:07:0E:15:"))
        #expect(text.count == "sha-256 ".count + 32 * 3 - 1)
        #expect(try CertificateFingerprint(parsing: text) == fingerprint)
    }

    @Test(arguments: CertificateFingerprint.Algorithm.allCases)
    func everyAlgorithmRoundTrips(algorithm: CertificateFingerprint.Algorithm) throws {
        let fingerprint = CertificateFingerprint(algorithm: algorithm, hashing: Array("certificate".utf8))
        #expect(fingerprint.bytes.count == algorithm.digestLength)
        #expect(try CertificateFingerprint(parsing: fingerprint.description) == fingerprint)
        #expect(try CertificateFingerprint(algorithm: algorithm, value: fingerprint.value) == fingerprint)
    }

    @Test func parsingIgnoresCaseAndSurroundingSpace() throws {
        let upper = try CertificateFingerprint(parsing: "SHA-1 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01")
        let lower = try CertificateFingerprint(parsing: "  sha-1\tab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01 ")
        #expect(upper == lower)
        #expect(upper.algorithm == .sha1)
        #expect(upper.value == "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01")
    }

    @Test(arguments: [
        "",
        "sha-256",
        "sha-256 AB:CD",
        "sha-256 AB:CD:EF extra",
        "sha-1 AB-CD-EF-01-23-45-67-89-AB-CD-EF-01-23-45-67-89-AB-CD-EF-01",
        "sha-1 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:0G",
        "sha-1 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:012",
        "sha-1 ÄB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:0",
    ])
    func malformedTextIsRejected(text: String) {
        #expect(throws: WireError(.sdp, .malformed, "")) { try CertificateFingerprint(parsing: text) }
    }

    @Test func unknownHashFunctionIsUnsupported() {
        #expect(throws: WireError(.sdp, .unsupported, "")) {
            try CertificateFingerprint(parsing: "md5 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89")
        }
    }

    @Test func randomTextNeverTraps() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("sha-1256:ABCDEFabcdef0123456789 \t\u{0}é")
        for _ in 0..<2000 {
            let length = Int.random(in: 0..<120, using: &generator)
            let text = String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
            if let parsed = try? CertificateFingerprint(parsing: text) {
                #expect(try CertificateFingerprint(parsing: parsed.description) == parsed)
            }
        }
    }
}
