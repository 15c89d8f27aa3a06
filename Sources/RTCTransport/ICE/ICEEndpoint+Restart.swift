import NIOCore

/// ICE restart (RFC 8445 §9) and NAT-rebinding simulation in the I/O shell.
///
/// A restart keeps the sockets and every gathered candidate (host, server-reflexive, relayed): only the credentials
/// change and the checks run again, while the selected pair keeps carrying data (``ICEAgent/restart(localCredentials:remoteCredentials:now:)``).
extension ICEEndpoint {
    /// Makes new local credentials for an ICE restart we initiate: ``localCredentials`` returns them from now on
    /// (for the offer), but the agent keeps the current ones until ``restart(remoteCredentials:)`` brings the
    /// peer's answer. Calling it again before that keeps the same new credentials.
    public func prepareRestart() {
        let fresh = ICECredentials.random()
        eventLoop.execute { [core] in
            if core.value.pendingCredentials == nil { core.value.pendingCredentials = fresh }
        }
    }

    /// Forgets the credentials ``prepareRestart()`` made if they are the ones with ufrag `offeredFragment`: the
    /// peer answered that restart offer with its old credentials (it did not restart, as aiortc does not), so
    /// ICE carries on with the current generation. A restart prepared after that offer is kept.
    public func cancelRestart(offeredFragment: String) {
        eventLoop.execute { [core] in
            if core.value.pendingCredentials?.usernameFragment == offeredFragment { core.value.pendingCredentials = nil }
        }
    }

    /// Whether ``prepareRestart()`` made credentials that no restart has used yet.
    public var hasPendingRestart: Bool { get async { (try? await onLoop { $0.pendingCredentials != nil }) ?? false } }

    /// Restarts ICE with the peer's new credentials: with the ones ``prepareRestart()`` made when we initiated it,
    /// else with fresh ones (the peer initiated it; read them from ``localCredentials`` for the answer).
    public func restart(remoteCredentials: ICECredentials) {
        let fresh = ICECredentials.random()
        eventLoop.execute { [core] in
            let local = core.value.pendingCredentials ?? fresh
            core.value.pendingCredentials = nil
            core.value.perform(core.value.agent.restart(localCredentials: local, remoteCredentials: remoteCredentials,
                                                        now: .now()))
        }
    }

    /// The peer's current ufrag and password, once checks started.
    public var remoteCredentials: ICECredentials? { get async { try? await onLoop { $0.agent.remoteCredentials } } }

    /// How many ICE restarts the agent went through.
    public var generation: Int { get async { (try? await onLoop { $0.agent.generation }) ?? 0 } }

    /// Applies an impairment profile to every host socket (nil: none), e.g. a blackhole mid-connection.
    ///
    /// A `sourcePortShift` simulates a NAT in front of the peer that rebinds: the impairment layer makes the
    /// peer's datagrams appear from port + shift, and this endpoint delivers what it sends to port + shift to the
    /// peer's real port (the NAT's new mapping) while the old port becomes unreachable (sent to port − shift, the
    /// old mapping is gone). ICE then has to find the peer at its new address on its own.
    ///
    /// Returns once the profile is in force; datagrams already delayed by the old profile are still delivered.
    public func setImpairment(_ profile: ImpairmentProfile?) async {
        _ = try? await eventLoop.submit { [core] in
            core.value.natPortShift = profile?.sourcePortShift ?? 0
            for socket in core.value.sockets.values { socket.setImpairment(profile) }
        }.get()
    }
}
