import Logging
import RTCTransport
import RTCWire

/// mDNS candidates (draft-ietf-mmusic-mdns-ice-candidates §3.2): a browser hides its host address behind a
/// `<uuid>.local` name. Such candidates, in a description or trickled, are resolved in the background with
/// ``MDNSResolver`` and handed to ICE as soon as an address is known; one that does not resolve within the
/// resolver's timeout is dropped with a log line. Nothing waits for the resolution: the other candidates are
/// checked meanwhile.
extension RTCPeerConnection {
    /// Resolves every UDP `.local` candidate of `description` (the ones ``parse(_:)`` left out).
    func resolveMDNSCandidates(in description: SessionDescription, transport: PeerTransport) {
        for line in description.media.flatMap(\.candidates) { resolveMDNSCandidate(line, transport: transport) }
    }

    /// Resolves `line` if it names its address with mDNS, and adds the result to ICE. Returns false for any other
    /// candidate.
    @discardableResult
    func resolveMDNSCandidate(_ line: ICECandidate, transport: PeerTransport) -> Bool {
        guard line.transportProtocol == .udp, MDNSResolver.isMDNSName(line.address) else { return false }
        let resolver = MDNSResolver()
        let logger = configuration.logger
        let eventLoop = self.eventLoop
        Task {
            let addresses = await resolver.resolve(line.address, on: eventLoop)
            // Prefer an IPv4 answer: our host candidates are IPv4 first, and one address per candidate is enough.
            let sorted = addresses.sorted { a, _ in if case .v4 = a { true } else { false } }
            guard let ip = sorted.first else {
                logger?.debug("dropping an mDNS candidate that did not resolve",
                              metadata: ["rtc.candidate": "\(line.address)", "rtc.port": "\(line.port)"])
                return
            }
            var resolved = line
            resolved.address = "\(ip)"
            guard let candidate = Self.remoteCandidate(resolved) else { return }
            logger?.trace("resolved an mDNS candidate", metadata: ["rtc.candidate": "\(line.address)", "rtc.ip": "\(ip)"])
            transport.ice.addRemoteCandidate(candidate)
        }
        return true
    }
}
