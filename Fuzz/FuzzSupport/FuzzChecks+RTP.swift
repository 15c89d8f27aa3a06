import NIOCore
import RTCWire

extension FuzzChecks {
    /// Fuzz check for the RTP parser. TODO(foundation): parse, and on success serialize and parse again.
    public static func rtp(_ bytes: [UInt8]) -> FuzzOutcome {
        .accepted
    }
}
