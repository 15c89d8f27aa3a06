public import NIOCore

/// One RTCP packet of any type (RFC 3550 §6, RFC 4585 §6, RFC 5104 §4.3.1).
///
/// Feedback messages are told apart by packet type and FMT: RTPFB 1 generic NACK, RTPFB 15 transport-wide CC,
/// PSFB 1 PLI, PSFB 4 FIR, PSFB 15 with the "REMB" identifier REMB. Anything else is kept as
/// ``RTCPUnknownPacket``.
public enum RTCPPacket: Sendable, Hashable {
    case senderReport(RTCPSenderReport)
    case receiverReport(RTCPReceiverReport)
    case sourceDescription(RTCPSourceDescription)
    case goodbye(RTCPGoodbye)
    case applicationDefined(RTCPApplicationDefined)
    case genericNACK(RTCPGenericNACK)
    case transportWideCC(RTCPTransportWideCC)
    case pictureLossIndication(RTCPPictureLossIndication)
    case fullIntraRequest(RTCPFullIntraRequest)
    case receiverEstimatedMaxBitrate(RTCPReceiverEstimatedMaxBitrate)
    case unknown(RTCPUnknownPacket)

    /// Reads one packet, whatever its type; the buffer moves past it.
    /// - Throws: ``WireError/Code/truncated`` when the length field or a count runs past the packet,
    ///   ``WireError/Code/malformed`` for a bad version, padding or field value.
    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        let (header, body) = try RTCPHeader.readPacket(from: &buffer)
        switch (header.packetType, header.count) {
        case (RTCPHeader.senderReportType, _):
            self = .senderReport(try RTCPSenderReport(header: header, body: body))
        case (RTCPHeader.receiverReportType, _):
            self = .receiverReport(try RTCPReceiverReport(header: header, body: body))
        case (RTCPHeader.sourceDescriptionType, _):
            self = .sourceDescription(try RTCPSourceDescription(header: header, body: body))
        case (RTCPHeader.goodbyeType, _):
            self = .goodbye(try RTCPGoodbye(header: header, body: body))
        case (RTCPHeader.applicationDefinedType, _):
            self = .applicationDefined(try RTCPApplicationDefined(header: header, body: body))
        case (RTCPHeader.transportFeedbackType, RTCPGenericNACK.format):
            self = .genericNACK(try RTCPGenericNACK(header: header, body: body))
        case (RTCPHeader.transportFeedbackType, RTCPTransportWideCC.format):
            self = .transportWideCC(try RTCPTransportWideCC(header: header, body: body))
        case (RTCPHeader.payloadFeedbackType, RTCPPictureLossIndication.format):
            self = .pictureLossIndication(try RTCPPictureLossIndication(header: header, body: body))
        case (RTCPHeader.payloadFeedbackType, RTCPFullIntraRequest.format):
            self = .fullIntraRequest(try RTCPFullIntraRequest(header: header, body: body))
        case (RTCPHeader.payloadFeedbackType, RTCPReceiverEstimatedMaxBitrate.format)
            where RTCPReceiverEstimatedMaxBitrate.isREMB(body):
            self = .receiverEstimatedMaxBitrate(try RTCPReceiverEstimatedMaxBitrate(header: header, body: body))
        default:
            self = .unknown(RTCPUnknownPacket(header: header, body: body))
        }
    }

    /// Writes the packet, header included, padded to a 32-bit boundary.
    /// - Throws: ``WireError/Code/tooLarge`` (or ``WireError/Code/malformed``) when a value does not fit its
    ///   field; nothing is written then.
    public func write(to buffer: inout ByteBuffer) throws(WireError) {
        let start = buffer.writerIndex
        do throws(WireError) {
            switch self {
            case .senderReport(let packet): try packet.write(to: &buffer)
            case .receiverReport(let packet): try packet.write(to: &buffer)
            case .sourceDescription(let packet): try packet.write(to: &buffer)
            case .goodbye(let packet): try packet.write(to: &buffer)
            case .applicationDefined(let packet): try packet.write(to: &buffer)
            case .genericNACK(let packet): try packet.write(to: &buffer)
            case .transportWideCC(let packet): try packet.write(to: &buffer)
            case .pictureLossIndication(let packet): try packet.write(to: &buffer)
            case .fullIntraRequest(let packet): try packet.write(to: &buffer)
            case .receiverEstimatedMaxBitrate(let packet): try packet.write(to: &buffer)
            case .unknown(let packet): try packet.write(to: &buffer)
            }
        } catch {
            buffer.moveWriterIndex(to: start)
            throw error
        }
    }

    /// The packet type (PT) field.
    public var packetType: UInt8 {
        switch self {
        case .senderReport: RTCPHeader.senderReportType
        case .receiverReport: RTCPHeader.receiverReportType
        case .sourceDescription: RTCPHeader.sourceDescriptionType
        case .goodbye: RTCPHeader.goodbyeType
        case .applicationDefined: RTCPHeader.applicationDefinedType
        case .genericNACK, .transportWideCC: RTCPHeader.transportFeedbackType
        case .pictureLossIndication, .fullIntraRequest, .receiverEstimatedMaxBitrate: RTCPHeader.payloadFeedbackType
        case .unknown(let packet): packet.packetType
        }
    }
}
