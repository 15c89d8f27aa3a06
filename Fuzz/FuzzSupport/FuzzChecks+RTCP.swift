import NIOCore
import RTCWire

extension FuzzChecks {
    /// Fuzz check for the RTCP parser. TODO(foundation): parse, and on success serialize and parse again.
    public static func rtcp(_ bytes: [UInt8]) -> FuzzOutcome {
        .accepted
    }
}
