public import Logging

/// How media is bundled on transports (W3C `RTCBundlePolicy`). AsyncRTC always bundles everything on one
/// transport (`maxBundle`); the other values are accepted for compatibility.
public enum RTCBundlePolicy: String, Hashable, Sendable {
    case balanced, maxCompat = "max-compat", maxBundle = "max-bundle"
}

/// Which candidates ICE may use (W3C `RTCIceTransportPolicy`).
public enum RTCIceTransportPolicy: String, Hashable, Sendable {
    /// Host, server-reflexive and relayed candidates.
    case all
    /// Relayed candidates only: every packet goes through a TURN server of ``RTCConfiguration/iceServers`` and
    /// the peer never learns our own addresses. Without a TURN server nothing can connect.
    case relay
}

/// The configuration of a peer connection, as aiortc's `RTCConfiguration`.
public struct RTCConfiguration: Sendable {
    /// STUN servers (server-reflexive candidates) and TURN servers (relayed candidates); see ``RTCIceServer``.
    /// Their URLs are checked when the first offer or answer is made, which throws for a bad one.
    public var iceServers: [RTCIceServer]
    public var bundlePolicy: RTCBundlePolicy
    public var iceTransportPolicy: RTCIceTransportPolicy
    /// Logs through swift-log; nil (the default) keeps the library silent.
    public var logger: Logger?
    /// Offer loopback addresses as host candidates. Browsers never do; tests on one machine and peers in a
    /// loopback-only network namespace need it. (An AsyncRTC addition; aiortc has no such option.)
    public var includeLoopbackCandidates: Bool
    /// Use only loopback addresses (tests in a sandbox whose other interfaces must not carry traffic).
    public var loopbackOnly: Bool
    /// A PEM file of CA certificates that `turns:` servers' certificates are checked against instead of the system
    /// trust store (a TURN server with a private CA or a self-signed certificate). nil (the default): the system
    /// trust store. The host name of the URL is checked either way. (An AsyncRTC addition beyond W3C and aiortc.)
    public var iceServerCAFile: String? = nil

    public init(iceServers: [RTCIceServer] = [], bundlePolicy: RTCBundlePolicy = .maxBundle,
                iceTransportPolicy: RTCIceTransportPolicy = .all, logger: Logger? = nil,
                includeLoopbackCandidates: Bool = false, loopbackOnly: Bool = false) {
        self.iceServers = iceServers
        self.bundlePolicy = bundlePolicy
        self.iceTransportPolicy = iceTransportPolicy
        self.logger = logger
        self.includeLoopbackCandidates = includeLoopbackCandidates
        self.loopbackOnly = loopbackOnly
    }
}
