/// `a=fingerprint:<hash function> <hex:hex:...>` (RFC 8122 §5), e.g. `sha-256 AB:CD:...`.
public struct SDPFingerprint: SDPAttributeValue {
    public static let attributeName = "fingerprint"
    /// The hash function as written, e.g. `sha-256` (RFC 8122 allows upper case too).
    public var hashFunction: String
    public var bytes: [UInt8]

    public init(hashFunction: String, bytes: [UInt8]) {
        self.hashFunction = hashFunction
        self.bytes = bytes
    }

    public init(attributeValue: String) throws(WireError) {
        let tokens = SDPText.tokens(attributeValue[...])
        guard tokens.count == 2 else {
            throw WireError(.sdp, .malformed, "fingerprint: expected <hash function> <fingerprint>")
        }
        hashFunction = String(tokens[0])
        bytes = []
        for pair in tokens[1].utf8.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false) {
            guard pair.count == 2, let high = Self.nibble(pair.first), let low = Self.nibble(pair.last) else {
                throw WireError(.sdp, .malformed, "fingerprint: expected colon-separated pairs of hex digits")
            }
            bytes.append(high << 4 | low)
        }
    }

    /// The fingerprint as upper-case hex pairs separated by colons (RFC 8122 §5).
    public var hex: String {
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

    public var attributeValue: String { hashFunction + " " + hex }

    private static func nibble(_ byte: UInt8?) -> UInt8? {
        switch byte {
        case let b? where b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case let b? where b >= UInt8(ascii: "a") && b <= UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case let b? where b >= UInt8(ascii: "A") && b <= UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
