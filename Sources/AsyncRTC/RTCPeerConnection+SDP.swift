import RTCCrypto
import RTCTransport
import RTCWire

extension RTCPeerConnection {
    /// What AsyncRTC reads from a remote description.
    struct RemoteDescriptionInfo {
        var credentials: ICECredentials
        var fingerprints: [CertificateFingerprint]
        var setup: SDPSetupRole?
        var candidates: [ICERemoteCandidate]
        var endOfCandidates: Bool
        var sctpPort: UInt16?
        var maxMessageSize: Int?
        /// Every m-line as (kind, proto, mid), to answer the ones we reject.
        var media: [MediaDescription]
        /// The whole description, parsed.
        var description: SessionDescription
    }

    /// ``parse(_:)``, remembered until the negotiation is applied: one offer/answer exchange reads the same two
    /// descriptions up to five times (setting them, answering, settling the media sections, starting the
    /// transport), and parsing is most of what those steps cost.
    func parsed(_ sdp: String) throws(RTCError) -> RemoteDescriptionInfo {
        if let known = state.withLock({ $0.parsedDescriptions.first { $0.sdp == sdp }?.info }) { return known }
        let info = try Self.parse(sdp)
        state.withLock { state in
            if state.parsedDescriptions.count >= 4 { state.parsedDescriptions.removeFirst() }
            state.parsedDescriptions.append((sdp, info))
        }
        return info
    }

    /// Reads what ICE, DTLS and SCTP need from a description; refuses one without fingerprints or credentials.
    static func parse(_ sdp: String) throws(RTCError) -> RemoteDescriptionInfo {
        let description: SessionDescription
        do {
            description = try SessionDescription(parsing: sdp)
        } catch {
            throw RTCError(.syntax, "invalid SDP: \(error.reason)")
        }
        let bundled = description.media.first { $0.port != 0 } ?? description.media.first
        guard let section = bundled else { throw RTCError(.invalidAccess, "the description has no m= section") }
        guard let ufrag = section.iceUfrag ?? description.iceUfrag, let pwd = section.icePwd ?? description.icePwd else {
            throw RTCError(.invalidAccess, "the description has no ice-ufrag/ice-pwd")
        }
        let sdpFingerprints = section.fingerprints.isEmpty ? description.fingerprints : section.fingerprints
        let fingerprints = sdpFingerprints.compactMap { try? CertificateFingerprint($0) }
        guard !fingerprints.isEmpty else {
            throw RTCError(.invalidAccess, "the description has no usable a=fingerprint: DTLS would have nothing to trust")
        }
        let application = description.media.first { $0.kind == "application" && $0.port != 0 }
        let candidates = description.media.flatMap(\.candidates).compactMap(remoteCandidate)
        let maxMessageSize = application.map { $0.maxMessageSize.map { Int(clamping: $0) } ?? 65_536 }
        return RemoteDescriptionInfo(
            credentials: ICECredentials(usernameFragment: ufrag, password: pwd),
            fingerprints: fingerprints, setup: section.setup ?? description.setup,
            candidates: candidates, endOfCandidates: description.media.contains { $0.endOfCandidates },
            sctpPort: application.map { $0.sctpPort ?? $0.sctpMaps.first?.port ?? 5000 },
            maxMessageSize: maxMessageSize, media: description.media, description: description)
    }

    /// A UDP candidate with a numeric address; TCP candidates are skipped, mDNS (`.local`) names are resolved
    /// separately (MDNSResolver+PeerConnection.swift).
    static func remoteCandidate(_ line: ICECandidate) -> ICERemoteCandidate? {
        guard line.transportProtocol == .udp, let ip = STUNAddress.IP(line.address) else { return nil }
        let type: ICECandidateType = switch line.type {
        case .host: .host
        case .srflx: .serverReflexive
        case .prflx: .peerReflexive
        case .relay: .relayed
        }
        return ICERemoteCandidate(type: type, address: STUNAddress(ip: ip, port: line.port), priority: line.priority,
                                  foundation: line.foundation, component: line.component)
    }

    /// Our description: the sections in order (media, data channels, and remote sections we reject with port 0),
    /// all bundled on one transport whose ICE and DTLS parameters every section repeats (RFC 8843).
    /// `remote` is the offer being answered, nil for an offer.
    func makeDescription(_ local: PeerTransport.LocalParameters, setup: String, sections: [Section],
                         remote: SessionDescription?) -> String {
        let version: UInt64 = state.withLock { state in
            state.sessionVersion += 1
            return state.sessionVersion
        }
        let sessionID = state.withLock { $0.sessionID }
        let candidates = local.candidates.map(ICECandidate.init(local:))
        let defaultAddress = local.candidates.first?.address
        let port = defaultAddress?.port ?? 9
        let connectionLine = "c=IN \(defaultAddress?.family == .ipv6 ? "IP6" : "IP4") \(defaultAddress.map { "\($0.ip)" } ?? "0.0.0.0")"
        var transportLines = [
            "a=ice-ufrag:\(local.credentials.usernameFragment)",
            "a=ice-pwd:\(local.credentials.password)",
        ]
        transportLines += local.fingerprints.filter { $0.algorithm == .sha256 }.map { "a=fingerprint:\($0)" }
        transportLines.append("a=setup:\(setup)")
        transportLines += candidates.map { "a=\($0.description)" }
        transportLines.append("a=end-of-candidates")

        var body: [String] = []
        var bundled: [String] = []
        for (index, section) in sections.enumerated() {
            switch section {
            case .media(let transceiver):
                let remoteSection = remote.flatMap { index < $0.media.count ? RemoteMediaSection($0.media[index], index: index) : nil }
                let lines = mediaSectionLines(transceiver, remote: remoteSection, transportLines: transportLines,
                                              connectionLine: connectionLine, port: port)
                if lines.first?.hasPrefix("m=\(transceiver.kind.rawValue) 0 ") == false, let mid = transceiver.mid ?? remoteSection?.mid {
                    bundled.append(mid)
                }
                body += lines
            case .data(let mid):
                bundled.append(mid)
                body += [
                    "m=application \(port) UDP/DTLS/SCTP webrtc-datachannel",
                    connectionLine,
                    "a=mid:\(mid)",
                    "a=sctp-port:5000",
                    "a=max-message-size:\(DataChannelHub.localMaxMessageSize)",
                ] + transportLines
            case .rejected(let media):
                body.append("m=\(media.kind) 0 \(media.proto) \(media.formats.joined(separator: " "))")
                body.append("c=IN IP4 0.0.0.0")
                if let mid = media.mid { body.append("a=mid:\(mid)") }
                body.append("a=inactive")
            }
        }
        var lines = ["v=0", "o=- \(sessionID) \(version) IN IP4 0.0.0.0", "s=-", "t=0 0"]
        if !bundled.isEmpty { lines.append("a=group:BUNDLE \(bundled.joined(separator: " "))") }
        lines.append("a=msid-semantic:WMS *")
        return (lines + body).joined(separator: "\r\n") + "\r\n"
    }

    /// The mid of the first bundled section of the current negotiation (trickled candidates name it).
    var firstBundledMid: String? {
        state.withLock { state in
            for section in state.media.sections {
                switch section {
                case .media(let t) where !t.stopped: if let mid = t.mid { return mid }
                case .data(let mid): return mid
                default: continue
                }
            }
            return nil
        }
    }
}

extension ICECandidate {
    /// The candidate line of one of our candidates.
    init(local c: ICELocalCandidate) {
        let type: CandidateType = switch c.type {
        case .host: .host
        case .serverReflexive: .srflx
        case .peerReflexive: .prflx
        case .relayed: .relay
        }
        // raddr/rport for reflexive and relayed candidates (RFC 8839 §5.1).
        self.init(foundation: c.foundation, component: c.component, transport: "udp", priority: c.priority,
                  address: "\(c.address.ip)", port: c.address.port, type: type,
                  relatedAddress: c.relatedAddress.map { "\($0.ip)" }, relatedPort: c.relatedAddress?.port)
    }
}

extension DataChannelHub {
    /// The largest message we accept (a=max-message-size, RFC 8841 §6): usrsctp's receive limit.
    static let localMaxMessageSize = 262_144
}
