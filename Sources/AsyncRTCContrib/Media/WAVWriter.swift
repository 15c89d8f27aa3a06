import AsyncRTC

/// Writes 16-bit PCM to a RIFF WAVE file (a 44-byte canonical header: `RIFF`, `fmt ` of 16 bytes, `data`).
///
/// The channel count and rate come from the first frame; later frames are converted to them. The two size
/// fields are rewritten about once a second of audio and on `close()`, so a file whose writer died is complete
/// up to the last rewrite (and readers that, like ours and FFmpeg's, read a too-small data chunk to its stated
/// end lose at most that second; the samples are all on disk).
final class WAVWriter {
    private let sink: FileByteSink
    private var layout: AudioFrame.Layout?
    private var sampleRate = 0
    private var resampler: AudioResampler?
    private var dataBytes: UInt64 = 0
    private var bytesSinceUpdate: UInt64 = 0
    private(set) var samplesWritten: Int64 = 0

    init(path: String) throws(MediaFileError) {
        sink = try FileByteSink(path: path)
    }

    func write(_ frame: AudioFrame) throws(MediaFileError) {
        if layout == nil {
            layout = frame.layout
            sampleRate = frame.sampleRate
            try sink.write(header(dataSize: 0))
        }
        guard let layout else { return }
        var pcm = frame
        if frame.layout != layout || frame.sampleRate != sampleRate {
            if resampler == nil { resampler = AudioResampler(format: .s16, layout: layout, sampleRate: sampleRate) }
            guard let converted = resampler?.resample(frame) else { return }
            pcm = converted
        }
        pcm = pcm.converted(to: .s16)
        let count = min(pcm.data.count, pcm.samples * pcm.channels * 2)
        guard count > 0 else { return }
        try sink.write(Array(pcm.data[0..<count]))
        dataBytes += UInt64(count)
        samplesWritten += Int64(count / (2 * layout.channels))
        bytesSinceUpdate += UInt64(count)
        if bytesSinceUpdate >= UInt64(sampleRate * layout.channels * 2) {
            bytesSinceUpdate = 0
            try updateSizes()
        }
    }

    /// Writes the final sizes and closes the file.
    func close() throws(MediaFileError) {
        defer { sink.close() }
        if layout == nil {
            // No audio arrived: still leave a valid, empty file (mono 48 kHz).
            layout = .mono
            sampleRate = 48_000
            try sink.write(header(dataSize: 0))
        }
        try updateSizes()
    }

    private func updateSizes() throws(MediaFileError) {
        let data = UInt32(clamping: dataBytes)
        try sink.overwrite(at: 4, LittleEndian.bytes(UInt32(clamping: UInt64(data) + 36)))
        try sink.overwrite(at: 40, LittleEndian.bytes(data))
    }

    private func header(dataSize: UInt32) -> [UInt8] {
        let channels = UInt16(layout?.channels ?? 1)
        let blockAlign = channels * 2
        var bytes = Array("RIFF".utf8) + LittleEndian.bytes(UInt32(36) &+ dataSize) + Array("WAVEfmt ".utf8)
        bytes += LittleEndian.bytes(UInt32(16)) + LittleEndian.bytes(UInt16(1)) + LittleEndian.bytes(channels)
        bytes += LittleEndian.bytes(UInt32(sampleRate)) + LittleEndian.bytes(UInt32(sampleRate) * UInt32(blockAlign))
        bytes += LittleEndian.bytes(blockAlign) + LittleEndian.bytes(UInt16(16))
        bytes += Array("data".utf8) + LittleEndian.bytes(dataSize)
        return bytes
    }
}
