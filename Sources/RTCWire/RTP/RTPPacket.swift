public import NIOCore

/// An RTP data packet (RFC 3550 §5.1).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// |                           timestamp                           |
/// |           synchronization source (SSRC) identifier            |
/// |            contributing source (CSRC) identifiers             |  CC entries
/// |                 header extension (if X)                       |
/// |                 payload ...        | padding (if P) | count   |
/// ```
///
/// Parsing takes the whole readable region of the buffer as one packet (one datagram) and keeps the payload and
/// the extension block as slices of it: a packet without CSRCs costs no allocation. Equality compares values: the
/// padding's length but not its content, and header extensions by their elements (see ``RTPHeaderExtension``).
public struct RTPPacket: Sendable, Equatable {
    /// The only RTP version there is (RFC 3550 §5.1).
    public static let version: UInt8 = 2

    public var marker: Bool
    /// 7 bits.
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    /// Contributing sources, at most 15.
    public var csrcs: [UInt32]
    /// The header extension block (the X bit), or nil.
    public var headerExtension: RTPHeaderExtension?
    public var payload: ByteBuffer
    /// Bytes of padding after the payload, counting the final count byte; 0 means no padding (P bit clear).
    public var paddingLength: UInt8

    public init(
        marker: Bool = false, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32,
        csrcs: [UInt32] = [], headerExtension: RTPHeaderExtension? = nil, payload: ByteBuffer,
        paddingLength: UInt8 = 0
    ) {
        self.marker = marker
        self.payloadType = payloadType
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcs = csrcs
        self.headerExtension = headerExtension
        self.payload = payload
        self.paddingLength = paddingLength
    }

    /// Parses every readable byte of `buffer` as one RTP packet and consumes them.
    /// - Throws: ``WireError/Code/truncated`` when the header, CSRC list or extension runs past the end;
    ///   ``WireError/Code/malformed`` for a version other than 2 or an impossible padding count.
    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        let first = try buffer.readWireInteger(as: UInt8.self, .rtp, field: "V/P/X/CC")
        guard first >> 6 == Self.version else {
            throw WireError(.rtp, .malformed, "version \(first >> 6), expected 2")
        }
        let second = try buffer.readWireInteger(as: UInt8.self, .rtp, field: "M/PT")
        self.marker = second & 0x80 != 0
        self.payloadType = second & 0x7F
        self.sequenceNumber = try buffer.readWireInteger(.rtp, field: "sequence number")
        self.timestamp = try buffer.readWireInteger(.rtp, field: "timestamp")
        self.ssrc = try buffer.readWireInteger(.rtp, field: "SSRC")

        let csrcCount = Int(first & 0x0F)
        if csrcCount > 0 {
            guard buffer.readableBytes >= csrcCount * 4 else {
                throw WireError(.rtp, .truncated, "CSRC list: \(csrcCount) entries, \(buffer.readableBytes) bytes left")
            }
            var csrcs: [UInt32] = []
            csrcs.reserveCapacity(csrcCount)
            for _ in 0..<csrcCount {
                csrcs.append(try buffer.readWireInteger(.rtp, field: "CSRC"))
            }
            self.csrcs = csrcs
        } else {
            self.csrcs = []
        }

        if first & 0x10 != 0 {
            self.headerExtension = try RTPHeaderExtension(parsing: &buffer)
        } else {
            self.headerExtension = nil
        }

        var paddingLength = 0
        if first & 0x20 != 0 {
            // The last byte counts the padding, itself included (RFC 3550 §5.1).
            guard buffer.readableBytes > 0,
                  let count = buffer.getInteger(at: buffer.writerIndex - 1, as: UInt8.self) else {
                throw WireError(.rtp, .truncated, "padding bit set but no padding count")
            }
            guard count > 0, Int(count) <= buffer.readableBytes else {
                throw WireError(.rtp, .malformed, "padding count \(count) with \(buffer.readableBytes) bytes after the header")
            }
            paddingLength = Int(count)
        }
        self.paddingLength = UInt8(paddingLength)
        self.payload = try buffer.readWireSlice(length: buffer.readableBytes - paddingLength, .rtp, field: "payload")
        buffer.moveReaderIndex(forwardBy: paddingLength)
    }

    /// The number of bytes ``write(to:)`` produces.
    public var encodedLength: Int {
        12 + csrcs.count * 4 + (headerExtension.map { 4 + $0.data.readableBytes } ?? 0)
            + payload.readableBytes + Int(paddingLength)
    }

    /// Writes the packet. Padding is written as zeros followed by the count.
    /// - Throws: ``WireError/Code/tooLarge`` for more than 15 CSRCs or an extension block over 65535 words,
    ///   ``WireError/Code/malformed`` for a payload type above 127; nothing is written then.
    public func write(to buffer: inout ByteBuffer) throws(WireError) {
        guard csrcs.count <= 15 else {
            throw WireError(.rtp, .tooLarge, "\(csrcs.count) CSRCs, at most 15")
        }
        guard payloadType <= 0x7F else {
            throw WireError(.rtp, .malformed, "payload type \(payloadType) does not fit in 7 bits")
        }
        if let headerExtension, headerExtension.data.readableBytes / 4 > Int(UInt16.max) {
            throw WireError(.rtp, .tooLarge, "header extension of \(headerExtension.data.readableBytes) bytes")
        }
        var first = Self.version << 6 | UInt8(csrcs.count)
        if paddingLength > 0 { first |= 0x20 }
        if headerExtension != nil { first |= 0x10 }
        buffer.reserveCapacity(minimumWritableBytes: encodedLength)
        buffer.writeInteger(first)
        buffer.writeInteger((marker ? 0x80 : 0) | payloadType)
        buffer.writeInteger(sequenceNumber)
        buffer.writeInteger(timestamp)
        buffer.writeInteger(ssrc)
        for csrc in csrcs {
            buffer.writeInteger(csrc)
        }
        headerExtension?.write(to: &buffer)
        buffer.writeImmutableBuffer(payload)
        if paddingLength > 0 {
            buffer.writeRepeatingByte(0, count: Int(paddingLength) - 1)
            buffer.writeInteger(paddingLength)
        }
    }

    /// The data of the header extension element with this id, or nil (RFC 8285).
    public func headerExtension(id: UInt8) -> ByteBuffer? {
        headerExtension?[id: id]
    }

    /// Sets the header extension element with this id, creating the block if the packet has none (RFC 8285).
    /// - Throws: what ``RTPHeaderExtension/set(id:data:)`` throws.
    public mutating func setHeaderExtension(id: UInt8, data: ByteBuffer) throws(WireError) {
        var block = headerExtension ?? RTPHeaderExtension()
        try block.set(id: id, data: data)
        headerExtension = block
    }

    /// Removes the header extension element with this id, if present.
    public mutating func removeHeaderExtension(id: UInt8) {
        headerExtension?.remove(id: id)
    }
}
