public import NIOCore

/// The VP9 payload descriptor at the start of every VP9 RTP payload (RFC 9628 §4.2).
///
/// ```
///        0 1 2 3 4 5 6 7
///       +-+-+-+-+-+-+-+-+
///       |I|P|L|F|B|E|V|Z| (required)
///       +-+-+-+-+-+-+-+-+
///  I:   |M| PICTURE ID  | (M set: 15-bit picture ID over two bytes)
///  M:   | EXTENDED PID  |
///       +-+-+-+-+-+-+-+-+
///  L:   | TID |U| SID |D|
///       +-+-+-+-+-+-+-+-+
///       |   TL0PICIDX   | (non-flexible mode only)
///       +-+-+-+-+-+-+-+-+
///  P,F: | P_DIFF      |N| (flexible mode only, up to 3 times)
///       +-+-+-+-+-+-+-+-+
///  V:   | SS            | (see ``VP9ScalabilityStructure``)
/// ```
/// Equality compares the fields, not the bytes.
public struct VP9PayloadDescriptor: Sendable, Hashable {
    /// The layer indices of the L byte (and TL0PICIDX in non-flexible mode).
    public struct LayerIndices: Sendable, Hashable {
        /// TID, 0–7.
        public var temporalID: UInt8
        /// U: switching up point.
        public var switchingUpPoint: Bool
        /// SID, 0–7.
        public var spatialID: UInt8
        /// D: inter-layer dependency.
        public var interLayerDependency: Bool
        /// TL0PICIDX; present in non-flexible mode only.
        public var tl0PicIdx: UInt8?

        public init(temporalID: UInt8 = 0, switchingUpPoint: Bool = false, spatialID: UInt8 = 0,
                    interLayerDependency: Bool = false, tl0PicIdx: UInt8? = nil) {
            self.temporalID = temporalID & 0x07
            self.switchingUpPoint = switchingUpPoint
            self.spatialID = spatialID & 0x07
            self.interLayerDependency = interLayerDependency
            self.tl0PicIdx = tl0PicIdx
        }
    }

    /// P: the picture is predicted from earlier pictures (an inter picture).
    public var isInterPicturePredicted: Bool
    /// F: flexible mode (reference indices in the descriptor).
    public var isFlexibleMode: Bool
    /// B: the payload starts a frame.
    public var isStartOfFrame: Bool
    /// E: the payload ends a frame.
    public var isEndOfFrame: Bool
    /// Z: the frame is not used for prediction by upper spatial layers.
    public var isNotUpperLayerReference: Bool
    /// Picture ID (I), 7 or 15 bits; nil when absent.
    public var pictureID: UInt16?
    /// M: the picture ID is written in its 15-bit form (also used for values above 127).
    public var hasLongPictureID: Bool
    /// The L byte; nil when absent.
    public var layerIndices: LayerIndices?
    /// P_DIFF values (1–127) in flexible mode with P set; 1 to 3 of them then, empty otherwise.
    public var referenceDiffs: [UInt8]
    /// The scalability structure (V); nil when absent.
    public var scalabilityStructure: VP9ScalabilityStructure?

    public init(
        isInterPicturePredicted: Bool = false, isFlexibleMode: Bool = false, isStartOfFrame: Bool,
        isEndOfFrame: Bool, isNotUpperLayerReference: Bool = false, pictureID: UInt16? = nil,
        hasLongPictureID: Bool = true, layerIndices: LayerIndices? = nil, referenceDiffs: [UInt8] = [],
        scalabilityStructure: VP9ScalabilityStructure? = nil
    ) {
        self.isInterPicturePredicted = isInterPicturePredicted
        self.isFlexibleMode = isFlexibleMode
        self.isStartOfFrame = isStartOfFrame
        self.isEndOfFrame = isEndOfFrame
        self.isNotUpperLayerReference = isNotUpperLayerReference
        self.pictureID = pictureID.map { $0 & 0x7FFF }
        self.hasLongPictureID = pictureID != nil && (hasLongPictureID || (pictureID ?? 0) & 0x7FFF > 0x7F)
        self.layerIndices = layerIndices
        self.referenceDiffs = referenceDiffs
        self.scalabilityStructure = scalabilityStructure
    }

    /// The number of bytes ``write(to:)`` writes.
    public var headerSize: Int {
        var size = 1
        if let pictureID { size += (hasLongPictureID || pictureID > 0x7F) ? 2 : 1 }
        if layerIndices != nil { size += isFlexibleMode ? 1 : 2 }
        if isFlexibleMode && isInterPicturePredicted { size += min(referenceDiffs.count, 3) }
        if let scalabilityStructure { size += scalabilityStructure.encodedLength }
        return size
    }

    /// Reads the descriptor, leaving `buffer` at the VP9 payload.
    /// - Throws: ``WireError/Code/truncated`` when an announced field is missing, ``WireError/Code/malformed``
    ///   for more than three P_DIFFs or a P_DIFF of 0 (RFC 9628 §4.2).
    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        let first = try buffer.readWireInteger(as: UInt8.self, .vp9, field: "VP9 descriptor")
        self.isInterPicturePredicted = first & 0x40 != 0
        self.isFlexibleMode = first & 0x10 != 0
        self.isStartOfFrame = first & 0x08 != 0
        self.isEndOfFrame = first & 0x04 != 0
        self.isNotUpperLayerReference = first & 0x01 != 0
        self.pictureID = nil
        self.hasLongPictureID = false
        self.layerIndices = nil
        self.referenceDiffs = []
        self.scalabilityStructure = nil
        if first & 0x80 != 0 {
            let high = try buffer.readWireInteger(as: UInt8.self, .vp9, field: "VP9 picture ID")
            if high & 0x80 != 0 {
                let low = try buffer.readWireInteger(as: UInt8.self, .vp9, field: "VP9 extended picture ID")
                self.pictureID = UInt16(high & 0x7F) << 8 | UInt16(low)
                self.hasLongPictureID = true
            } else {
                self.pictureID = UInt16(high)
            }
        }
        if first & 0x20 != 0 {
            let byte = try buffer.readWireInteger(as: UInt8.self, .vp9, field: "VP9 layer indices")
            var indices = LayerIndices(temporalID: byte >> 5, switchingUpPoint: byte & 0x10 != 0,
                                       spatialID: byte >> 1 & 0x07, interLayerDependency: byte & 0x01 != 0)
            if !isFlexibleMode {
                indices.tl0PicIdx = try buffer.readWireInteger(as: UInt8.self, .vp9, field: "VP9 TL0PICIDX")
            }
            self.layerIndices = indices
        }
        if isFlexibleMode && isInterPicturePredicted {
            var diffs: [UInt8] = []
            while true {
                let byte = try buffer.readWireInteger(as: UInt8.self, .vp9, field: "VP9 P_DIFF")
                guard byte >> 1 != 0 else {
                    throw WireError(.vp9, .malformed, "P_DIFF of 0")
                }
                diffs.append(byte >> 1)
                if byte & 0x01 == 0 { break }
                guard diffs.count < 3 else {
                    throw WireError(.vp9, .malformed, "more than 3 reference indices")
                }
            }
            self.referenceDiffs = diffs
        }
        if first & 0x02 != 0 {
            self.scalabilityStructure = try VP9ScalabilityStructure(parsing: &buffer)
        }
    }

    /// Writes the descriptor (``headerSize`` bytes). P_DIFFs are written only in flexible mode with P set (at
    /// most three); TL0PICIDX only in non-flexible mode (0 when the L byte has none).
    public func write(to buffer: inout ByteBuffer) {
        var first: UInt8 = 0
        if pictureID != nil { first |= 0x80 }
        if isInterPicturePredicted { first |= 0x40 }
        if layerIndices != nil { first |= 0x20 }
        if isFlexibleMode { first |= 0x10 }
        if isStartOfFrame { first |= 0x08 }
        if isEndOfFrame { first |= 0x04 }
        if scalabilityStructure != nil { first |= 0x02 }
        if isNotUpperLayerReference { first |= 0x01 }
        buffer.writeInteger(first)
        if let pictureID {
            let id = pictureID & 0x7FFF
            if hasLongPictureID || id > 0x7F {
                buffer.writeInteger(UInt16(0x8000) | id)
            } else {
                buffer.writeInteger(UInt8(id))
            }
        }
        if let layerIndices {
            buffer.writeInteger(
                (layerIndices.temporalID & 0x07) << 5 | (layerIndices.switchingUpPoint ? 0x10 : 0)
                    | (layerIndices.spatialID & 0x07) << 1 | (layerIndices.interLayerDependency ? 0x01 : 0))
            if !isFlexibleMode {
                buffer.writeInteger(layerIndices.tl0PicIdx ?? 0)
            }
        }
        if isFlexibleMode && isInterPicturePredicted {
            let diffs = referenceDiffs.prefix(3)
            for (index, diff) in diffs.enumerated() {
                buffer.writeInteger((diff & 0x7F) << 1 | (index + 1 < diffs.count ? 1 : 0))
            }
        }
        scalabilityStructure?.write(to: &buffer)
    }
}
