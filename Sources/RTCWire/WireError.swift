/// The error every RTCWire parser throws on bytes it cannot accept.
///
/// Malformed input never traps: each parser checks a length against the bytes that are actually there before it
/// reads or allocates, and reports what was wrong here instead. Equality compares the ``layer`` and ``code`` only,
/// so tests and callers can match on the kind of failure while the ``reason`` stays free to be precise.
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Which wire format raised the error.
    public struct Layer: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let stun = Layer("STUN")
        public static let sdp = Layer("SDP")
        public static let rtp = Layer("RTP")
        public static let rtcp = Layer("RTCP")
        public static let dcep = Layer("DCEP")
        public static let demux = Layer("demux")
    }

    /// What went wrong; extensible, unlike a frozen enum.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The input ended before a field or a declared length did.
        public static let truncated = Code("truncated")
        /// A field holds a value the format does not allow.
        public static let malformed = Code("malformed")
        /// The input is well formed but uses something this implementation does not handle.
        public static let unsupported = Code("unsupported")
        /// A checksum, fingerprint or integrity value did not match.
        public static let integrity = Code("integrity")
        /// Serializing would exceed a limit of the format.
        public static let tooLarge = Code("tooLarge")
    }

    public var layer: Layer
    public var code: Code
    public var reason: String
    public var file: String
    public var line: UInt

    public init(_ layer: Layer, _ code: Code, _ reason: String, file: String = #fileID, line: UInt = #line) {
        self.layer = layer
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    public var description: String { "\(layer) \(code): \(reason)" }

    public static func == (lhs: WireError, rhs: WireError) -> Bool {
        lhs.layer == rhs.layer && lhs.code == rhs.code
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(layer)
        hasher.combine(code)
    }
}
