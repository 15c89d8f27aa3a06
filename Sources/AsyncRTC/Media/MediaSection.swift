import RTCMedia
import RTCWire

/// What one audio or video m= section of a remote description says (RFC 8866, JSEP RFC 9429 §5.8).
struct RemoteMediaSection: Sendable {
    var index: Int
    var kind: MediaKind
    var mid: String?
    var rejected: Bool
    /// The direction as the peer wrote it (its own point of view).
    var direction: RTCRtpTransceiverDirection
    var codecs: [RTCRtpCodecParameters]
    var extensions: [RTCRtpHeaderExtensionParameters]
    var ssrcs: [UInt32]
    var rtx: [UInt32: UInt32]
    var streamIDs: [String]

    /// Payload types whose meaning RFC 3551 fixes, for sections that omit their `a=rtpmap`.
    static let staticPayloadTypes: [UInt8: (String, Int)] = [0: ("PCMU", 8000), 8: ("PCMA", 8000), 9: ("G722", 8000)]

    init?(_ m: MediaDescription, index: Int) {
        guard let kind = MediaKind(rawValue: m.kind), m.proto.contains("RTP") else { return nil }
        self.index = index
        self.kind = kind
        self.mid = m.mid
        self.rejected = m.port == 0
        self.direction = m.direction.flatMap { RTCRtpTransceiverDirection(rawValue: $0.rawValue) } ?? .sendrecv
        let maps = m.rtpMaps
        let fmtps = m.formatParameters
        let feedback = m.rtcpFeedback
        var codecs: [RTCRtpCodecParameters] = []
        for format in m.formats {
            guard let pt = UInt8(format), pt < 128 else { continue }
            let name: String, rate: Int, channels: Int?
            if let map = maps.first(where: { $0.payloadType == pt }) {
                name = map.encodingName
                rate = Int(map.clockRate)
                channels = map.encodingParameters.flatMap { Int($0) } ?? (kind == .audio ? 1 : nil)
            } else if let known = Self.staticPayloadTypes[pt] {
                (name, rate, channels) = (known.0, known.1, 1)
            } else {
                continue
            }
            var parameters: [String: String] = [:]
            for fmtp in fmtps where fmtp.format == format {
                for p in fmtp.parameters { parameters[p.name] = p.value ?? "" }
            }
            let fb = feedback.filter { $0.payloadType == format || $0.payloadType == "*" }
                .map { RTCRtcpFeedback(type: $0.type, parameter: $0.parameter) }
            codecs.append(RTCRtpCodecParameters(mimeType: "\(kind.rawValue)/\(name)", clockRate: rate, channels: channels,
                                                payloadType: pt, parameters: parameters, rtcpFeedback: fb))
        }
        self.codecs = codecs
        self.extensions = m.extensionMaps.compactMap { map in
            guard map.id >= 1, map.id <= 14 else { return nil }  // one-byte header form only
            return RTCRtpHeaderExtensionParameters(id: UInt8(map.id), uri: map.uri)
        }
        var ssrcs: [UInt32] = []
        for line in m.ssrcs where !ssrcs.contains(line.ssrc) { ssrcs.append(line.ssrc) }
        var rtx: [UInt32: UInt32] = [:]
        for group in m.ssrcGroups where group.semantics == "FID" && group.ssrcs.count == 2 {
            rtx[group.ssrcs[0]] = group.ssrcs[1]
        }
        self.ssrcs = ssrcs.filter { !rtx.values.contains($0) }
        self.rtx = rtx
        self.streamIDs = m.msids.map(\.streamID).filter { $0 != "-" }
    }
}

/// Offer/answer rules for codecs and header extensions.
enum MediaNegotiation {
    /// The codecs of an answer: the offered ones we support, in the offer's order and with its payload types;
    /// feedback limited to what we do; RTX only for a codec that survived (RFC 9429 §5.3.1).
    static func answerCodecs(offered: [RTCRtpCodecParameters], supported: [RTCRtpCodecParameters]) -> [RTCRtpCodecParameters] {
        var result: [RTCRtpCodecParameters] = []
        for codec in offered where !codec.isRTX {
            guard let ours = supported.first(where: { !$0.isRTX && $0.capability.matches(codec.capability) }) else { continue }
            var answered = codec
            answered.rtcpFeedback = codec.rtcpFeedback.filter { ours.rtcpFeedback.contains($0) }
            if answered.name.lowercased() == "opus" {
                answered.parameters = codec.parameters.filter { ["minptime", "useinbandfec", "stereo", "usedtx"].contains($0.key) }
            }
            result.append(answered)
        }
        for codec in offered where codec.isRTX {
            if let apt = codec.associatedPayloadType, result.contains(where: { $0.payloadType == apt }) { result.append(codec) }
        }
        return result
    }

    /// The extensions of an answer: the offered ones we understand, with the offer's ids.
    static func answerExtensions(offered: [RTCRtpHeaderExtensionParameters], supported: [RTCRtpHeaderExtensionParameters])
        -> [RTCRtpHeaderExtensionParameters] {
        offered.filter { o in supported.contains { $0.uri == o.uri } }
    }

    /// The `a=` lines describing codecs: rtpmap, fmtp and rtcp-fb for each payload type.
    static func codecLines(_ codecs: [RTCRtpCodecParameters]) -> [String] {
        var lines: [String] = []
        for codec in codecs {
            let channels = codec.channels.map { $0 > 1 ? "/\($0)" : "" } ?? ""
            lines.append("a=rtpmap:\(codec.payloadType) \(codec.name)/\(codec.clockRate)\(channels)")
            for fb in codec.rtcpFeedback {
                lines.append("a=rtcp-fb:\(codec.payloadType) \(fb.type)\(fb.parameter.map { " \($0)" } ?? "")")
            }
            if !codec.parameters.isEmpty {
                let text = codec.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
                lines.append("a=fmtp:\(codec.payloadType) \(text)")
            }
        }
        return lines
    }
}
