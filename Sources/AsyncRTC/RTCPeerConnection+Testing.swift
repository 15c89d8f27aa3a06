import RTCTransport

extension RTCPeerConnection {
    /// Replaces the impairment profile of every socket of this connection (tests only): `profile` is the textual
    /// form of `ASYNCRTC_IMPAIR` (`"loss=0.1,delay=50ms,seed=7"`, `"blackhole=1"`), nil removes impairment. The
    /// layer sits under the receive side of each socket, so impairing both connections impairs both directions.
    ///
    /// Takes effect once the transport exists (after `createOffer`/`createAnswer` or `setLocalDescription`).
    ///
    /// - Throws: ``RTCError`` `syntax` for a profile that does not parse, `invalidState` before the transport
    ///   exists.
    @_spi(Testing) public func setImpairment(_ profile: String?) async throws(RTCError) {
        let parsed: ImpairmentProfile?
        do {
            parsed = try profile.map { try ImpairmentProfile(parsing: $0) }
        } catch {
            throw RTCError(.syntax, "invalid impairment profile: \(error)")
        }
        guard let transport = state.withLock({ $0.transport }) else {
            throw RTCError(.invalidState, "the connection has no transport yet")
        }
        await transport.ice.setImpairment(parsed)
    }
}

extension RTCPeerConnection {
    /// Where data channel setup stands (tests only), for the message of a test that waited in vain for a channel
    /// to open: whether the SCTP association exists and is up (usrsctp's and the hub's view), its outgoing
    /// streams, the DTLS role the hub numbers channels by, each channel's id and state, and how many messages
    /// (DCEP OPEN/ACK included) wait in the hub's queue. Separates "the association never came up" from "the
    /// DCEP OPEN or ACK went missing".
    @_spi(Testing) public var dataChannelDiagnostics: String {
        let (transport, dtls) = state.withLock { ($0.transport, $0.dtlsState) }
        let association = transport?.sctp
        let sctp = "dtls \(dtls), "
            + (association.map { "sctp \($0.isEstablished ? "up" : "not up") (\($0.outboundStreams) streams out)" } ?? "no sctp")
            + (transport.map { " [\($0.sctpDiagnostics)]" } ?? "")
        let hub = hub.state.withLock { state in
            let channels = state.channels.sorted { $0.key < $1.key }
                .map { "\($0.key):\($0.value.readyState.rawValue)" } + state.unassigned.map { _ in "?:unassigned" }
            return "hub \(state.association == nil ? "unattached" : state.established ? "established" : "attached"), "
                + "role \(state.dtlsRole.map { "\($0)" } ?? "unknown"), channels [\(channels.joined(separator: " "))], "
                + "\(state.outbound.count - state.outboundHead) queued"
        }
        return "\(sctp), \(hub)"
    }
}
