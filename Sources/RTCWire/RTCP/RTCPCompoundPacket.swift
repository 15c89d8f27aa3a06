public import NIOCore

/// A compound RTCP packet (RFC 3550 §6.1): RTCP packets stacked in one datagram, each with its own header and
/// length.
///
/// RFC 3550 wants a compound packet to start with an SR or RR; RFC 5506 allows reduced-size RTCP — a lone
/// feedback packet, for instance — so parsing accepts any first packet. ``isReducedSize`` tells them apart.
public struct RTCPCompoundPacket: Sendable, Hashable {
    public var packets: [RTCPPacket]

    public init(packets: [RTCPPacket]) {
        self.packets = packets
    }

    /// Parses every readable byte of `buffer` as a sequence of RTCP packets and consumes them.
    /// - Throws: ``WireError/Code/truncated`` for an empty buffer or a length field that runs past the end, and
    ///   whatever a packet's parser throws.
    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        guard buffer.readableBytes > 0 else {
            throw WireError(.rtcp, .truncated, "empty compound packet")
        }
        var packets: [RTCPPacket] = []
        while buffer.readableBytes > 0 {
            packets.append(try RTCPPacket(parsing: &buffer))
        }
        self.packets = packets
    }

    /// Parses every readable byte of `buffer` as a compound packet and returns its packets.
    public static func parse(_ buffer: inout ByteBuffer) throws(WireError) -> [RTCPPacket] {
        try RTCPCompoundPacket(parsing: &buffer).packets
    }

    /// Writes the packets back to back.
    /// - Throws: what ``RTCPPacket/write(to:)`` throws; nothing is written then.
    public func write(to buffer: inout ByteBuffer) throws(WireError) {
        let start = buffer.writerIndex
        do throws(WireError) {
            for packet in packets {
                try packet.write(to: &buffer)
            }
        } catch {
            buffer.moveWriterIndex(to: start)
            throw error
        }
    }

    /// True unless the first packet is an SR or RR, which RFC 3550 §6.1 requires of full compound packets
    /// (RFC 5506 §3 relaxes it).
    public var isReducedSize: Bool {
        switch packets.first {
        case .senderReport, .receiverReport: false
        default: true
        }
    }
}
