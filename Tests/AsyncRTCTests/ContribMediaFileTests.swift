@testable import AsyncRTCContrib
import Foundation
import Testing

/// The containers: round trips through our writers and readers, what ffprobe and opusinfo make of the files we
/// write, and hostile or truncated files.
@Suite struct ContribMediaFileTests {
    typealias M = ContribMedia

    // MARK: WAV

    @Test func wavRoundTripAndFFprobe() throws {
        let path = M.temporaryPath("wav")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try WAVWriter(path: path)
        var written: [Int16] = []
        for index in 0..<50 {
            let frame = M.toneFrame(440, index: index, layout: .stereo)
            written += frame.s16Samples
            try writer.write(frame)
        }
        try writer.close()

        let reader = try WAVReader(path: path)
        #expect(reader.channels == 2 && reader.sampleRate == 48_000)
        var read: [Int16] = []
        while let frame = try reader.read(samples: 960) { read += frame.s16Samples }
        #expect(read == written)

        let probe = try M.probe(path)
        #expect(probe.codec == "pcm_s16le")
        #expect(abs(probe.duration - 1.0) <= 0.02, "duration \(probe.duration)")
    }

    @Test func wavWrittenWhileRunningIsReadableBeforeClose() throws {
        let path = M.temporaryPath("wav")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try WAVWriter(path: path)
        for index in 0..<120 { try writer.write(M.toneFrame(440, index: index)) }  // 2.4 s, no close()
        let reader = try WAVReader(path: path)
        var samples = 0
        while let frame = try reader.read(samples: 960) { samples += frame.samples }
        #expect(samples >= 96_000, "at least the first 2 s (the last size update) are readable: \(samples)")
        try writer.close()
    }

    /// Writers that were never closed (the process died): Ogg is readable up to its last flushed page, IVF and
    /// Y4M up to their last frame — by our readers and by ffprobe.
    @Test func unclosedRecordingsAreReadable() throws {
        let ogg = M.temporaryPath("ogg"), ivf = M.temporaryPath("ivf"), y4m = M.temporaryPath("y4m")
        defer { for p in [ogg, ivf, y4m] { try? FileManager.default.removeItem(atPath: p) } }
        let oggWriter = OggRecordingSink(path: ogg)
        for index in 0..<50 { try oggWriter.write(audio: M.toneFrame(440, index: index)) }
        let ivfWriter = IVFRecordingSink(path: ivf)
        for index in 0..<20 { try ivfWriter.write(video: M.picture(index: index)) }
        let y4mWriter = try Y4MWriter(path: y4m)
        for index in 0..<7 { try y4mWriter.write(M.picture(index: index)) }

        let packets = M.drain(try OpusPlaybackSource(path: ogg, decode: false)).items.count
        #expect(packets >= 40 && packets < 50, "\(packets) packets on flushed pages")
        #expect(M.drain(try IVFPlaybackSource(path: ivf, decode: true)).items.count == 20)
        #expect(M.drain(try Y4MPlaybackSource(path: y4m)).items.count == 7)
        #expect(try M.probe(ogg).frames == packets)
        #expect(try M.probe(ivf).frames == 20)
        withExtendedLifetime((oggWriter, ivfWriter, y4mWriter)) {}
    }

    // MARK: Ogg Opus

    @Test func oggPageRoundTripAndCRC() throws {
        let page = OggPage(flags: [.beginOfStream], granulePosition: 12345, serialNumber: 0xDEADBEEF, sequenceNumber: 7,
                           segments: OggPage.lacing(size: 300), body: (0..<300).map { UInt8(truncatingIfNeeded: $0) })
        let bytes = page.serialized()
        #expect(try OggPage(parsing: bytes) == page)
        var damaged = bytes
        damaged[100] ^= 0x01
        #expect(throws: MediaFileError(.malformed, "")) { try OggPage(parsing: damaged) }
        #expect(throws: MediaFileError(.truncated, "")) { try OggPage(parsing: Array(bytes.prefix(200))) }
        // The Ogg CRC (not zlib's): the check value of the CRC-32/MPEG-2 family without inversion ("CRC-32/BZIP2"
        // unreflected, init 0, no xorout) for "123456789" is 0x89A1897F.
        #expect(OggCRC.checksum(Array("123456789".utf8)) == 0x89A1_897F)
    }

    @Test func opusHeadersRoundTrip() throws {
        let head = OpusHead(channels: 2, preSkip: 312, inputSampleRate: 44_100, outputGain: -256)
        #expect(try OpusHead(parsing: head.serialized()) == head)
        let tags = OpusTags(vendor: "x", comments: ["TITLE=t", "ARTIST=a"])
        #expect(try OpusTags(parsing: tags.serialized()) == tags)
        var lying = OpusTags(vendor: "v").serialized()
        lying.replaceSubrange((lying.count - 4)..<lying.count, with: [0xFF, 0xFF, 0xFF, 0x7F])
        #expect(throws: MediaFileError(.malformed, "")) { try OpusTags(parsing: lying) }
        #expect(OpusPacket.samples([0xFC]) == 960)       // CELT FB 20 ms, one frame
        #expect(OpusPacket.samples([0x0B << 3 | 1]) == 5760)  // SILK 60 ms, two frames
        #expect(OpusPacket.samples([0x03]) == nil)     // code 3 without its count byte
    }

    static func writeOgg(_ path: String, seconds: Double) throws -> Int {
        let sink = OggRecordingSink(path: path)
        let frames = Int(seconds * 50)
        for index in 0..<frames { try sink.write(audio: M.toneFrame(440, index: index, layout: .stereo)) }
        try sink.close()
        return frames
    }

    @Test func oggRoundTripFFprobeAndOpusinfo() throws {
        let path = M.temporaryPath("ogg")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let packets = try Self.writeOgg(path, seconds: 2)

        let reader = try OggOpusReader(path: path)
        #expect(reader.head.channels == 2 && reader.head.preSkip > 0)
        var count = 0
        while let packet = reader.nextPacket() {
            #expect(packet.samples == 960)
            count += 1
        }
        #expect(count == packets)

        let probe = try M.probe(path)
        #expect(probe.codec == "opus")
        #expect(probe.frames == packets, "ffprobe decoded \(probe.frames) of \(packets) packets")
        #expect(abs(probe.duration - 2.0) <= 0.021, "duration \(probe.duration)")

        let (status, info) = try M.run("opusinfo", [path])
        #expect(status == 0, "\(info)")
        #expect(!info.localizedCaseInsensitiveContains("warning") && !info.localizedCaseInsensitiveContains("error"), "\(info)")
        #expect(info.contains("Total data length"), "\(info)")
    }

    @Test func oggDecodesBackToTheTone() throws {
        let path = M.temporaryPath("ogg")
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try Self.writeOgg(path, seconds: 1)
        let (items, error) = M.drain(try OpusPlaybackSource(path: path, decode: true))
        #expect(error == nil)
        var samples: [Int16] = []
        for case .audio(let frame) in items.map(\.payload) { samples += M.firstChannel(frame) }
        // 1 s of audio less the pre-skip, within a frame.
        #expect(abs(samples.count - 48_000 + 312) <= 960, "\(samples.count) samples")
        let tail = Array(samples.dropFirst(4800))
        #expect(M.power(tail, rate: 48_000, frequency: 440) > 100 * M.power(tail, rate: 48_000, frequency: 1000))
    }

    // MARK: IVF

    static func writeIVF(_ path: String, frames: Int, codec: VPXCodec = .vp8) throws {
        if codec == .vp8 {
            let sink = IVFRecordingSink(path: path)
            for index in 0..<frames { try sink.write(video: M.picture(index: index)) }
            try sink.close()
        } else {
            let encoder = VPXVideoEncoder(codec: codec)
            let sink = IVFRecordingSink(path: path)
            for index in 0..<frames {
                for unit in try encoder.encode(M.picture(index: index), forceKeyframe: false) {
                    try sink.write(encoded: unit, mimeType: "video/VP9")
                }
            }
            try sink.close()
        }
    }

    @Test(arguments: [VPXCodec.vp8, .vp9])
    func ivfRoundTripAndFFprobe(_ codec: VPXCodec) throws {
        let path = M.temporaryPath("ivf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.writeIVF(path, frames: 30, codec: codec)

        let reader = try IVFReader(path: path)
        #expect(reader.header.fourCC == (codec == .vp8 ? "VP80" : "VP90"))
        #expect(reader.header.width == 160 && reader.header.height == 120)
        let decoder = try MediaCodecs.makeVideoDecoder(mimeType: codec == .vp8 ? "video/VP8" : "video/VP9")
        var pictures = 0
        var frames = 0
        while let (data, _) = try reader.nextFrame() {
            frames += 1
            for picture in try decoder.decode(data) {
                #expect(picture.width == 160 && picture.height == 120)
                pictures += 1
            }
        }
        #expect(frames == 30 && pictures == 30)

        let probe = try M.probe(path)
        #expect(probe.codec == (codec == .vp8 ? "vp8" : "vp9"))
        #expect(probe.frames == 30)
        #expect(abs(probe.duration - 1.0) <= 1.0 / 30 + 0.001, "duration \(probe.duration)")
    }

    @Test func ivfHeaderRoundTripAndKeyframeBits() throws {
        let header = IVFHeader(fourCC: "VP90", width: 640, height: 480, timeBase: MediaTimeBase(numerator: 1, denominator: 30), length: 90)
        #expect(try IVFHeader(parsing: header.serialized()) == header)
        #expect(IVFPlaybackSource.isKeyframe([0x10, 0, 0], mimeType: "video/VP8"))
        #expect(!IVFPlaybackSource.isKeyframe([0x11, 0, 0], mimeType: "video/VP8"))
        #expect(IVFPlaybackSource.isKeyframe([0x82], mimeType: "video/VP9"))   // marker 2, profile 0, key
        #expect(!IVFPlaybackSource.isKeyframe([0x86], mimeType: "video/VP9"))  // inter frame
        // A VP9 profile 0 key frame header: 0x82 (marker, profile 0, key, shown), 0x49 0x83 0x42, colour space
        // BT.601 (1) and studio range (0) in 4 bits, then 639 and 479 in 16 bits each.
        let bits = "0010" + String(639, radix: 2).leftPadded(16) + String(479, radix: 2).leftPadded(16) + "0000"
        let tail = stride(from: 0, to: bits.count, by: 8).map { UInt8(String(Array(bits)[$0..<$0 + 8]), radix: 2)! }
        #expect(IVFRecordingSink.vp9Size([0x82, 0x49, 0x83, 0x42] + tail) ?? (0, 0) == (640, 480))
        #expect(IVFRecordingSink.vp9Size([0x86, 0x49, 0x83, 0x42] + tail) == nil)  // an inter frame has no size
        #expect(IVFRecordingSink.vp9Size([0x82, 0x49]) == nil)
    }

    // MARK: Y4M

    @Test func y4mRoundTripAndFFprobe() throws {
        let path = M.temporaryPath("y4m")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try Y4MWriter(path: path)
        let pictures = (0..<10).map { M.picture(index: $0) }
        for picture in pictures { try writer.write(picture) }
        try writer.write(M.picture(index: 0, width: 64, height: 64))
        #expect(writer.skippedFrames == 1)
        writer.close()

        let reader = try Y4MReader(path: path)
        var read: [VideoFrame] = []
        while let frame = try reader.nextFrame() { read.append(frame) }
        #expect(read.map(\.data) == pictures.map(\.data))

        let probe = try M.probe(path)
        #expect(probe.codec == "rawvideo" && probe.frames == 10)
        #expect(abs(probe.duration - 10.0 / 30) <= 1.0 / 30 + 0.001, "duration \(probe.duration)")
        #expect(try Y4MHeader(parsing: "YUV4MPEG2 W10 H20 F25:1 C420") == Y4MHeader(width: 10, height: 20, frameRate: (25, 1), colorSpace: "420"))
        #expect(throws: MediaFileError(.unsupported, "")) { try Y4MHeader(parsing: "YUV4MPEG2 W10 H20 C444") }
        #expect(throws: MediaFileError(.malformed, "")) { try Y4MHeader(parsing: "YUV4MPEG2 W0 H20") }
    }

    // MARK: Files ffmpeg writes

    @Test func playsWhatFFmpegWrites() async throws {
        let dir = NSTemporaryDirectory() + "asyncrtc-ffmpeg-\(UUID().uuidString)/"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let common = ["-hide_banner", "-loglevel", "error", "-y"]
        try #require(M.run("ffmpeg", common + ["-f", "lavfi", "-i", "sine=frequency=440:duration=1:sample_rate=48000",
                                               "-c:a", "pcm_s16le", dir + "sine.wav"]).status == 0)
        try #require(M.run("ffmpeg", common + ["-f", "lavfi", "-i", "sine=frequency=440:duration=1:sample_rate=48000",
                                               "-c:a", "libopus", "-b:a", "64k", dir + "sine.ogg"]).status == 0)
        try #require(M.run("ffmpeg", common + ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=30", "-frames:v", "30",
                                               "-c:v", "libvpx", "-pix_fmt", "yuv420p", "-b:v", "500k", dir + "test.ivf"]).status == 0)
        try #require(M.run("ffmpeg", common + ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=30", "-frames:v", "30",
                                               "-c:v", "libvpx-vp9", "-pix_fmt", "yuv420p", "-b:v", "500k", dir + "test9.ivf"]).status == 0)
        try #require(M.run("ffmpeg", common + ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=30", "-frames:v", "30",
                                               "-pix_fmt", "yuv420p", dir + "test.y4m"]).status == 0)

        // WAV: the tone, all of it.
        var wav: [Int16] = []
        for case .audio(let f) in M.drain(try WAVPlaybackSource(path: dir + "sine.wav")).items.map(\.payload) { wav += M.firstChannel(f) }
        #expect(wav.count == 48_000)
        #expect(M.power(wav, rate: 48_000, frequency: 440) > 100 * M.power(wav, rate: 48_000, frequency: 1000))
        // Ogg Opus: decoded and encoded.
        var opus: [Int16] = []
        for case .audio(let f) in M.drain(try OpusPlaybackSource(path: dir + "sine.ogg", decode: true)).items.map(\.payload) { opus += M.firstChannel(f) }
        #expect(abs(opus.count - 48_000) <= 960, "\(opus.count)")
        let tail = Array(opus.dropFirst(4800))
        #expect(M.power(tail, rate: 48_000, frequency: 440) > 100 * M.power(tail, rate: 48_000, frequency: 1000))
        #expect(M.drain(try OpusPlaybackSource(path: dir + "sine.ogg", decode: false)).items.count >= 50)
        // IVF VP8 / VP9 and Y4M: 30 pictures each.
        for name in ["test.ivf", "test9.ivf"] {
            let decoded = M.drain(try IVFPlaybackSource(path: dir + name, decode: true))
            #expect(decoded.error == nil && decoded.items.count == 30, "\(name): \(decoded.items.count) \(String(describing: decoded.error))")
            let encoded = M.drain(try IVFPlaybackSource(path: dir + name, decode: false)).items
            #expect(encoded.count == 30)
            if case .encoded(let first)? = encoded.first?.payload { #expect(first.isKeyframe, "\(name)") }
            #expect(abs((encoded.last?.time ?? 0) - 29.0 / 30) < 0.001)
        }
        let y4m = M.drain(try Y4MPlaybackSource(path: dir + "test.y4m")).items
        #expect(y4m.count == 30)
        // VP9 profile 1 (4:4:4): readable as encoded frames, refused with a clear error when decoding.
        try #require(M.run("ffmpeg", common + ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=30", "-frames:v", "10",
                                               "-c:v", "libvpx-vp9", "-pix_fmt", "yuv444p", dir + "test444.ivf"]).status == 0)
        #expect(throws: MediaFileError(.unsupported, "")) { try MediaPlayer(file: dir + "test444.ivf") }
        #expect(try MediaPlayer(file: dir + "test444.ivf", decode: false).video is PlayerEncodedTrack)

        // Through MediaPlayer, paced to real time: the video file lasts about a second.
        let player = try MediaPlayer(file: dir + "test.ivf")
        let video = try #require(player.video as? VideoStreamTrack)
        #expect(player.audio == nil)
        let start = ContinuousClock.now
        var count = 0
        var lastPTS: Int64 = -1
        do {
            while true {
                let frame = try await video.recv()
                #expect((frame.pts ?? -1) > lastPTS)
                lastPTS = frame.pts ?? -1
                count += 1
            }
        } catch is MediaStreamError {}
        let elapsed = ContinuousClock.now - start
        #expect(count == 30)
        #expect(elapsed > .milliseconds(900) && elapsed < .seconds(30), "\(elapsed)")
        #expect(video.readyState == .ended)
    }

    // MARK: Hostile and truncated files

    @Test func missingUnsupportedAndCorruptFilesFailAtInit() throws {
        #expect(throws: MediaFileError(.notFound, "")) { try MediaPlayer(file: "/nonexistent/x.wav") }
        let text = M.temporaryPath("txt")
        try M.write(Array("hello, world".utf8), text)
        #expect(throws: MediaFileError(.unsupported, "")) { try MediaPlayer(file: text) }
        #expect(throws: MediaFileError(.unsupported, "")) { try MediaRecorder(file: "out.mp4") }
        for ext in ["wav", "ogg", "ivf", "y4m"] {
            let path = M.temporaryPath(ext)
            try M.write((0..<4096).map { _ in UInt8.random(in: 0...255) }, path)
            #expect(throws: MediaFileError.self) { try MediaPlayer(file: path) }
            try M.write([], path)
            #expect(throws: MediaFileError.self) { try MediaPlayer(file: path) }
            try? FileManager.default.removeItem(atPath: path)
        }
        // Headers announcing huge records over a few bytes: nothing is allocated for bytes that are not there.
        let huge = M.temporaryPath("y4m")
        try M.write(Array("YUV4MPEG2 W16384 H16384 F30:1\nFRAME\n".utf8) + [1, 2, 3], huge)
        #expect(throws: MediaFileError(.truncated, "")) { try MediaPlayer(file: huge) }
        let hugeIVF = M.temporaryPath("ivf")
        try M.write(IVFHeader(fourCC: "VP80", width: 64, height: 64, timeBase: VIDEO_TIME_BASE).serialized()
                    + [0xFF, 0xFF, 0xFF, 0x01] + [UInt8](repeating: 0, count: 20), hugeIVF)
        #expect(throws: MediaFileError(.truncated, "")) { try MediaPlayer(file: hugeIVF) }
        try? FileManager.default.removeItem(atPath: huge)
        try? FileManager.default.removeItem(atPath: hugeIVF)
        // A 24-bit WAV is unsupported, not malformed (the 4:4:4 Y4M case is in y4mRoundTripAndFFprobe).
        let wav = M.temporaryPath("wav")
        var header = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WAVEfmt ".utf8) + [16, 0, 0, 0, 1, 0, 1, 0]
        header += [0x80, 0xBB, 0, 0, 0, 0, 0, 0, 3, 0, 24, 0] + Array("data".utf8) + [0, 0, 0, 0]
        try M.write(header, wav)
        #expect(throws: MediaFileError(.unsupported, "")) { try MediaPlayer(file: wav) }
        try? FileManager.default.removeItem(atPath: wav)
        try? FileManager.default.removeItem(atPath: text)
    }

    /// A file cut anywhere plays up to its last complete frame and ends; never traps or hangs.
    @Test func truncatedFilesEndCleanly() throws {
        let ivf = M.temporaryPath("ivf"), ogg = M.temporaryPath("ogg"), y4m = M.temporaryPath("y4m"), wav = M.temporaryPath("wav")
        defer { for p in [ivf, ogg, y4m, wav] { try? FileManager.default.removeItem(atPath: p) } }
        try Self.writeIVF(ivf, frames: 20)
        _ = try Self.writeOgg(ogg, seconds: 1)
        let y4mWriter = try Y4MWriter(path: y4m)
        for i in 0..<5 { try y4mWriter.write(M.picture(index: i)) }
        y4mWriter.close()
        let wavWriter = try WAVWriter(path: wav)
        for i in 0..<10 { try wavWriter.write(M.toneFrame(440, index: i)) }
        try wavWriter.close()

        let ivfBytes = try M.bytes(ivf)
        let cut = ivfBytes.count - 5
        try M.write(Array(ivfBytes.prefix(cut)), ivf)
        var result = M.drain(try IVFPlaybackSource(path: ivf, decode: true))
        #expect(result.error == nil && result.items.count == 19)

        let oggBytes = try M.bytes(ogg)
        try M.write(Array(oggBytes.prefix(oggBytes.count - 30)), ogg)
        result = M.drain(try OpusPlaybackSource(path: ogg, decode: false))
        #expect(result.error == nil && result.items.count == 40, "the last page (10 packets) is lost: \(result.items.count)")

        let y4mBytes = try M.bytes(y4m)
        try M.write(Array(y4mBytes.prefix(y4mBytes.count - 100)), y4m)
        result = M.drain(try Y4MPlaybackSource(path: y4m))
        #expect(result.error == nil && result.items.count == 4)

        let wavBytes = try M.bytes(wav)
        try M.write(Array(wavBytes.prefix(wavBytes.count - 1)), wav)
        result = M.drain(try WAVPlaybackSource(path: wav))
        let samples = result.items.reduce(0) { total, item in
            if case .audio(let f) = item.payload { return total + f.samples }
            return total
        }
        #expect(result.error == nil && samples == 9599)
    }

    /// Random damage to valid files of every format: every reader either rejects the file with a MediaFileError
    /// or reads a bounded number of items; nothing traps.
    @Test func mutatedFilesNeverTrap() throws {
        var generator = SystemRandomNumberGenerator()
        let paths = ["ivf", "ogg", "y4m", "wav"].map { M.temporaryPath($0) }
        defer { for p in paths { try? FileManager.default.removeItem(atPath: p) } }
        try Self.writeIVF(paths[0], frames: 10)
        _ = try Self.writeOgg(paths[1], seconds: 0.4)
        let y = try Y4MWriter(path: paths[2]); for i in 0..<3 { try y.write(M.picture(index: i, width: 32, height: 16)) }; y.close()
        let w = try WAVWriter(path: paths[3]); for i in 0..<5 { try w.write(M.toneFrame(440, index: i)) }; try w.close()
        let originals = try paths.map { try M.bytes($0) }
        for round in 0..<150 {
            for (index, path) in paths.enumerated() {
                var bytes = originals[index]
                for _ in 0..<(1 + round % 8) {
                    let at = Int.random(in: 0..<min(bytes.count, round % 2 == 0 ? 64 : bytes.count), using: &generator)
                    bytes[at] = UInt8.random(in: 0...255, using: &generator)
                }
                if round % 3 == 0 { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &generator))) }
                try M.write(bytes, path)
                let source: (any PlaybackSource)?
                switch index {
                case 0: source = try? IVFPlaybackSource(path: path, decode: round % 2 == 0)
                case 1: source = try? OpusPlaybackSource(path: path, decode: round % 2 == 0)
                case 2: source = try? Y4MPlaybackSource(path: path)
                default: source = try? WAVPlaybackSource(path: path)
                }
                if let source { _ = M.drain(source, limit: 1000) }
                _ = try? MediaPlayer(file: path)
            }
        }
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
