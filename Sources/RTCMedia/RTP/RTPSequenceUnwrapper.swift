/// Extends 16-bit RTP sequence numbers to a 64-bit count that does not wrap (RFC 3550 §A.1).
///
/// Each number is placed at the distance from the previous one that is shortest modulo 2¹⁶, so reordering of
/// less than half the sequence space is handled in both directions. The first number maps to itself.
public struct RTPSequenceUnwrapper: Sendable {
    private var last: Int64?

    public init() {}

    /// The extended value of `sequence`; moves the reference to it.
    public mutating func unwrap(_ sequence: UInt16) -> Int64 {
        let value = peek(sequence)
        last = value
        return value
    }

    /// The extended value `sequence` would get, without moving the reference.
    public func peek(_ sequence: UInt16) -> Int64 {
        guard let last else { return Int64(sequence) }
        let delta = Int16(bitPattern: sequence &- UInt16(truncatingIfNeeded: last))
        return last + Int64(delta)
    }
}

/// Extends 32-bit RTP timestamps to a 64-bit count that does not wrap, as ``RTPSequenceUnwrapper`` does for
/// sequence numbers.
public struct RTPTimestampUnwrapper: Sendable {
    private var last: Int64?

    public init() {}

    public mutating func unwrap(_ timestamp: UInt32) -> Int64 {
        let value = peek(timestamp)
        last = value
        return value
    }

    public func peek(_ timestamp: UInt32) -> Int64 {
        guard let last else { return Int64(timestamp) }
        let delta = Int32(bitPattern: timestamp &- UInt32(truncatingIfNeeded: last))
        return last + Int64(delta)
    }
}
