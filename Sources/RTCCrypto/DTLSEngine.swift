// The value types of the DTLS engine; the engine itself lives in DTLSEngine+OpenSSL.swift.

extension DTLSEngine {
    /// Which side of the handshake this endpoint plays (RFC 5763 §5: the SDP `a=setup` answer decides it;
    /// `active` is the DTLS client, `passive` the server).
    public enum Role: Hashable, Sendable, CustomStringConvertible {
        case client
        case server

        public var description: String { self == .client ? "client" : "server" }
    }

    /// Where the endpoint is in its life.
    public enum State: Hashable, Sendable {
        /// Created; ``DTLSEngine/start()`` has not run.
        case new
        /// Flights are being exchanged.
        case handshaking
        /// The handshake finished and the peer's certificate matched a fingerprint; application data flows.
        case connected
        /// Closed by us (``DTLSEngine/close()``) or by the peer's close_notify.
        case closed
        /// A fatal error ended the association (bad handshake, fingerprint mismatch, retransmissions exhausted).
        case failed
    }

    /// What one incoming datagram produced.
    public struct Events: Sendable {
        /// Datagrams to send to the peer now, each at most the configured MTU (one DTLS datagram each).
        public var datagrams: [[UInt8]] = []
        /// Decrypted application data records, in order. Never filled before the peer's fingerprint has matched.
        public var applicationData: [[UInt8]] = []
        /// True on the call during which the handshake completed and the peer's fingerprint was accepted.
        public var handshakeComplete = false
        /// True when the peer closed the association with close_notify.
        public var closed = false

        public init() {}
    }

    /// Tunables of a DTLS endpoint. The defaults suit WebRTC.
    public struct Configuration: Sendable {
        /// Largest datagram the engine emits, in bytes (the UDP payload). WebRTC stacks keep DTLS at or below 1200
        /// so that ICE, TURN and IPv6 overhead still fit a 1280-byte path MTU.
        public var maximumDatagramSize: Int = 1200
        /// First retransmission timeout of a flight; doubled after every retransmission up to
        /// ``maximumRetransmissionTimeout``. RFC 6347 §4.2.4.1 suggests 1 s for lack of an RTT estimate; in WebRTC the
        /// handshake runs over a path ICE has just measured, and browsers start lower. 400 ms stays above the
        /// round trip of nearly every real path, so a flight is rarely re-sent needlessly, and it cuts the wait
        /// after a lost first flight by more than half.
        public var initialRetransmissionTimeout: Duration = .milliseconds(400)
        /// Upper bound of the doubling retransmission timeout. RFC 6347 §4.2.4.1 asks for at least 60 s so that a
        /// long-lived association backs off on a congested path; a WebRTC handshake is neither: it has a deadline
        /// (30 s in `DTLSEndpoint`) and OpenSSL gives up a flight after 12 retransmissions anyway, so at most
        /// 12 flights of a few KiB are ever re-sent. With a 60 s cap those 12 would be spread over 30 minutes, and a
        /// handshake at heavy loss would run out of its deadline after 5 of them; with 3 s, 12 fit in 30 s.
        public var maximumRetransmissionTimeout: Duration = .seconds(3)
        /// How many times each datagram of a retransmitted flight is sent (the whole flight, then the whole flight
        /// again). First transmissions go once; a retransmission means the path is losing packets, and OpenSSL
        /// allows a flight only 12 retransmissions (`DTLS1_TMO_ALERT_COUNT`), after which the handshake fails. At
        /// 50 % loss each way a round trip succeeds a quarter of the time with single copies, so 13 tries all fail
        /// 2.4 % of the time; with two copies of every retransmitted datagram a try succeeds about 56 % of the
        /// time and 13 fail about once in 40 000. Duplicates cost nothing else: DTLS's replay window drops the
        /// second copy when both arrive (RFC 6347 §4.1.2.6). The last flight, which has no timer of its own, is
        /// re-sent (in as many copies) when the peer's retransmission shows it was lost (RFC 6347 §4.2.4).
        public var retransmissionCopies: Int = 2
        /// SRTP protection profiles offered or accepted in `use_srtp` (RFC 5764 §4.1.2), most preferred first;
        /// empty disables the extension (data channels only).
        public var srtpProfiles: [SRTPProtectionProfile] = SRTPProtectionProfile.preferenceOrder
        /// When true, a handshake that settles on no SRTP protection profile (the peer offered or accepted none of
        /// ``srtpProfiles``) fails instead of connecting: a session with media cannot run without SRTP keys
        /// (RFC 5764 §4.1.2, RFC 8827 §6.5). False (the default) connects anyway, for data-channel-only sessions.
        public var requiresSRTPProfile = false

        public init() {}

        /// The `SSL_CTX` cipher list: DTLS 1.2 AEAD suites with ephemeral ECDH only (DESIGN.md security invariants).
        /// ECDSA suites first (browsers and aiortc use ECDSA P-256 certificates); the RSA ones accept peers or
        /// imported certificates with RSA keys.
        static let cipherList = [
            "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305",
            "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305",
        ].joined(separator: ":")

        /// Key-exchange groups, most preferred first.
        static let groups = "X25519:P-256:P-384"

        func microseconds(_ duration: Duration) -> UInt32 {
            let (seconds, attoseconds) = duration.components
            let micros = seconds.multipliedReportingOverflow(by: 1_000_000)
            guard seconds >= 0, !micros.overflow else { return seconds < 0 ? 1 : UInt32.max }
            return UInt32(clamping: max(micros.partialValue + attoseconds / 1_000_000_000_000, 1))
        }
    }
}
