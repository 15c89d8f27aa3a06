/// A `t=` line with the `r=` lines that follow it (RFC 8866 §5.9, §5.10). WebRTC always uses `t=0 0`.
public struct SDPTiming: Hashable, Sendable {
    public var start: UInt64
    public var stop: UInt64
    /// The raw text of each following `r=` line.
    public var repeats: [String]

    public init(start: UInt64 = 0, stop: UInt64 = 0, repeats: [String] = []) {
        self.start = start
        self.stop = stop
        self.repeats = repeats
    }

    /// Parses the text after `t=`.
    public init(parsing text: String) throws(WireError) {
        let fields = SDPText.fields(text[...])
        guard fields.count == 2 else {
            throw WireError(.sdp, .malformed, "t=: expected start and stop time, got \(fields.count) fields")
        }
        start = try SDPText.number(fields[0], field: "t= start-time")
        stop = try SDPText.number(fields[1], field: "t= stop-time")
        repeats = []
    }

    /// The text after `t=`.
    public var text: String { "\(start) \(stop)" }
}
