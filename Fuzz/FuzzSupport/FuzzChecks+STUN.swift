import NIOCore
import RTCWire

extension FuzzChecks {
    /// Fuzz check for the STUN parser. TODO(foundation): parse, and on success serialize and parse again.
    public static func stun(_ bytes: [UInt8]) -> FuzzOutcome {
        .accepted
    }
}
