/// The few facts a VP9 payloader needs from the uncompressed header of a VP9 frame (VP9 bitstream specification
/// §6.2): whether it is a key frame and, for key frames, the frame size.
public struct VP9FrameHeader: Sendable, Hashable {
    public var isKeyframe: Bool
    /// The frame size of a key frame; nil for other frames.
    public var width: Int?
    public var height: Int?

    public init(isKeyframe: Bool, width: Int? = nil, height: Int? = nil) {
        self.isKeyframe = isKeyframe
        self.width = width
        self.height = height
    }

    /// Reads the start of the uncompressed header; nil when the bytes are not a VP9 frame header this reader
    /// understands (bad frame marker, truncated, or a `show_existing_frame` header).
    public init?(parsing frame: some Collection<UInt8>) {
        var reader = BitReader(frame)
        guard reader.read(2) == 2 else { return nil }  // frame_marker
        let profileLow = reader.read(1)
        let profileHigh = reader.read(1)
        let profile = profileHigh << 1 | profileLow
        if profile == 3 { _ = reader.read(1) }  // reserved_zero
        guard reader.read(1) == 0 else { return nil }  // show_existing_frame
        let frameType = reader.read(1)
        _ = reader.read(1)  // show_frame
        _ = reader.read(1)  // error_resilient_mode
        guard !reader.overrun else { return nil }
        guard frameType == 0 else {
            self.init(isKeyframe: false)
            return
        }
        // frame_sync_code 0x49 0x83 0x42, color_config, frame_size (§6.2).
        guard reader.read(8) == 0x49, reader.read(8) == 0x83, reader.read(8) == 0x42 else { return nil }
        if profile >= 2 { _ = reader.read(1) }  // ten_or_twelve_bit
        let colorSpace = reader.read(3)
        if colorSpace != 7 {  // CS_RGB
            _ = reader.read(1)  // color_range
            if profile == 1 || profile == 3 { _ = reader.read(3) }  // subsampling_x, subsampling_y, reserved_zero
        } else if profile == 1 || profile == 3 {
            _ = reader.read(1)  // reserved_zero
        }
        let width = reader.read(16) + 1
        let height = reader.read(16) + 1
        guard !reader.overrun else { return nil }
        self.init(isKeyframe: true, width: width, height: height)
    }
}

/// Reads big-endian bit fields; reading past the end gives zeros and sets ``overrun``.
struct BitReader {
    private let bytes: [UInt8]
    private var bit = 0
    private(set) var overrun = false

    init(_ bytes: some Collection<UInt8>) {
        self.bytes = Array(bytes.prefix(64))
    }

    mutating func read(_ count: Int) -> Int {
        var value = 0
        for _ in 0..<count {
            let index = bit >> 3
            var b = 0
            if index < bytes.count {
                b = Int(bytes[index] >> (7 - UInt8(bit & 7))) & 1
            } else {
                overrun = true
            }
            value = value << 1 | b
            bit += 1
        }
        return value
    }
}
