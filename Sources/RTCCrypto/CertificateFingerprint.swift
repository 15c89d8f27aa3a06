public import RTCWire

/// A certificate fingerprint as SDP carries it in `a=fingerprint` (RFC 8122 §5): a hash function name and the hash
/// of the DER-encoded certificate, written `sha-256 AB:CD:…` (upper-case hex pairs joined by colons).
///
/// WebRTC trusts a DTLS peer only through this value (RFC 8827 §6.5): the certificate is self-signed, and it is
/// accepted when its hash matches one of the fingerprints the signalling channel delivered.
public struct CertificateFingerprint: Hashable, Sendable, CustomStringConvertible {
    /// The hash functions of the IANA "Hash Function Textual Names" registry that AsyncRTC computes.
    /// MD5 and SHA-224 are registered too; they are refused as ``WireError/Code/unsupported``.
    public enum Algorithm: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
        case sha1 = "sha-1"
        case sha256 = "sha-256"
        case sha384 = "sha-384"
        case sha512 = "sha-512"

        /// The textual name used in SDP, e.g. `sha-256`.
        public var description: String { rawValue }

        /// Number of bytes the hash produces.
        public var digestLength: Int { hashAlgorithm.digestLength }

        /// The same hash for ``Digest``.
        public var hashAlgorithm: HMAC.Algorithm {
            switch self {
            case .sha1: .sha1
            case .sha256: .sha256
            case .sha384: .sha384
            case .sha512: .sha512
            }
        }

        /// Looks a registry name up, ignoring case (RFC 8122 §5: hash function names are case-insensitive).
        public init?(textualName: some StringProtocol) {
            let lowered = textualName.lowercased()
            guard let algorithm = Algorithm(rawValue: lowered) else { return nil }
            self = algorithm
        }
    }

    public var algorithm: Algorithm
    public var bytes: [UInt8]

    public init(algorithm: Algorithm, bytes: [UInt8]) {
        self.algorithm = algorithm
        self.bytes = bytes
    }

    /// The fingerprint of `der`, the DER encoding of a certificate (RFC 8122 §5: the hash covers the whole DER).
    public init(algorithm: Algorithm, hashing der: [UInt8]) {
        self.init(algorithm: algorithm, bytes: Digest.hash(algorithm.hashAlgorithm, der))
    }

    /// Parses the SDP attribute value `hash-func SP fingerprint`, e.g. `sha-256 AB:CD:…` (RFC 8122 §5).
    /// Surrounding whitespace is ignored; hex digits may be of either case.
    public init(parsing text: String) throws(WireError) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count == 2 else {
            throw WireError(.sdp, .malformed, "fingerprint must be 'hash-func SP fingerprint', got \(fields.count) fields")
        }
        guard let algorithm = Algorithm(textualName: fields[0]) else {
            throw WireError(.sdp, .unsupported, "unsupported fingerprint hash function '\(fields[0].prefix(32))'")
        }
        try self.init(algorithm: algorithm, value: fields[1])
    }

    /// Parses the hex part alone (`AB:CD:…`), as ORTC's `RTCDtlsFingerprint(algorithm:value:)` carries it.
    public init(algorithm: Algorithm, value: some StringProtocol) throws(WireError) {
        let utf8 = Array(value.utf8)
        let expected = algorithm.digestLength
        // Each byte is two hex digits, and a colon separates neighbours: 3n - 1 characters.
        guard utf8.count == expected * 3 - 1 else {
            throw WireError(.sdp, .malformed, "\(algorithm) fingerprint needs \(expected * 3 - 1) characters, got \(utf8.count)")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(expected)
        for index in 0..<expected {
            let offset = index * 3
            if index > 0, utf8[offset - 1] != UInt8(ascii: ":") {
                throw WireError(.sdp, .malformed, "fingerprint byte \(index) is not preceded by ':'")
            }
            guard let high = Self.hexValue(utf8[offset]), let low = Self.hexValue(utf8[offset + 1]) else {
                throw WireError(.sdp, .malformed, "fingerprint byte \(index) is not two hex digits")
            }
            bytes.append(high << 4 | low)
        }
        self.init(algorithm: algorithm, bytes: bytes)
    }

    /// The hex part: upper-case pairs joined by colons (RFC 8122 §5, `UHEX`).
    public var value: String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 3)
        for (index, byte) in bytes.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ":")) }
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The SDP attribute value, e.g. `sha-256 AB:CD:…`; ``init(parsing:)`` reads it back.
    public var description: String { "\(algorithm.rawValue) \(value)" }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
