public import NIOCore

/// The scalability structure (SS) of a VP9 payload descriptor (RFC 9628 §4.2.1).
///
/// ```
///       +-+-+-+-+-+-+-+-+
///  V:   | N_S |Y|G|-|-|-|
///       +-+-+-+-+-+-+-+-+              -|
///  Y:   |     WIDTH     | (16 bits)     . N_S + 1 times
///       |     HEIGHT    | (16 bits)     .
///       +-+-+-+-+-+-+-+-+              -|
///  G:   |      N_G      |
///       +-+-+-+-+-+-+-+-+                           -|
///  N_G: |  TID  |U| R |-|-|                          . N_G times
///       |    P_DIFF     | (R times)                  .
///       +-+-+-+-+-+-+-+-+                           -|
/// ```
public struct VP9ScalabilityStructure: Sendable, Hashable {
    /// The resolution of one spatial layer.
    public struct Resolution: Sendable, Hashable {
        public var width: UInt16
        public var height: UInt16
        public init(width: UInt16, height: UInt16) {
            self.width = width
            self.height = height
        }
    }

    /// One picture of the picture group description.
    public struct PictureGroupEntry: Sendable, Hashable {
        /// TID, 0–7.
        public var temporalID: UInt8
        /// U: switching up point.
        public var switchingUpPoint: Bool
        /// P_DIFFs of the pictures it references (at most 3).
        public var referenceDiffs: [UInt8]
        public init(temporalID: UInt8, switchingUpPoint: Bool = false, referenceDiffs: [UInt8]) {
            self.temporalID = temporalID & 0x07
            self.switchingUpPoint = switchingUpPoint
            self.referenceDiffs = referenceDiffs
        }
    }

    /// N_S + 1: the number of spatial layers, 1–8.
    public var spatialLayerCount: Int
    /// Y: one resolution per spatial layer, or empty when absent.
    public var resolutions: [Resolution]
    /// G: the picture group description, or nil when absent.
    public var pictureGroup: [PictureGroupEntry]?

    /// - Precondition: `resolutions` is empty or has `spatialLayerCount` entries (checked by ``write(to:)``,
    ///   which writes `Y` only when the count matches).
    public init(spatialLayerCount: Int = 1, resolutions: [Resolution] = [], pictureGroup: [PictureGroupEntry]? = nil) {
        self.spatialLayerCount = min(max(spatialLayerCount, 1), 8)
        self.resolutions = resolutions
        self.pictureGroup = pictureGroup
    }

    /// Bytes on the wire.
    public var encodedLength: Int {
        var size = 1
        if resolutions.count == spatialLayerCount { size += 4 * spatialLayerCount }
        if let pictureGroup {
            size += 1
            for entry in pictureGroup.prefix(255) { size += 1 + min(entry.referenceDiffs.count, 3) }
        }
        return size
    }

    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        let first = try buffer.readWireInteger(as: UInt8.self, .vp9, field: "VP9 SS header")
        self.spatialLayerCount = Int(first >> 5) + 1
        var resolutions: [Resolution] = []
        if first & 0x10 != 0 {
            guard buffer.readableBytes >= 4 * spatialLayerCount else {
                throw WireError(.vp9, .truncated, "SS with \(spatialLayerCount) resolutions, \(buffer.readableBytes) bytes left")
            }
            for _ in 0..<spatialLayerCount {
                let width = try buffer.readWireInteger(as: UInt16.self, .vp9, field: "VP9 SS width")
                let height = try buffer.readWireInteger(as: UInt16.self, .vp9, field: "VP9 SS height")
                resolutions.append(Resolution(width: width, height: height))
            }
        }
        self.resolutions = resolutions
        if first & 0x08 != 0 {
            let count = Int(try buffer.readWireInteger(as: UInt8.self, .vp9, field: "VP9 SS N_G"))
            guard buffer.readableBytes >= count else {
                throw WireError(.vp9, .truncated, "SS with \(count) pictures, \(buffer.readableBytes) bytes left")
            }
            var group: [PictureGroupEntry] = []
            group.reserveCapacity(count)
            for _ in 0..<count {
                let byte = try buffer.readWireInteger(as: UInt8.self, .vp9, field: "VP9 SS picture")
                var diffs: [UInt8] = []
                for _ in 0..<Int(byte >> 2 & 0x03) {
                    diffs.append(try buffer.readWireInteger(as: UInt8.self, .vp9, field: "VP9 SS P_DIFF"))
                }
                group.append(PictureGroupEntry(temporalID: byte >> 5, switchingUpPoint: byte & 0x10 != 0,
                                               referenceDiffs: diffs))
            }
            self.pictureGroup = group
        } else {
            self.pictureGroup = nil
        }
    }

    public func write(to buffer: inout ByteBuffer) {
        let withResolutions = resolutions.count == spatialLayerCount
        var first = UInt8(min(max(spatialLayerCount, 1), 8) - 1) << 5
        if withResolutions { first |= 0x10 }
        if pictureGroup != nil { first |= 0x08 }
        buffer.writeInteger(first)
        if withResolutions {
            for resolution in resolutions {
                buffer.writeInteger(resolution.width)
                buffer.writeInteger(resolution.height)
            }
        }
        if let pictureGroup {
            let entries = pictureGroup.prefix(255)
            buffer.writeInteger(UInt8(entries.count))
            for entry in entries {
                let diffs = entry.referenceDiffs.prefix(3)
                buffer.writeInteger((entry.temporalID & 0x07) << 5 | (entry.switchingUpPoint ? 0x10 : 0)
                                        | UInt8(diffs.count) << 2)
                for diff in diffs { buffer.writeInteger(diff) }
            }
        }
    }
}
