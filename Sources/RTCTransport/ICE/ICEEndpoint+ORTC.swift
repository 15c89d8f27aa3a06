/// What ORTC's `RTCIceTransport` needs beyond the peer connection's use: a role chosen after gathering, and the
/// impairment layer of a running endpoint (tests blackhole a live path with it).
extension ICEEndpoint {
    /// The agent's role now; a role conflict (RFC 8445 §7.3.1.1) may have switched it since ``setRole(_:)``.
    public var role: ICERole {
        get async { (try? await eventLoop.submit { [core] in core.value.agent.role }.get()) ?? .controlled }
    }

    /// Sets the role checks start in. ORTC gathers before the role is known (W3C `RTCIceTransport.start` takes it
    /// as a parameter), so the role may change until checks begin; afterwards only a role conflict changes it.
    ///
    /// - Returns: false when checks had already begun and the role was left as it was.
    @discardableResult
    public func setRole(_ role: ICERole) async -> Bool {
        (try? await eventLoop.submit { [core] () -> Bool in
            guard core.value.agent.state == .new else { return false }
            core.value.agent.role = role
            return true
        }.get()) ?? false
    }
}
