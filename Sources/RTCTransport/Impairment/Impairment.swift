public import NIOCore

/// The sans-I/O core of the impairment layer: given a datagram and the time it was sent, decides whether and
/// when it arrives (DESIGN.md). The socket shell asks ``admit(size:now:)`` for every datagram and delivers each
/// copy at the returned deadline; nothing here reads a clock or touches a socket, so tests drive it with any
/// time they like.
public struct Impairment: Sendable {
    /// The profile in force; changing its seed restarts the random sequence.
    public var profile: ImpairmentProfile {
        didSet { if profile.seed != oldValue.seed { random = SeededRandom(seed: profile.seed) } }
    }

    /// What happened to the datagrams so far.
    public private(set) var counters = Counters()

    private var random: SeededRandom
    /// Gilbert–Elliott state for burst loss: true while in the lossy state.
    private var inBurst = false
    /// Datagrams that reached the loss stage since the last one dropped by ``ImpairmentProfile/dropEveryNth``.
    private var sinceNthDrop = 0
    /// When the rate-limited link finishes sending what it has queued.
    private var linkBusyUntil: NIODeadline? = nil

    /// Datagrams by fate.
    public struct Counters: Hashable, Sendable {
        /// Every datagram offered to ``Impairment/admit(size:now:)``.
        public var admitted = 0
        /// Dropped by random or burst loss, or as every nth datagram.
        public var dropped = 0
        /// Delivered twice.
        public var duplicated = 0
        /// Held back by the reorder gap.
        public var reordered = 0
        /// Dropped by the rate limiter because the queue was too long.
        public var rateDropped = 0
        /// Dropped for being larger than the MTU.
        public var mtuDropped = 0
        /// Dropped by the blackhole.
        public var blackholed = 0

        public init() {}
    }

    /// An impairment with `profile`, its random generator seeded with the profile's seed.
    public init(profile: ImpairmentProfile) {
        self.profile = profile
        self.random = SeededRandom(seed: profile.seed)
    }

    /// Decides the fate of one datagram of `size` bytes sent at `now`: an empty array drops it, otherwise one
    /// deadline per copy to deliver (two when duplicated), in no particular order.
    public mutating func admit(size: Int, now: NIODeadline) -> [NIODeadline] {
        counters.admitted += 1
        if profile.blackhole {
            counters.blackholed += 1
            return []
        }
        if let mtu = profile.mtu, size > mtu {
            counters.mtuDropped += 1
            return []
        }
        if isNth() || isLost() {
            counters.dropped += 1
            return []
        }
        var departure = now
        if let rate = profile.rateBitsPerSecond {
            let start = max(now, linkBusyUntil ?? now)
            if start - now > TimeAmount(profile.maxQueueDelay) {
                counters.rateDropped += 1
                return []
            }
            let serialization = TimeAmount.nanoseconds(Int64(size) * 8 * 1_000_000_000 / Int64(rate))
            departure = start + serialization
            linkBusyUntil = departure
        }
        var deliveries = [departure + oneWayDelay()]
        if random.chance(profile.duplicate) {
            counters.duplicated += 1
            deliveries.append(departure + oneWayDelay())
        }
        return deliveries
    }

    /// True for every ``ImpairmentProfile/dropEveryNth``-th datagram.
    private mutating func isNth() -> Bool {
        let n = profile.dropEveryNth
        guard n > 0 else { return false }
        sinceNthDrop += 1
        guard sinceNthDrop >= n else { return false }
        sinceNthDrop = 0
        return true
    }

    /// Bernoulli loss, or Gilbert–Elliott when a mean burst length above 1 is set: the chain leaves the good state
    /// with probability p / (L (1 − p)) and the bad state with 1 / L, so the long-run loss rate is p and bursts
    /// average L datagrams.
    private mutating func isLost() -> Bool {
        let p = profile.loss
        guard p > 0 else { return false }
        let burst = profile.meanBurstLength
        guard burst > 1, p < 1 else { return random.chance(p) }
        if inBurst {
            if random.chance(1 / burst) { inBurst = false }
        } else if random.chance(p / (burst * (1 - p))) {
            inBurst = true
        }
        return inBurst
    }

    private mutating func oneWayDelay() -> TimeAmount {
        var delay = TimeAmount(profile.delay)
        if profile.jitter > .zero {
            let jitterNanos = TimeAmount(profile.jitter).nanoseconds
            delay = delay + .nanoseconds(Int64(random.unit() * Double(jitterNanos)))
        }
        if random.chance(profile.reorder) {
            counters.reordered += 1
            delay = delay + TimeAmount(profile.reorderGap)
        }
        return delay
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000)
    }
}
