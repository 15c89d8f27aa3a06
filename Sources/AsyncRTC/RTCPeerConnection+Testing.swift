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
