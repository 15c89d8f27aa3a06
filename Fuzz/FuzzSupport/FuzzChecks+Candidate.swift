import NIOCore
import RTCWire

extension FuzzChecks {
    /// Fuzz check for the Candidate parser. TODO(foundation): parse, and on success serialize and parse again.
    public static func candidate(_ bytes: [UInt8]) -> FuzzOutcome {
        .accepted
    }
}
