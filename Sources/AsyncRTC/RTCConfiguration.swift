public import Logging

/// A STUN or TURN server (W3C `RTCIceServer`).
public struct RTCIceServer: Hashable, Sendable {
    public var urls: [String]
    public var username: String?
    public var credential: String?

    public init(urls: [String], username: String? = nil, credential: String? = nil) {
        self.urls = urls
        self.username = username
        self.credential = credential
    }
}

/// How media is bundled on transports (W3C `RTCBundlePolicy`). AsyncRTC always bundles everything on one
/// transport (`maxBundle`); the other values are accepted for compatibility.
public enum RTCBundlePolicy: String, Hashable, Sendable {
    case balanced, maxCompat = "max-compat", maxBundle = "max-bundle"
}

/// Which candidates ICE may use (W3C `RTCIceTransportPolicy`).
public enum RTCIceTransportPolicy: String, Hashable, Sendable {
    case all, relay
}

/// The configuration of a peer connection, as aiortc's `RTCConfiguration`.
public struct RTCConfiguration: Sendable {
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
