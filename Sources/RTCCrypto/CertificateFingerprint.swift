public import RTCWire

/// A certificate fingerprint as SDP carries it in `a=fingerprint` (RFC 8122 §5): a hash function name and the hash
/// of the DER-encoded certificate, written `sha-256 AB:CD:…` (upper-case hex pairs joined by colons).
///
/// WebRTC trusts a DTLS peer only through this value (RFC 8827 §6.5): the certificate is self-signed, and it is
/// accepted when its hash matches one of the fingerprints the signalling channel delivered.
public struct CertificateFingerprint: Hashable, Sendable, CustomStringConvertible {
    /// The hash functions of the IANA "Hash Function Textual Names" registry that AsyncRTC computes.
    /// MD5 and SHA-224 are registered too; they are refused as `WireError.Code.unsupported`.
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

    /// Parses the SDP attribute value `hash-func SP fingerprint`, e.g. `sha-256 AB:CD:…` (RFC 8122 §5), with
    /// RTCWire's `a=fingerprint` parser. Surrounding whitespace is ignored; hex digits may be of either case.
    public init(parsing text: String) throws(WireError) {
        // SDP separates with SP only; text pasted from elsewhere may carry tabs.
        try self.init(try SDPFingerprint(attributeValue: String(text.map { $0 == "\t" ? " " : $0 })))
    }

    /// The fingerprint an `a=fingerprint` attribute carries; its hash function must be one we support and its
    /// length must match it.
    public init(_ attribute: SDPFingerprint) throws(WireError) {
        guard let algorithm = Algorithm(textualName: attribute.hashFunction[...]) else {
            throw WireError(.sdp, .unsupported, "unsupported fingerprint hash function '\(attribute.hashFunction.prefix(32))'")
        }
        guard attribute.bytes.count == algorithm.digestLength else {
            throw WireError(.sdp, .malformed,
                            "\(algorithm) fingerprint needs \(algorithm.digestLength) bytes, got \(attribute.bytes.count)")
        }
        self.init(algorithm: algorithm, bytes: attribute.bytes)
    }

    /// Parses the hex part alone (`AB:CD:…`), as ORTC's `RTCDtlsFingerprint(algorithm:value:)` carries it.
    public init(algorithm: Algorithm, value: some StringProtocol) throws(WireError) {
        guard !value.contains(where: { $0 == " " || $0 == "\t" }) else {
            throw WireError(.sdp, .malformed, "a fingerprint value has no spaces")
        }
        try self.init(try SDPFingerprint(attributeValue: "\(algorithm.rawValue) \(value)"))
    }

    /// As the SDP attribute `a=fingerprint` carries it.
    public var sdpAttribute: SDPFingerprint { SDPFingerprint(hashFunction: algorithm.rawValue, bytes: bytes) }

    /// The hex part: upper-case pairs joined by colons (RFC 8122 §5, `UHEX`).
    public var value: String { sdpAttribute.hex }

    /// The SDP attribute value, e.g. `sha-256 AB:CD:…`; ``init(parsing:)`` reads it back.
    public var description: String { "\(algorithm.rawValue) \(value)" }
}
