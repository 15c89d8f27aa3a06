import AsyncRTC

/// Reads PCM audio from a RIFF WAVE file: format tag 1 (PCM) or `WAVE_FORMAT_EXTENSIBLE` with the PCM sub-format,
/// 16-bit samples, one or two channels. Unknown chunks are skipped (RIFF pads odd-sized chunks to even); a data
/// chunk whose size is 0 or 0xFFFFFFFF (a streaming writer that never patched it) or larger than the file is read
/// to the end of the file.
final class WAVReader {
    let channels: Int
    let sampleRate: Int
    private let source: FileByteSource
    private let dataStart: UInt64
    /// Bytes of sample data left, nil when read to the end of the file.
    private let dataSize: UInt64?
    private var remaining: UInt64?

    /// The largest `fmt ` chunk accepted (the extensible form is 40 bytes).
    static let maximumFormatChunk: UInt32 = 1024

    init(path: String) throws(MediaFileError) {
        source = try FileByteSource(path: path)
        guard let riff = try source.readExactly(12, what: "the RIFF header") else {
            throw MediaFileError(.truncated, "\(path) is empty")
        }
        guard riff.starts(with: Array("RIFF".utf8)), Array(riff[8..<12]) == Array("WAVE".utf8) else {
            throw MediaFileError(.malformed, "\(path) is not a RIFF WAVE file")
        }
        var format: (channels: Int, rate: Int)?
        while true {
            guard let header = try source.readExactly(8, what: "a chunk header") else {
                throw MediaFileError(.truncated, "\(path) has no data chunk")
            }
            let id = String(decoding: header[0..<4], as: UTF8.self)
            let size = LittleEndian.u32(header, 4)
            if id == "fmt " {
                guard size >= 16, size <= Self.maximumFormatChunk else {
                    throw MediaFileError(.malformed, "\(path): fmt chunk of \(size) bytes")
                }
                guard let body = try source.readExactly(Int(size), what: "the fmt chunk") else {
                    throw MediaFileError(.truncated, "\(path) ends inside the fmt chunk")
                }
                if size % 2 == 1 { _ = try source.read(1) }
                format = try Self.parseFormat(body, path: path)
            } else if id == "data" {
                guard let format else { throw MediaFileError(.malformed, "\(path): data chunk before fmt chunk") }
                channels = format.channels
                sampleRate = format.rate
                dataStart = source.offset
                dataSize = (size == 0 || size == .max) ? nil : UInt64(size)
                remaining = dataSize
                return
            } else {
                _ = try source.skip(UInt64(size) + UInt64(size % 2))
            }
        }
    }

    private static func parseFormat(_ body: [UInt8], path: String) throws(MediaFileError) -> (channels: Int, rate: Int) {
        var tag = LittleEndian.u16(body, 0)
        let channels = Int(LittleEndian.u16(body, 2))
        let rate = Int(LittleEndian.u32(body, 4))
        let bits = LittleEndian.u16(body, 14)
        if tag == 0xFFFE {
            // WAVE_FORMAT_EXTENSIBLE: cbSize(2) validBits(2) channelMask(4) then the sub-format GUID, whose first
            // two bytes are the format tag.
            guard body.count >= 40 else { throw MediaFileError(.malformed, "\(path): short WAVE_FORMAT_EXTENSIBLE") }
            tag = LittleEndian.u16(body, 24)
        }
        guard tag == 1 else { throw MediaFileError(.unsupported, "\(path): WAV format tag \(tag) (only PCM is read)") }
        guard bits == 16 else { throw MediaFileError(.unsupported, "\(path): \(bits)-bit samples (only 16-bit is read)") }
        guard channels == 1 || channels == 2 else {
            throw MediaFileError(.unsupported, "\(path): \(channels) channels (only mono and stereo are read)")
        }
        guard (1000...384_000).contains(rate) else { throw MediaFileError(.malformed, "\(path): sample rate \(rate)") }
        return (channels, rate)
    }

    /// The next block of up to `samples` samples per channel, nil at the end of the data. A trailing partial
    /// sample frame (a truncated file) is dropped.
    func read(samples: Int) throws(MediaFileError) -> AudioFrame? {
        let frameBytes = channels * 2
        var wanted = UInt64(max(1, samples) * frameBytes)
        if let remaining { wanted = min(wanted, remaining) }
        guard wanted > 0 else { return nil }
        let bytes = try source.read(Int(wanted))
        if remaining != nil { remaining! -= UInt64(bytes.count) }
        if bytes.count < wanted { remaining = 0 }
        let whole = bytes.count - bytes.count % frameBytes
        guard whole > 0 else { return nil }
        // Samples are little-endian on disk and in AudioFrame (every platform Swift runs on).
        return AudioFrame(format: .s16, layout: channels == 2 ? .stereo : .mono, sampleRate: sampleRate,
                          data: Array(bytes[0..<whole]))
    }

    /// Back to the first sample.
    func rewind() throws(MediaFileError) {
        try source.seek(to: dataStart)
        remaining = dataSize
    }
}
