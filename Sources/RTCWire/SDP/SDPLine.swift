/// A line this model keeps only as text: `i=`, `u=`, `e=`, `p=`, `z=`, `k=` and any type letter RFC 8866 does not
/// define. The line order of RFC 8866 §5 is enforced when parsing, so these lines are written back where they were.
public struct SDPLine: Hashable, Sendable, CustomStringConvertible {
    /// The type letter, an ASCII lower-case letter.
    public var type: UInt8
    /// The text after `x=`.
    public var value: String

    public init(type: UInt8, value: String) {
        self.type = type
        self.value = value
    }

    public var description: String { String(decoding: [type, UInt8(ascii: "=")], as: UTF8.self) + value }
}
