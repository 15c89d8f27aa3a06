/// What the impairment layer under the UDP sockets does to datagrams (DESIGN.md, "Impairment layer").
///
/// The kernel here has no netem, so every loss, delay or reorder test — and any user who wants to see recovery
/// work — goes through this profile. It is seeded: the same profile and seed impair the same packets.
///
/// The textual form, also read from the environment variable `ASYNCRTC_IMPAIR`, is a comma-separated list of
/// `key=value` pairs:
///
/// | key | meaning | example |
/// |---|---|---|
/// | `loss` | probability a datagram is dropped (`0.1` or `10%`) | `loss=0.1` |
/// | `nth` | drop every nth datagram, deterministically (counted from when the profile is set); beside `loss` | `nth=5` |
/// | `burst` | mean length of a loss burst in datagrams (Gilbert–Elliott); average loss stays `loss` | `burst=4` |
/// | `delay` | one-way delay added to every datagram | `delay=50ms` |
/// | `jitter` | uniform extra delay in [0, jitter] (may reorder) | `jitter=5ms` |
/// | `reorder` | probability a datagram is held back behind later ones | `reorder=0.02` |
/// | `reordergap` | how long a reordered datagram is held back (default 10ms) | `reordergap=20ms` |
/// | `dup` | probability a datagram is delivered twice | `dup=0.01` |
/// | `rate` | link rate in bits per second (`k`, `m` suffixes); excess is queued, then tail-dropped | `rate=2m` |
/// | `queue` | the longest queueing delay the rate limiter accepts before dropping (default 200ms) | `queue=100ms` |
/// | `mtu` | datagrams larger than this many bytes are dropped | `mtu=1200` |
/// | `blackhole` | drop everything (`1`/`true`) | `blackhole=1` |
/// | `rebind` | NAT rebinding: the source port seen by the receiver moves by this much | `rebind=1` |
/// | `seed` | seed of the random generator (default 1) | `seed=7` |
///
/// Durations take `us`, `ms` or `s` (default ms).
public struct ImpairmentProfile: Hashable, Sendable, CustomStringConvertible {
    /// Probability that a datagram is dropped, 0…1 (`loss`).
    public var loss: Double = 0
    /// Drop every nth datagram (`nth`); 0 drops none this way. Deterministic, unlike ``loss``.
    public var dropEveryNth: Int = 0
    /// Mean loss-burst length in datagrams; above 1, loss follows a Gilbert–Elliott model (`burst`).
    public var meanBurstLength: Double = 1
    /// One-way delay added to every datagram (`delay`).
    public var delay: Duration = .zero
    /// Upper bound of a uniformly random extra delay (`jitter`).
    public var jitter: Duration = .zero
    /// Probability that a datagram is held back by ``reorderGap`` (`reorder`).
    public var reorder: Double = 0
    /// How long a reordered datagram is held back (`reordergap`).
    public var reorderGap: Duration = .milliseconds(10)
    /// Probability that a datagram is delivered twice (`dup`).
    public var duplicate: Double = 0
    /// Link rate in bits per second; `nil` is unlimited.
    public var rateBitsPerSecond: Int? = nil
    /// The longest queueing delay the rate limiter accepts before dropping (`queue`).
    public var maxQueueDelay: Duration = .milliseconds(200)
    /// Datagrams larger than this many bytes are dropped (`mtu`); `nil` is no limit.
    public var mtu: Int? = nil
    /// Drop everything (`blackhole`).
    public var blackhole: Bool = false
    /// How far a NAT rebinding moves the source port the receiver sees (0: no rebinding).
    public var sourcePortShift: Int = 0
    /// Seed of the random generator (`seed`).
    public var seed: UInt64 = 1

    /// The name of the environment variable read by ``fromEnvironment(_:)``.
    public static let environmentVariable = "ASYNCRTC_IMPAIR"

    /// A profile that changes nothing.
    public init() {}

    /// True when the profile changes nothing.
    public var isTransparent: Bool {
        loss == 0 && dropEveryNth == 0 && delay == .zero && jitter == .zero && reorder == 0 && duplicate == 0 && rateBitsPerSecond == nil
            && mtu == nil && !blackhole && sourcePortShift == 0
    }

    /// Parses the textual form described above.
    public init(parsing text: String) throws(ImpairmentProfile.ParseError) {
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces() }
            guard parts.count == 2, !parts[0].isEmpty else { throw ParseError(item: String(item), reason: "expected key=value") }
            let key = parts[0].lowercased(), value = parts[1]
            switch key {
            case "loss": loss = try Self.probability(value, key)
            case "nth":
                let n = try Self.number(value, key)
                guard n >= 1, n == n.rounded(), n <= Double(Int32.max) else {
                    throw ParseError(item: String(item), reason: "expected a whole number of datagrams, at least 1")
                }
                dropEveryNth = Int(n)
            case "burst": meanBurstLength = max(1, try Self.number(value, key))
            case "delay": delay = try Self.duration(value, key)
            case "jitter": jitter = try Self.duration(value, key)
            case "reorder": reorder = try Self.probability(value, key)
            case "reordergap": reorderGap = try Self.duration(value, key)
            case "dup", "duplicate": duplicate = try Self.probability(value, key)
            case "rate": rateBitsPerSecond = try Self.rate(value, key)
            case "queue": maxQueueDelay = try Self.duration(value, key)
            case "mtu": mtu = Int(try Self.number(value, key))
            case "blackhole": blackhole = try Self.flag(value, key)
            case "rebind": sourcePortShift = Int(try Self.number(value, key))
            case "seed":
                guard let seed = UInt64(value) else { throw ParseError(item: String(item), reason: "seed must be an unsigned integer") }
                self.seed = seed
            default: throw ParseError(item: String(item), reason: "unknown key '\(key)'")
            }
        }
    }

    /// The profile in `ASYNCRTC_IMPAIR`, or `nil` when the variable is unset or empty.
    public static func fromEnvironment(_ environment: [String: String]) throws(ParseError) -> ImpairmentProfile? {
        guard let text = environment[environmentVariable], !text.isEmpty else { return nil }
        return try ImpairmentProfile(parsing: text)
    }

    public var description: String {
        var parts: [String] = []
        if loss > 0 { parts.append("loss=\(loss)") }
        if dropEveryNth > 0 { parts.append("nth=\(dropEveryNth)") }
        if meanBurstLength > 1 { parts.append("burst=\(meanBurstLength)") }
        if delay > .zero { parts.append("delay=\(Self.ms(delay))") }
        if jitter > .zero { parts.append("jitter=\(Self.ms(jitter))") }
        if reorder > 0 { parts.append("reorder=\(reorder)") }
        if reorder > 0 && reorderGap != .milliseconds(10) { parts.append("reordergap=\(Self.ms(reorderGap))") }
        if duplicate > 0 { parts.append("dup=\(duplicate)") }
        if let rate = rateBitsPerSecond { parts.append("rate=\(rate)") }
        if rateBitsPerSecond != nil && maxQueueDelay != .milliseconds(200) { parts.append("queue=\(Self.ms(maxQueueDelay))") }
        if let mtu { parts.append("mtu=\(mtu)") }
        if blackhole { parts.append("blackhole=1") }
        if sourcePortShift != 0 { parts.append("rebind=\(sourcePortShift)") }
        parts.append("seed=\(seed)")
        return parts.joined(separator: ",")
    }

    /// A textual profile that could not be read.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The `key=value` item that was refused.
        public var item: String
        /// Why it was refused.
        public var reason: String
        public var description: String { "\(ImpairmentProfile.environmentVariable): '\(item)': \(reason)" }
    }

    private static func number(_ text: String, _ key: String) throws(ParseError) -> Double {
        guard let value = Double(text), value.isFinite, value >= 0 else {
            throw ParseError(item: "\(key)=\(text)", reason: "expected a non-negative number")
        }
        return value
    }

    private static func probability(_ text: String, _ key: String) throws(ParseError) -> Double {
        let value = text.hasSuffix("%") ? try number(String(text.dropLast()), key) / 100 : try number(text, key)
        guard value <= 1 else { throw ParseError(item: "\(key)=\(text)", reason: "a probability must be at most 1 (100%)") }
        return value
    }

    private static func duration(_ text: String, _ key: String) throws(ParseError) -> Duration {
        let units: [(String, Double)] = [("us", 1e-6), ("ms", 1e-3), ("s", 1)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            return .nanoseconds(Int64(try number(String(text.dropLast(suffix.count)), key) * scale * 1e9))
        }
        return .nanoseconds(Int64(try number(text, key) * 1e6))
    }

    private static func rate(_ text: String, _ key: String) throws(ParseError) -> Int {
        let lower = text.lowercased()
        let scale: Double = lower.hasSuffix("k") ? 1e3 : lower.hasSuffix("m") ? 1e6 : lower.hasSuffix("g") ? 1e9 : 1
        let digits = scale == 1 ? lower : String(lower.dropLast())
        let value = try number(digits, key) * scale
        guard value >= 1, value < 1e12 else { throw ParseError(item: "\(key)=\(text)", reason: "rate out of range") }
        return Int(value)
    }

    private static func flag(_ text: String, _ key: String) throws(ParseError) -> Bool {
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ParseError(item: "\(key)=\(text)", reason: "expected 1/0 or true/false")
        }
    }

    private static func ms(_ d: Duration) -> String {
        let (seconds, attoseconds) = d.components
        let ms = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        return ms == ms.rounded() ? "\(Int(ms))ms" : "\(ms)ms"
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(self.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
