import Foundation
import NIOCore
import RTCMedia
import RTCWire

extension RTCRtpSender {
    /// This sender's outbound-rtp, remote-inbound-rtp, media-source and codec entries.
    public func getStats() async -> RTCStatsReport { RTCStatsReport(statsEntries(mid: nil)) }

    func statsEntries(mid: String?) -> [any RTCStats] {
        let now = Date().timeIntervalSince1970 * 1000
        return state.withLock { state in
            var out: [any RTCStats] = []
            let outboundID = "OT\(ssrc)"
            let codec = state.link?.codec
            let codecID = codec.map { "CO\($0.payloadType)_\(mid ?? state.link?.mid ?? "")" }
            if let codec, let codecID { out.append(RTCCodecStats(codec, id: codecID, timestamp: now)) }
            let sourceID = state.track.map { "SO\($0.id)" }
            if let track = state.track, let sourceID {
                out.append(RTCMediaSourceStats(id: sourceID, timestamp: now, kind: kind.rawValue, trackIdentifier: track.id))
            }
            let c = state.counters
            let remoteID = state.remoteReport.map { _ in "RI\(ssrc)" }
            out.append(RTCOutboundRtpStreamStats(
                id: outboundID, timestamp: now, ssrc: ssrc, kind: kind.rawValue, transportId: "T", codecId: codecID,
                mid: mid ?? state.link?.mid, mediaSourceId: sourceID, remoteId: remoteID, packetsSent: c.packetsSent,
                bytesSent: c.bytesSent, headerBytesSent: c.headerBytesSent,
                retransmittedPacketsSent: c.retransmittedPacketsSent, retransmittedBytesSent: c.retransmittedBytesSent,
                framesEncoded: c.framesEncoded, keyFramesEncoded: c.keyFramesEncoded, frameWidth: c.frameWidth,
                frameHeight: c.frameHeight, targetBitrate: c.targetBitrate, nackCount: c.nackCount,
                pliCount: c.pliCount, firCount: c.firCount, active: state.parameters.encodings.first?.active ?? true))
            if let block = state.remoteReport, let remoteID {
                let clock = Double(codec?.clockRate ?? 90_000)
                out.append(RTCRemoteInboundRtpStreamStats(
                    id: remoteID, timestamp: now, ssrc: ssrc, kind: kind.rawValue, transportId: "T", localId: outboundID,
                    roundTripTime: state.roundTripTime, fractionLost: Double(block.fractionLost) / 256,
                    packetsLost: Int(block.cumulativeLost), jitter: Double(block.jitter) / clock))
            }
            return out
        }
    }
}

extension RTCRtpReceiver {
    /// This receiver's inbound-rtp, remote-outbound-rtp and codec entries.
    public func getStats() async -> RTCStatsReport { RTCStatsReport(statsEntries(mid: nil)) }

    func statsEntries(mid: String?) -> [any RTCStats] {
        let now = Date().timeIntervalSince1970 * 1000
        return state.withLock { state in
            guard let ssrc = state.ssrc, let statistics = state.statistics else { return [] }
            var out: [any RTCStats] = []
            let codec = state.currentPayloadType.flatMap { state.codecs[$0] }
            let codecID = codec.map { "CI\($0.payloadType)_\(mid ?? "")" }
            if let codec, let codecID { out.append(RTCCodecStats(codec, id: codecID, timestamp: now)) }
            let inboundID = "IT\(ssrc)"
            let remoteID = state.lastSenderReport.map { _ in "RO\(ssrc)" }
            let c = state.counters
            out.append(RTCInboundRtpStreamStats(
                id: inboundID, timestamp: now, ssrc: ssrc, kind: kind.rawValue, transportId: "T", codecId: codecID,
                mid: mid, trackIdentifier: track.id, remoteId: remoteID,
                packetsReceived: Int(statistics.packetsReceived), bytesReceived: Int(statistics.bytesReceived),
                packetsLost: Int(statistics.cumulativeLost), jitter: statistics.jitterSeconds,
                framesReceived: c.framesReceived, framesDecoded: c.framesDecoded, keyFramesDecoded: c.keyFramesDecoded,
                framesDropped: c.framesDropped, frameWidth: c.frameWidth, frameHeight: c.frameHeight,
                nackCount: c.nackCount, pliCount: c.pliCount, retransmittedPacketsReceived: c.retransmittedPacketsReceived,
                concealmentEvents: c.concealedFrames, lastPacketReceivedTimestamp: c.lastPacketReceived.map { $0 * 1000 }))
            if let sr = state.lastSenderReport, let remoteID {
                let unix = Double(sr.ntpTimestamp >> 32) - Double(NTPTimestamp.unixEpochOffset)
                    + Double(sr.ntpTimestamp & 0xFFFF_FFFF) / 4_294_967_296
                out.append(RTCRemoteOutboundRtpStreamStats(
                    id: remoteID, timestamp: now, ssrc: ssrc, kind: kind.rawValue, transportId: "T", localId: inboundID,
                    packetsSent: Int(sr.packetCount), bytesSent: Int(sr.octetCount), remoteTimestamp: unix * 1000))
            }
            return out
        }
    }
}

extension RTCCodecStats {
    init(_ codec: RTCRtpCodecParameters, id: String, timestamp: Double) {
        let fmtp = codec.parameters.isEmpty ? nil
            : codec.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
        self.init(id: id, timestamp: timestamp, transportId: "T", payloadType: Int(codec.payloadType),
                  mimeType: codec.mimeType, clockRate: codec.clockRate, channels: codec.channels, sdpFmtpLine: fmtp)
    }
}
