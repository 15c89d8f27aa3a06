/// What the delay-based overuse detector concludes about the path (draft-ietf-rmcat-gcc-02 §5.4).
public enum BandwidthUsage: Sendable, Hashable {
    case normal
    /// Queues are growing: the send rate is above what the path carries.
    case overusing
    /// Queues are draining.
    case underusing
}
