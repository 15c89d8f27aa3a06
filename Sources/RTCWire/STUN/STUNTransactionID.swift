/// The 96-bit transaction ID of a STUN message (RFC 8489 §5), held without heap allocation.
public struct STUNTransactionID: Hashable, Sendable, CustomStringConvertible {
    // Network order: `high` holds bytes 0–3, `middle` 4–7, `low` 8–11.
    public var high: UInt32
    public var middle: UInt32
    public var low: UInt32

    public init(high: UInt32, middle: UInt32, low: UInt32) {
        self.high = high
        self.middle = middle
        self.low = low
    }

    /// A transaction ID from exactly 12 bytes; nil for any other count.
    public init?<Bytes: Collection<UInt8>>(bytes: Bytes) {
        guard bytes.count == 12 else { return nil }
        let array = Array(bytes)
        func word(_ at: Int) -> UInt32 { array[at..<at + 4].reduce(0) { $0 << 8 | UInt32($1) } }
        self.init(high: word(0), middle: word(4), low: word(8))
    }

    /// A fresh random ID. RFC 8489 §5 asks for a cryptographically random value; the default generator is the
    /// standard library's system generator (the kernel's CSPRNG).
    public static func random() -> STUNTransactionID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> STUNTransactionID {
        STUNTransactionID(high: generator.next(), middle: generator.next(), low: generator.next())
    }

    /// The 12 bytes in network order.
    public var bytes: [UInt8] {
        [high, middle, low].flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (24 - 8 * $0)) } }
    }

    /// Lowercase hex, 24 digits.
    public var description: String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
