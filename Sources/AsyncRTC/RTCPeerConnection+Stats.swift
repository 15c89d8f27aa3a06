import Foundation
import RTCTransport

extension RTCPeerConnection {
    /// A snapshot of the connection's statistics with W3C names and units: peer-connection, transport,
    /// candidate-pair, local-candidate, remote-candidate, data-channel, certificate, and for media outbound-rtp,
    /// inbound-rtp, remote-inbound-rtp, remote-outbound-rtp, media-source and codec entries.
    public func getStats() async -> RTCStatsReport {
        let now = Date().timeIntervalSince1970 * 1000
        var stats: [any RTCStats] = []
        let channels = hub.state.withLock { $0.history }
        let channelStates = channels.map { channel in (channel, channel.state.withLock { $0 }) }
        stats.append(RTCPeerConnectionStats(
            id: "P", timestamp: now,
            dataChannelsOpened: channelStates.filter { $0.1.wasOpened }.count,
            dataChannelsClosed: channelStates.filter { $0.1.wasOpened && $0.1.readyState == .closed }.count))
        for (index, (channel, s)) in channelStates.enumerated() {
            stats.append(RTCDataChannelStats(
                id: "D\(index)", timestamp: now, label: channel.label, protocol: channel.protocol,
                dataChannelIdentifier: s.id.map(Int.init), state: s.readyState.rawValue,
                messagesSent: s.messagesSent, bytesSent: s.bytesSent,
                messagesReceived: s.messagesReceived, bytesReceived: s.bytesReceived))
        }
        for transceiver in getTransceivers() {
            stats += transceiver.sender.statsEntries(mid: transceiver.mid)
            stats += transceiver.receiver.statsEntries(mid: transceiver.mid)
        }
        guard let certificate = try? certificate.get() else { return RTCStatsReport(stats) }
        let fingerprint = certificate.fingerprint()
        stats.append(RTCCertificateStats(
            id: "CF\(fingerprint.value)", timestamp: now, fingerprint: fingerprint.value,
            fingerprintAlgorithm: fingerprint.algorithm.rawValue,
            base64Certificate: Data(certificate.derEncoded).base64EncodedString()))

        let (transport, dtlsState, iceState) = state.withLock { ($0.transport, $0.dtlsState, $0.iceConnectionState) }
        guard let transport else { return RTCStatsReport(stats) }
        let pairs = await transport.ice.pairs
        let selected = await transport.ice.selectedPair
        let traffic = await transport.ice.traffic
        func candidateID(_ prefix: String, _ address: String, _ port: UInt16) -> String { "I\(prefix)\(address):\(port)" }
        var seen = Set<String>()
        var selectedID: String?
        for pair in pairs {
            let localID = candidateID("L", "\(pair.local.address.ip)", pair.local.address.port)
            let remoteID = candidateID("R", "\(pair.remote.address.ip)", pair.remote.address.port)
            let pairID = "CP\(localID)_\(remoteID)"
            if pair.local == selected?.local && pair.remote.address == selected?.remote.address { selectedID = pairID }
            let rtt = pair.currentRoundTripTime.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
            stats.append(RTCIceCandidatePairStats(
                id: pairID, timestamp: now, transportId: "T", localCandidateId: localID, remoteCandidateId: remoteID,
                state: Self.name(pair.state), nominated: pair.nominated, requestsSent: pair.requestsSent,
                responsesReceived: pair.responsesReceived, requestsReceived: pair.requestsReceived,
                currentRoundTripTime: rtt))
            if seen.insert(localID).inserted {
                stats.append(RTCIceCandidateStats(
                    id: localID, timestamp: now, type: "local-candidate", transportId: "T", address: "\(pair.local.address.ip)",
                    port: Int(pair.local.address.port), protocol: "udp", candidateType: pair.local.type.rawValue,
                    priority: pair.local.priority, foundation: pair.local.foundation))
            }
            if seen.insert(remoteID).inserted {
                stats.append(RTCIceCandidateStats(
                    id: remoteID, timestamp: now, type: "remote-candidate", transportId: "T", address: "\(pair.remote.address.ip)",
                    port: Int(pair.remote.address.port), protocol: "udp", candidateType: pair.remote.type.rawValue,
                    priority: pair.remote.priority, foundation: pair.remote.foundation))
            }
        }
        // Every gathered candidate, paired or not (a server-reflexive one shares its host's socket and pairs, so it
        // only shows up here; its id says srflx since on loopback its address is the host's).
        for candidate in await transport.ice.localCandidates {
            let prefix = candidate.type == .serverReflexive ? "Lsrflx" : "L"
            let localID = candidateID(prefix, "\(candidate.address.ip)", candidate.address.port)
            guard seen.insert(localID).inserted else { continue }
            stats.append(RTCIceCandidateStats(
                id: localID, timestamp: now, type: "local-candidate", transportId: "T", address: "\(candidate.address.ip)",
                port: Int(candidate.address.port), protocol: "udp", candidateType: candidate.type.rawValue,
                priority: candidate.priority, foundation: candidate.foundation))
        }
        let dtls: String = switch dtlsState {
        case .new: "new"
        case .connecting: "connecting"
        case .connected: "connected"
        case .closed: "closed"
        case .failed: "failed"
        }
        stats.append(RTCTransportStats(
            id: "T", timestamp: now, packetsSent: traffic.packetsSent, bytesSent: traffic.bytesSent,
            packetsReceived: traffic.packetsReceived, bytesReceived: traffic.bytesReceived, dtlsState: dtls,
            iceState: iceState.rawValue, iceRole: state.withLock { $0.isOfferer } ? "controlling" : "controlled",
            selectedCandidatePairId: selectedID, localCertificateId: "CF\(fingerprint.value)"))
        return RTCStatsReport(stats)
    }

    private static func name(_ state: ICECandidatePair.State) -> String {
        switch state {
        case .frozen: "frozen"
        case .waiting: "waiting"
        case .inProgress: "in-progress"
        case .succeeded: "succeeded"
        case .failed: "failed"
        }
    }
}
