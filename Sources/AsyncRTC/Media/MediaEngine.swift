import Foundation
import NIOCore
import RTCMedia
import RTCTransport
import RTCWire

/// The RTP session of one peer connection: routes unprotected RTP to receivers (by SSRC, then by the `sdes:mid`
/// extension, then by a payload type only one section uses), dispatches RTCP to senders and receivers, and runs
/// the timers: receiver ticks every 20 ms (play-out, NACK) and a compound report about every second.
final class MediaEngine: Sendable {
    let state = Locked(State())
    /// The SSRC reports from receive-only sections are sent from (RFC 3550 needs one).
    let feedbackSSRC = UInt32.random(in: 1...UInt32.max)

    struct Route {
        var receiver: RTCRtpReceiver
        var midExtensionID: UInt8?
    }

    struct State {
        var transceivers: [RTCRtpTransceiver] = []
        var bySSRC: [UInt32: RTCRtpReceiver] = [:]
        var byMid: [String: RTCRtpReceiver] = [:]
        var byPayloadType: [UInt8: RTCRtpReceiver] = [:]
        var midExtensionIDs: Set<UInt8> = []
        var transport: PeerTransport?
        var ticker: RepeatedTask?
        var ticks = 0
        var nextReportTick = 50
        var firSequence: UInt8 = 0
        /// The transport-wide sequence number of the next RTP packet (draft-holmer-rmcat-transport-wide-cc-extensions).
        var transportSequence = UInt16.random(in: 0...UInt16.max)
        var unroutedPackets = 0
        var malformedPackets = 0
        var closed = false
    }

    /// Installs the routes of a completed negotiation.
    func configure(transceivers: [RTCRtpTransceiver]) {
        state.withLock { state in
            state.transceivers = transceivers
            state.byMid = [:]
            state.byPayloadType = [:]
            state.midExtensionIDs = []
            var ptUsers: [UInt8: Int] = [:]
            for transceiver in transceivers {
                guard let negotiated = transceiver.state.withLock({ $0.negotiated }), !transceiver.stopped else { continue }
                if let mid = transceiver.mid { state.byMid[mid] = transceiver.receiver }
                for ssrc in negotiated.remoteSSRCs { state.bySSRC[ssrc] = transceiver.receiver }
                for rtx in negotiated.remoteRTX.values { state.bySSRC[rtx] = transceiver.receiver }
                if let id = negotiated.extensions.first(where: { $0.uri == RTPExtensionURI.mid })?.id {
                    state.midExtensionIDs.insert(id)
                }
                for codec in negotiated.codecs { ptUsers[codec.payloadType, default: 0] += 1 }
            }
            for transceiver in transceivers {
                guard let negotiated = transceiver.state.withLock({ $0.negotiated }), !transceiver.stopped else { continue }
                for codec in negotiated.codecs where ptUsers[codec.payloadType] == 1 {
                    state.byPayloadType[codec.payloadType] = transceiver.receiver
                }
            }
        }
    }

    /// Starts receiving from and reporting on a transport (once DTLS exported keys).
    func attach(_ transport: PeerTransport, on eventLoop: any EventLoop) {
        let attach = state.withLock { state -> Bool in
            guard state.transport == nil, !state.closed else { return false }
            state.transport = transport
            return true
        }
        guard attach else { return }
        transport.setMediaReceiver { [weak self] packet in self?.receive(packet) }
        let ticker = eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(20), delay: .milliseconds(20)) {
            [weak self] _ in self?.tick()
        }
        state.withLock { $0.ticker = ticker }
    }

    /// Says goodbye for every SSRC we sent from (RFC 3550 §6.6), in a compound led by a receiver report.
    func sendGoodbye() {
        let (transport, transceivers) = state.withLock { ($0.transport, $0.transceivers) }
        guard let transport else { return }
        let sources = transceivers.compactMap { t in t.sender.state.withLock { $0.statistics.hasSent } ? t.sender.ssrc : nil }
        guard !sources.isEmpty else { return }
        var buffer = ByteBuffer()
        let packets: [RTCPPacket] = [.receiverReport(RTCPReceiverReport(ssrc: sources[0])),
                                     .goodbye(RTCPGoodbye(sources: sources))]
        guard (try? RTCPCompoundPacket(packets: packets).write(to: &buffer)) != nil else { return }
        transport.sendRTCP(buffer)
    }

    func close() {
        let (ticker, transport) = state.withLock { state in
            state.closed = true
            defer { state.ticker = nil }
            return (state.ticker, state.transport)
        }
        ticker?.cancel()
        transport?.setMediaReceiver(nil)
    }

    var counters: (unrouted: Int, malformed: Int) { state.withLock { ($0.unroutedPackets, $0.malformedPackets) } }

    /// The next transport-wide sequence number: one counter across every sender of the connection.
    func nextTransportSequence() -> UInt16 {
        state.withLock { state in
            defer { state.transportSequence &+= 1 }
            return state.transportSequence
        }
    }

    // MARK: Receive

    private func receive(_ packet: PeerTransport.MediaPacket) {
        switch packet {
        case .rtp(var buffer):
            let size = buffer.readableBytes
            guard let rtp = try? RTPPacket(parsing: &buffer) else {
                state.withLock { $0.malformedPackets += 1 }
                return
            }
            guard let receiver = route(rtp) else {
                state.withLock { $0.unroutedPackets += 1 }
                return
            }
            let feedback = receiver.receive(rtp, size: size, arrival: .now(), wallClock: Date().timeIntervalSince1970)
            send(feedback)
        case .rtcp(var buffer):
            guard let compound = try? RTCPCompoundPacket(parsing: &buffer) else {
                state.withLock { $0.malformedPackets += 1 }
                return
            }
            handle(compound)
        }
    }

    private func route(_ packet: RTPPacket) -> RTCRtpReceiver? {
        state.withLock { state in
            if let receiver = state.bySSRC[packet.ssrc] { return receiver }
            if let ext = packet.headerExtension {
                for id in state.midExtensionIDs {
                    guard let value = ext[id: id], let receiver = state.byMid[String(buffer: value)] else { continue }
                    state.bySSRC[packet.ssrc] = receiver
                    return receiver
                }
            }
            if let receiver = state.byPayloadType[packet.payloadType] {
                state.bySSRC[packet.ssrc] = receiver
                return receiver
            }
            return nil
        }
    }

    private func handle(_ compound: RTCPCompoundPacket) {
        let now = NIODeadline.now()
        let ntp = NTPTimestamp.from(unixSeconds: Date().timeIntervalSince1970)
        let transceivers = state.withLock { $0.transceivers }
        func sender(_ ssrc: UInt32) -> RTCRtpSender? {
            transceivers.first { $0.sender.ssrc == ssrc || $0.sender.rtxSSRC == ssrc }?.sender
        }
        func blocks(_ reports: [RTCPReportBlock]) {
            for block in reports {
                guard let s = sender(block.ssrc) else { continue }
                s.handleReportBlock(block, arrivalNTP: ntp)
                if let rtt = s.state.withLock({ $0.roundTripTime }) {
                    for t in transceivers { t.receiver.updateRTT(rtt) }
                }
            }
        }
        for packet in compound.packets {
            switch packet {
            case .senderReport(let sr):
                for t in transceivers { t.receiver.handleSenderReport(sr, arrival: now) }
                blocks(sr.reportBlocks)
            case .receiverReport(let rr):
                blocks(rr.reportBlocks)
            case .genericNACK(let nack):
                sender(nack.mediaSSRC)?.handleNACK(nack.lostSequenceNumbers)
            case .pictureLossIndication(let pli):
                sender(pli.mediaSSRC)?.handleKeyframeRequest(fir: false)
            case .fullIntraRequest(let fir):
                for entry in fir.entries { sender(entry.ssrc)?.handleKeyframeRequest(fir: true) }
            case .receiverEstimatedMaxBitrate(let remb):
                for ssrc in remb.ssrcs { sender(ssrc)?.handleEstimatedBitrate(Int(clamping: remb.bitrate)) }
            default:
                break
            }
        }
    }

    // MARK: Send

    private func tick() {
        let now = NIODeadline.now()
        let (transceivers, report) = state.withLock { state in
            state.ticks += 1
            let due = state.ticks >= state.nextReportTick
            if due {
                // RFC 3550 §6.3.5: randomise the interval (here 0.5–1.5 s) so reports do not synchronise.
                state.nextReportTick = state.ticks + Int.random(in: 25...75)
            }
            return (state.transceivers, due)
        }
        for transceiver in transceivers { send(transceiver.receiver.tick(now: now)) }
        if report { sendReports(transceivers, now: now) }
    }

    private func sendReports(_ transceivers: [RTCRtpTransceiver], now: NIODeadline) {
        guard let transport = state.withLock({ $0.transport }) else { return }
        let ntp = NTPTimestamp.from(unixSeconds: Date().timeIntervalSince1970)
        var blocks = transceivers.compactMap { $0.receiver.makeReportBlock(now: now) }
        var packets: [RTCPPacket] = []
        var chunks: [RTCPSourceDescription.Chunk] = []
        for transceiver in transceivers {
            guard let (report, cname) = transceiver.sender.makeReport(now: now, ntp: ntp) else { continue }
            var sr = report
            sr.reportBlocks = Array(blocks.prefix(31))
            blocks.removeFirst(min(31, blocks.count))
            packets.append(.senderReport(sr))
            chunks.append(.init(source: sr.ssrc, items: [.init(type: .cname, text: cname)]))
        }
        if packets.isEmpty {
            guard !blocks.isEmpty else { return }
            packets.append(.receiverReport(RTCPReceiverReport(ssrc: feedbackSSRC, reportBlocks: Array(blocks.prefix(31)))))
            let cname = transceivers.first?.sender.state.withLock { $0.link?.cname } ?? "asyncrtc"
            chunks.append(.init(source: feedbackSSRC, items: [.init(type: .cname, text: cname)]))
        }
        packets.append(.sourceDescription(RTCPSourceDescription(chunks: chunks)))
        var buffer = ByteBuffer()
        guard (try? RTCPCompoundPacket(packets: packets).write(to: &buffer)) != nil else { return }
        transport.sendRTCP(buffer)
    }

    /// Sends what a receiver asked for: NACK (RFC 4585 §6.2.1), PLI (§6.3.1), REMB.
    private func send(_ feedback: RTCRtpReceiver.Feedback) {
        guard !feedback.isEmpty, let media = feedback.mediaSSRC,
              let transport = state.withLock({ $0.transport }) else { return }
        var packets: [RTCPPacket] = [.receiverReport(RTCPReceiverReport(ssrc: feedbackSSRC))]
        if !feedback.nacks.isEmpty {
            packets.append(.genericNACK(RTCPGenericNACK(senderSSRC: feedbackSSRC, mediaSSRC: media,
                                                        lostSequenceNumbers: feedback.nacks)))
        }
        if feedback.pli {
            if feedback.useFIR {
                // RFC 5104 §4.3.1: FIR when only `ccm fir` was negotiated; a new sequence number per request.
                let sequence = state.withLock { state -> UInt8 in
                    defer { state.firSequence &+= 1 }
                    return state.firSequence
                }
                packets.append(.fullIntraRequest(RTCPFullIntraRequest(senderSSRC: feedbackSSRC,
                                                                      entries: [.init(ssrc: media, sequenceNumber: sequence)])))
            } else {
                packets.append(.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: feedbackSSRC, mediaSSRC: media)))
            }
        }
        if let remb = feedback.remb {
            packets.append(.receiverEstimatedMaxBitrate(RTCPReceiverEstimatedMaxBitrate(
                senderSSRC: feedbackSSRC, bitrate: UInt64(max(0, remb.bitrate)), ssrcs: remb.ssrcs)))
        }
        var buffer = ByteBuffer()
        guard (try? RTCPCompoundPacket(packets: packets).write(to: &buffer)) != nil else { return }
        transport.sendRTCP(buffer)
    }
}
