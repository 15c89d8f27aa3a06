public import NIOCore

extension WireError.Layer {
    /// Opus packets (RFC 6716 §3).
    public static let opus = WireError.Layer("Opus")
}

/// The framing of one Opus packet (RFC 6716 §3): the TOC byte, the frame-count code and the compressed frames,
/// without decoding them. Used to learn a packet's duration and frame layout before (or instead of) handing it to
/// libopus, and to reject packets that break the §3.4 requirements [R1]–[R7] so that hostile payloads never reach
/// the decoder.
public struct OpusPacket: Hashable, Sendable {
    /// Operating mode, audio bandwidth and frame size, 0…31 (§3.1, Table 2).
    public var configuration: UInt8
    /// Whether the packet is stereo (the TOC's `s` bit).
    public var stereo: Bool
    /// How the frames are laid out (§3.2): 0 one frame, 1 two of equal size, 2 two of different sizes, 3 an
    /// arbitrary number.
    public var code: UInt8
    /// Code 3 only: frames sized individually (VBR) rather than all equal (CBR).
    public var variableBitrate: Bool
    /// Code 3 only: bytes of Opus padding after the frames (§3.2.5).
    public var paddingLength: Int
    /// The compressed frames, each at most 1275 bytes ([R2]).
    public var frames: [[UInt8]]

    /// The longest compressed frame ([R2]).
    public static let maximumFrameSize = 1275
    /// The most audio one packet may hold, in 48 kHz samples ([R5]: 120 ms).
    public static let maximumSamples = 5760

    /// A packet with the given layout. No validation: ``write(to:)`` produces what ``init(parsing:)`` would read
    /// back only for a layout that follows §3.2 (see ``init(parsing:)``).
    public init(configuration: UInt8, stereo: Bool, code: UInt8, variableBitrate: Bool = false, paddingLength: Int = 0,
                frames: [[UInt8]]) {
        self.configuration = configuration
        self.stereo = stereo
        self.code = code
        self.variableBitrate = variableBitrate
        self.paddingLength = paddingLength
        self.frames = frames
    }

    /// Samples per frame at 48 kHz for a TOC configuration (§3.1, Table 2).
    public static func samplesPerFrame(configuration: UInt8) -> Int {
        let c = Int(configuration & 0x1F)
        switch c {
        case 0...11:  // SILK-only: 10, 20, 40, 60 ms
            return [480, 960, 1920, 2880][c % 4]
        case 12...15:  // hybrid: 10, 20 ms
            return [480, 960][c % 2]
        default:  // CELT-only: 2.5, 5, 10, 20 ms
            return [120, 240, 480, 960][c % 4]
        }
    }

    /// The audio the packet holds, in 48 kHz samples.
    public var samples: Int { frames.count * Self.samplesPerFrame(configuration: configuration) }

    /// The TOC byte (§3.1).
    public var toc: UInt8 { (configuration & 0x1F) << 3 | (stereo ? 0x04 : 0) | (code & 0x03) }

    /// Parses the whole readable part of `buffer` as one Opus packet (the RTP payload, RFC 7587 §4.2).
    ///
    /// Throws ``WireError`` (layer ``WireError/Layer/opus``) for an empty packet, a frame length past the end,
    /// frames larger than 1275 bytes ([R2]), code 1 with an odd frame area ([R3]), code 3 with zero frames or more
    /// than 120 ms of audio ([R5]), CBR frames that do not divide evenly ([R6]), or padding past the end ([R7]).
    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        let toc = try buffer.readWireInteger(as: UInt8.self, .opus, field: "TOC byte")
        configuration = toc >> 3
        stereo = toc & 0x04 != 0
        code = toc & 0x03
        variableBitrate = false
        paddingLength = 0
        frames = []
        switch code {
        case 0:
            frames = [try Self.frame(&buffer, length: buffer.readableBytes)]
        case 1:
            // [R3]: two frames of equal size.
            guard buffer.readableBytes % 2 == 0 else {
                throw WireError(.opus, .malformed, "code 1 packet with an odd number (\(buffer.readableBytes)) of frame bytes")
            }
            let half = buffer.readableBytes / 2
            frames = [try Self.frame(&buffer, length: half), try Self.frame(&buffer, length: half)]
        case 2:
            // [R4]: the first frame's length, then the rest is the second frame.
            let first = try Self.frameLength(&buffer)
            guard first <= buffer.readableBytes else {
                throw WireError(.opus, .truncated, "code 2 first frame of \(first) bytes, \(buffer.readableBytes) left")
            }
            frames = [try Self.frame(&buffer, length: first), try Self.frame(&buffer, length: buffer.readableBytes)]
        default:
            let countByte = try buffer.readWireInteger(as: UInt8.self, .opus, field: "frame count byte")
            variableBitrate = countByte & 0x80 != 0
            let hasPadding = countByte & 0x40 != 0
            let count = Int(countByte & 0x3F)
            // [R5]: at least one frame, at most 120 ms.
            guard count >= 1, count * Self.samplesPerFrame(configuration: configuration) <= Self.maximumSamples else {
                throw WireError(.opus, .malformed, "code 3 packet with \(count) frames of config \(configuration)")
            }
            if hasPadding {
                // §3.2.5: each 255 adds 254 bytes and continues; any other value adds itself and ends. A padding
                // length byte of 255 must be followed by another.
                var padding = 0
                while true {
                    let byte = try buffer.readWireInteger(as: UInt8.self, .opus, field: "padding length")
                    padding += byte == 255 ? 254 : Int(byte)
                    if byte != 255 { break }
                }
                paddingLength = padding
            }
            // [R7]: the padding fits in what is left.
            guard paddingLength <= buffer.readableBytes else {
                throw WireError(.opus, .truncated, "\(paddingLength) bytes of padding, \(buffer.readableBytes) left")
            }
            if variableBitrate {
                var lengths: [Int] = []
                for _ in 0..<(count - 1) { lengths.append(try Self.frameLength(&buffer)) }
                let last = buffer.readableBytes - paddingLength
                // [R6]/[R7]: the declared frames fit before the padding.
                guard last >= 0, lengths.reduce(0, +) <= last else {
                    throw WireError(.opus, .truncated, "VBR frame lengths \(lengths) exceed the \(max(last, 0)) bytes left")
                }
                for length in lengths { frames.append(try Self.frame(&buffer, length: length)) }
                frames.append(try Self.frame(&buffer, length: buffer.readableBytes - paddingLength))
            } else {
                let area = buffer.readableBytes - paddingLength
                // [R6]: CBR frames share the area evenly.
                guard area % count == 0 else {
                    throw WireError(.opus, .malformed, "\(area) bytes do not divide into \(count) CBR frames")
                }
                for _ in 0..<count { frames.append(try Self.frame(&buffer, length: area / count)) }
            }
            buffer.moveReaderIndex(forwardBy: paddingLength)
        }
    }

    /// One frame of `length` bytes; [R2] caps it at 1275.
    private static func frame(_ buffer: inout ByteBuffer, length: Int) throws(WireError) -> [UInt8] {
        guard length <= maximumFrameSize else {
            throw WireError(.opus, .malformed, "frame of \(length) bytes exceeds \(maximumFrameSize)")
        }
        return try buffer.readWireBytes(length: length, .opus, field: "frame")
    }

    /// A frame length in one or two bytes (§3.2.1): 0…251 as is; 252…255 then a second byte, length =
    /// second × 4 + first.
    private static func frameLength(_ buffer: inout ByteBuffer) throws(WireError) -> Int {
        let first = Int(try buffer.readWireInteger(as: UInt8.self, .opus, field: "frame length"))
        guard first >= 252 else { return first }
        let second = Int(try buffer.readWireInteger(as: UInt8.self, .opus, field: "frame length, second byte"))
        return second * 4 + first
    }

    /// Appends a frame length in the form ``frameLength(_:)`` reads (1275 at most, so it always fits).
    private static func writeFrameLength(_ length: Int, to buffer: inout ByteBuffer) {
        if length < 252 {
            buffer.writeInteger(UInt8(length))
        } else {
            let first = 252 + (length - 252) % 4
            buffer.writeInteger(UInt8(first))
            buffer.writeInteger(UInt8(truncatingIfNeeded: (length - first) / 4))
        }
    }

    /// Writes the packet in the layout its ``code`` names.
    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(toc)
        switch code & 0x03 {
        case 0, 1:
            for frame in frames { buffer.writeBytes(frame) }
        case 2:
            Self.writeFrameLength(frames.first?.count ?? 0, to: &buffer)
            for frame in frames { buffer.writeBytes(frame) }
        default:
            let hasPadding = paddingLength > 0
            buffer.writeInteger(UInt8(frames.count & 0x3F) | (variableBitrate ? 0x80 : 0) | (hasPadding ? 0x40 : 0))
            if hasPadding {
                var left = paddingLength
                // 254 bytes per 255 marker; the final byte carries the rest (0…254), and must not be 255.
                while left > 254 {
                    buffer.writeInteger(UInt8(255))
                    left -= 254
                }
                buffer.writeInteger(UInt8(left))
            }
            if variableBitrate {
                for frame in frames.dropLast() { Self.writeFrameLength(frame.count, to: &buffer) }
            }
            for frame in frames { buffer.writeBytes(frame) }
            buffer.writeRepeatingByte(0, count: paddingLength)
        }
    }
}
