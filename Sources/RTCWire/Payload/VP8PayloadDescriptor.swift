public import NIOCore

/// The VP8 payload descriptor at the start of every VP8 RTP payload (RFC 7741 §4.2).
///
/// ```
///       0 1 2 3 4 5 6 7
///      +-+-+-+-+-+-+-+-+
///      |X|R|N|S|R| PID | (required)
///      +-+-+-+-+-+-+-+-+
/// X:   |I|L|T|K| RSV   | (optional)
///      +-+-+-+-+-+-+-+-+
/// I:   |M| PictureID   | (optional; M set: 15-bit PictureID over two bytes)
///      +-+-+-+-+-+-+-+-+
///      |   PictureID   |
///      +-+-+-+-+-+-+-+-+
/// L:   |   TL0PICIDX   | (optional)
///      +-+-+-+-+-+-+-+-+
/// T/K: |TID|Y| KEYIDX  | (optional)
///      +-+-+-+-+-+-+-+-+
/// ```
/// Reserved bits are ignored when read and written as zero. Equality compares the fields, not the bytes.
public struct VP8PayloadDescriptor: Sendable, Hashable {
    /// N: the frame is not used as a reference by any other frame.
    public var isNonReference: Bool
    /// S: the payload starts a VP8 partition.
    public var isStartOfPartition: Bool
    /// PID: the partition index, 0–7.
    public var partitionIndex: UInt8
    /// PictureID (I), 7 or 15 bits; nil when absent.
    public var pictureID: UInt16?
    /// M: the PictureID is written in its 15-bit form. Set when parsing a two-byte PictureID; ``write(to:)`` also
    /// uses the long form for a value above 127.
    public var hasLongPictureID: Bool
    /// TL0PICIDX (L); nil when absent.
    public var tl0PicIdx: UInt8?
    /// TID (T), the temporal layer index 0–3; nil when absent.
    public var tid: UInt8?
    /// Y: layer sync bit, meaningful only with ``tid``.
    public var layerSync: Bool
    /// KEYIDX (K), 0–31; nil when absent.
    public var keyIdx: UInt8?

    public init(
        isNonReference: Bool = false, isStartOfPartition: Bool, partitionIndex: UInt8 = 0, pictureID: UInt16? = nil,
        hasLongPictureID: Bool = true, tl0PicIdx: UInt8? = nil, tid: UInt8? = nil, layerSync: Bool = false,
        keyIdx: UInt8? = nil
    ) {
        self.isNonReference = isNonReference
        self.isStartOfPartition = isStartOfPartition
        self.partitionIndex = partitionIndex & 0x07
        self.pictureID = pictureID.map { $0 & 0x7FFF }
        self.hasLongPictureID = pictureID != nil && (hasLongPictureID || pictureIDNeedsLongForm(pictureID))
        self.tl0PicIdx = tl0PicIdx
        self.tid = tid.map { $0 & 0x03 }
        self.layerSync = tid != nil && layerSync
        self.keyIdx = keyIdx.map { $0 & 0x1F }
    }

    /// Whether this payload begins a frame: S set and partition index 0 (RFC 7741 §4.2).
    public var isStartOfFrame: Bool { isStartOfPartition && partitionIndex == 0 }

    /// The number of bytes the descriptor takes on the wire (as ``write(to:)`` writes it).
    public var headerSize: Int {
        var size = 1
        if pictureID != nil || tl0PicIdx != nil || tid != nil || keyIdx != nil { size += 1 }
        if let pictureID { size += (hasLongPictureID || pictureID > 0x7F) ? 2 : 1 }
        if tl0PicIdx != nil { size += 1 }
        if tid != nil || keyIdx != nil { size += 1 }
        return size
    }

    /// Reads the descriptor, leaving `buffer` at the VP8 payload.
    /// - Throws: ``WireError/Code/truncated`` when an announced field is missing.
    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        let first = try buffer.readWireInteger(as: UInt8.self, .vp8, field: "VP8 descriptor")
        self.isNonReference = first & 0x20 != 0
        self.isStartOfPartition = first & 0x10 != 0
        self.partitionIndex = first & 0x07
        self.pictureID = nil
        self.hasLongPictureID = false
        self.tl0PicIdx = nil
        self.tid = nil
        self.layerSync = false
        self.keyIdx = nil
        guard first & 0x80 != 0 else { return }
        let ext = try buffer.readWireInteger(as: UInt8.self, .vp8, field: "VP8 extension flags")
        if ext & 0x80 != 0 {
            let high = try buffer.readWireInteger(as: UInt8.self, .vp8, field: "VP8 PictureID")
            if high & 0x80 != 0 {
                let low = try buffer.readWireInteger(as: UInt8.self, .vp8, field: "VP8 PictureID low byte")
                self.pictureID = UInt16(high & 0x7F) << 8 | UInt16(low)
                self.hasLongPictureID = true
            } else {
                self.pictureID = UInt16(high)
            }
        }
        if ext & 0x40 != 0 {
            self.tl0PicIdx = try buffer.readWireInteger(as: UInt8.self, .vp8, field: "VP8 TL0PICIDX")
        }
        if ext & 0x30 != 0 {
            let byte = try buffer.readWireInteger(as: UInt8.self, .vp8, field: "VP8 TID/Y/KEYIDX")
            if ext & 0x20 != 0 {
                self.tid = byte >> 6
                self.layerSync = byte & 0x20 != 0
            }
            if ext & 0x10 != 0 {
                self.keyIdx = byte & 0x1F
            }
        }
    }

    /// Writes the descriptor (``headerSize`` bytes).
    public func write(to buffer: inout ByteBuffer) {
        let hasExtension = pictureID != nil || tl0PicIdx != nil || tid != nil || keyIdx != nil
        var first = partitionIndex & 0x07
        if hasExtension { first |= 0x80 }
        if isNonReference { first |= 0x20 }
        if isStartOfPartition { first |= 0x10 }
        buffer.writeInteger(first)
        guard hasExtension else { return }
        var ext: UInt8 = 0
        if pictureID != nil { ext |= 0x80 }
        if tl0PicIdx != nil { ext |= 0x40 }
        if tid != nil { ext |= 0x20 }
        if keyIdx != nil { ext |= 0x10 }
        buffer.writeInteger(ext)
        if let pictureID {
            let id = pictureID & 0x7FFF
            if hasLongPictureID || id > 0x7F {
                buffer.writeInteger(UInt16(0x8000) | id)
            } else {
                buffer.writeInteger(UInt8(id))
            }
        }
        if let tl0PicIdx { buffer.writeInteger(tl0PicIdx) }
        if tid != nil || keyIdx != nil {
            var byte: UInt8 = 0
            if let tid { byte |= (tid & 0x03) << 6 | (layerSync ? 0x20 : 0) }
            if let keyIdx { byte |= keyIdx & 0x1F }
            buffer.writeInteger(byte)
        }
    }
}

private func pictureIDNeedsLongForm(_ id: UInt16?) -> Bool { (id ?? 0) & 0x7FFF > 0x7F }
