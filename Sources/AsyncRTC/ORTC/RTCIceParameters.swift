/// The ICE username fragment and password of one side, as ORTC signals them (aiortc's `RTCIceParameters`,
/// RFC 8445 §5.3).
public struct RTCIceParameters: Hashable, Sendable {
    /// The ufrag (`a=ice-ufrag` in SDP).
    public var usernameFragment: String
    /// The password (`a=ice-pwd`); it keys MESSAGE-INTEGRITY of the checks sent to that side.
    public var password: String
    /// True when that side is an ICE lite agent (RFC 8445 §2.5); the full agent is then controlling.
    public var iceLite: Bool

    public init(usernameFragment: String, password: String, iceLite: Bool = false) {
        self.usernameFragment = usernameFragment
        self.password = password
        self.iceLite = iceLite
    }
}
