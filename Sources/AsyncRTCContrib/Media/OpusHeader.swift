/// The Opus identification header (RFC 7845 §5.1), the first packet of an Ogg Opus stream.
public struct OpusHead: Sendable, Hashable {
    /// Output channels (1 or 2 here: mapping family 0).
    public var channels: Int
    /// Samples at 48 kHz to discard from the decoder's output at the start (the encoder's lookahead).
    public var preSkip: UInt16
    /// The original input rate, informational (0 if unknown).
    public var inputSampleRate: UInt32
    /// Gain to apply to the output, Q7.8 dB.
    public var outputGain: Int16

    public init(channels: Int, preSkip: UInt16 = 312, inputSampleRate: UInt32 = 48_000, outputGain: Int16 = 0) {
        self.channels = channels
        self.preSkip = preSkip
        self.inputSampleRate = inputSampleRate
        self.outputGain = outputGain
    }

    /// - Throws: `.malformed` for a packet that is not an OpusHead, `.unsupported` for a version with another
    ///   major number or a channel mapping other than family 0 (mono/stereo).
    public init(parsing packet: [UInt8]) throws(MediaFileError) {
        guard packet.count >= 19, packet.starts(with: Array("OpusHead".utf8)) else {
            throw MediaFileError(.malformed, "the first Ogg packet is not an OpusHead (not an Ogg Opus file)")
        }
        guard packet[8] >> 4 == 0 else { throw MediaFileError(.unsupported, "OpusHead version \(packet[8])") }
        let channels = Int(packet[9])
        let family = packet[18]
        guard family == 0, channels == 1 || channels == 2 else {
            throw MediaFileError(.unsupported, "Opus channel mapping family \(family) with \(channels) channels")
        }
        self.channels = channels
        self.preSkip = LittleEndian.u16(packet, 10)
        self.inputSampleRate = LittleEndian.u32(packet, 12)
        self.outputGain = Int16(bitPattern: LittleEndian.u16(packet, 16))
    }

    public func serialized() -> [UInt8] {
        Array("OpusHead".utf8) + [1, UInt8(clamping: channels)] + LittleEndian.bytes(preSkip)
            + LittleEndian.bytes(inputSampleRate) + LittleEndian.bytes(UInt16(bitPattern: outputGain)) + [0]
    }
}

/// The Opus comment header (RFC 7845 §5.2): a vendor string and `NAME=value` comments.
public struct OpusTags: Sendable, Hashable {
    public var vendor: String
    public var comments: [String]

    public init(vendor: String = "AsyncRTC", comments: [String] = []) {
        self.vendor = vendor
        self.comments = comments
    }

    public init(parsing packet: [UInt8]) throws(MediaFileError) {
        guard packet.count >= 16, packet.starts(with: Array("OpusTags".utf8)) else {
            throw MediaFileError(.malformed, "the second Ogg packet is not OpusTags")
        }
        var offset = 8
        func string() throws(MediaFileError) -> String {
            let length = Int(LittleEndian.u32(packet, offset))
            guard length >= 0, length <= packet.count - offset - 4 else {
                throw MediaFileError(.malformed, "OpusTags string of \(length) bytes overruns the packet")
            }
            defer { offset += 4 + length }
            return String(decoding: packet[(offset + 4)..<(offset + 4 + length)], as: UTF8.self)
        }
        vendor = try string()
        guard offset + 4 <= packet.count else { throw MediaFileError(.malformed, "OpusTags without a comment count") }
        let count = Int(LittleEndian.u32(packet, offset))
        offset += 4
        // Each comment takes at least 4 bytes: a count beyond that is a lie; do not allocate for it.
        guard count <= (packet.count - offset) / 4 else {
            throw MediaFileError(.malformed, "OpusTags claims \(count) comments")
        }
        var comments: [String] = []
        for _ in 0..<count { comments.append(try string()) }
        self.comments = comments
    }

    public func serialized() -> [UInt8] {
        func field(_ text: String) -> [UInt8] { LittleEndian.bytes(UInt32(text.utf8.count)) + Array(text.utf8) }
        return Array("OpusTags".utf8) + field(vendor) + LittleEndian.bytes(UInt32(comments.count))
            + comments.flatMap(field)
    }
}

/// Facts read from an Opus packet's TOC byte (RFC 6716 §3.1).
enum OpusPacket {
    /// Samples per channel at 48 kHz the packet decodes to, nil for a packet that is empty or malformed.
    static func samples(_ packet: [UInt8]) -> Int? {
        guard let toc = packet.first else { return nil }
        let config = Int(toc >> 3)
        let frameSize: Int
        switch config {
        case 0..<12: frameSize = [480, 960, 1920, 2880][config % 4]
        case 12..<16: frameSize = [480, 960][config % 2]
        default: frameSize = [120, 240, 480, 960][config % 4]
        }
        let frames: Int
        switch toc & 0x03 {
        case 0: frames = 1
        case 1, 2: frames = 2
        default:
            guard packet.count >= 2 else { return nil }
            frames = Int(packet[1] & 0x3F)
        }
        let total = frames * frameSize
        // RFC 6716 §3.2.5: at most 120 ms per packet.
        guard frames > 0, total <= 5760 else { return nil }
        return total
    }
}
