import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import RTCMedia

/// A moving smooth RGB picture, as a VideoFrame in `format`.
func movingFrame(width: Int, height: Int, index: Int, format: VideoFrame.Format = .yuv420p) -> VideoFrame {
    var frame = VideoFrame(testPattern(width: width, height: height, frame: index))
    frame.pts = Int64(index * 3000)
    frame.timeBase = VIDEO_TIME_BASE
    return format == .yuv420p ? frame : frame.converted(to: format)
}

@Suite("Codecs through the AudioEncoding/VideoEncoding protocols, and the codec worker")
struct MediaCodecsTests {
    @Test("Opus: 44.1 kHz mono input is resampled; the decoded 440 Hz peak survives; PLC returns a frame")
    func opusResampledInput() throws {
        let encoder = try MediaCodecs.makeAudioEncoder(mimeType: "audio/opus",
                                                       parameters: ["useinbandfec": "1", "stereo": "1"])
        let decoder = try MediaCodecs.makeAudioDecoder(mimeType: "audio/opus", parameters: [:])
        #expect(encoder.clockRate == 48_000)
        var packets: [EncodedFrame] = []
        var left: [Double] = []
        for block in 0..<50 {  // 50 × 441 samples = 0.5 s
            let samples = (0..<441).map { index in
                Int16(12_000 * sin(2 * Double.pi * 440 * Double(block * 441 + index) / 44_100))
            }
            var frame = AudioFrame(s16: samples,
                                   layout: .mono, sampleRate: 44_100)
            frame.pts = Int64(block * 441)
            frame.timeBase = MediaTimeBase(rate: 44_100)
            for packet in try encoder.encode(frame) {
                packets.append(packet)
                let audio = try decoder.decode(packet.data)
                #expect(audio.sampleRate == 48_000 && audio.layout == .stereo && audio.samples == 960)
                let samples = audio.s16Samples
                left += stride(from: 0, to: samples.count, by: 2).map { Double(samples[$0]) }
            }
        }
        #expect(packets.count >= 23 && packets.count <= 25)
        #expect(packets.first?.timestamp == 0)
        for (a, b) in zip(packets, packets.dropFirst()) { #expect(b.timestamp == a.timestamp &+ 960) }
        #expect(packets.allSatisfy { $0.duration == 960 && $0.isKeyframe })
        let steady = Array(left[4800...])
        let at440 = goertzelPower(steady, frequency: 440, sampleRate: 48_000)
        for other in [220.0, 330, 550, 880, 1000, 2000] {
            #expect(at440 > 100 * goertzelPower(steady, frequency: other, sampleRate: 48_000), "\(other) Hz")
        }
        #expect(abs(zeroCrossingFrequency(steady, sampleRate: 48_000) - 440) < 5)
        let concealed = try #require(try decoder.concealLoss(samples: 960))
        #expect(concealed.samples == 960 && concealed.layout == .stereo)
        // With useinbandfec the next packet carries the lost one again, at low rate.
        let opus = try #require(decoder as? OpusAudioDecoder)
        let recovered = try opus.recoverLoss(from: packets[20].data, samples: 960)
        #expect(recovered.samples == 960)
        #expect(throws: MediaCodecError.self) { try opus.recoverLoss(from: [], samples: 960) }
        // Rates the resampler cannot sensibly serve are refused, not attempted.
        let absurd = AudioFrame(format: .s16, layout: .mono, samples: 10, sampleRate: 100_000_000)
        #expect(throws: MediaCodecError.self) { try encoder.encode(absurd) }
    }

    @Test("Opus fmtp: usedtx shrinks silence, stereo=0 encodes mono, maxaveragebitrate applies")
    func opusParameters() throws {
        let options = OpusAudioEncoder.Options(fmtp: ["usedtx": "1", "stereo": "0", "maxaveragebitrate": "20000",
                                                      "useinbandfec": " 1 "])
        #expect(options.dtx && !options.stereo && options.inbandFEC && options.bitrate == 20_000)
        let encoder = try OpusAudioEncoder(options: options)
        #expect(encoder.encoder.channels == 1 && encoder.encoder.bitrate == 20_000 && encoder.encoder.dtx)
        var sizes: [Int] = []
        for _ in 0..<30 {
            let silence = AudioFrame(format: .s16, layout: .stereo, samples: 960, sampleRate: 48_000)
            sizes += try encoder.encode(silence).map(\.data.count)
        }
        #expect(sizes.suffix(5).allSatisfy { $0 <= 3 }, "\(sizes)")
        #expect(OpusAudioEncoder.Options(fmtp: [:]).stereo)
    }

    @Test("unknown codecs are rejected")
    func unsupported() {
        #expect(throws: MediaCodecError.self) { try MediaCodecs.makeAudioEncoder(mimeType: "audio/AMR") }
        #expect(throws: MediaCodecError.self) { try MediaCodecs.makeAudioDecoder(mimeType: "video/VP8") }
        #expect(throws: MediaCodecError.self) { try MediaCodecs.makeVideoEncoder(mimeType: "video/H264") }
        #expect(throws: MediaCodecError.self) { try MediaCodecs.makeVideoDecoder(mimeType: "audio/opus") }
    }

    @Test("VP8/VP9 encode → decode: dimensions, keyframes, any input format, resize",
          arguments: ["video/VP8", "video/VP9"])
    func videoRoundTrip(mime: String) throws {
        let encoder = try MediaCodecs.makeVideoEncoder(mimeType: mime)
        let decoder = try MediaCodecs.makeVideoDecoder(mimeType: mime)
        let formats: [VideoFrame.Format] = [.yuv420p, .rgb24, .nv12, .bgr24, .rgba]
        for index in 0..<10 {
            let frame = movingFrame(width: 320, height: 240, index: index, format: formats[index % formats.count])
            let encoded = try encoder.encode(frame, forceKeyframe: index == 6)
            #expect(encoded.count == 1)
            for packet in encoded {
                #expect(packet.timestamp == UInt32(index * 3000))
                #expect(packet.duration == 3000)
                #expect(packet.isKeyframe == (index == 0 || index == 6), "frame \(index)")
                let pictures = try decoder.decode(packet.data)
                #expect(pictures.count == 1)
                #expect(pictures.first?.width == 320 && pictures.first?.height == 240)
                #expect(pictures.first?.format == .yuv420p)
            }
        }
        // A new size rebuilds the encoder: the next frame is a keyframe at the new size; odd sizes work.
        let resized = try encoder.encode(movingFrame(width: 161, height: 121, index: 10), forceKeyframe: false)
        #expect(resized.first?.isKeyframe == true)
        #expect(try decoder.decode(try #require(resized.first).data).first?.width == 161)
        // A frame whose data was replaced by one of the wrong size is refused, not read out of bounds.
        var broken = movingFrame(width: 64, height: 48, index: 0)
        broken.data = [1, 2, 3]
        #expect(!broken.isWellFormed)
        #expect(throws: MediaCodecError.self) { try encoder.encode(broken, forceKeyframe: false) }
        // Frames without a pts are spaced VIDEO_PTIME apart.
        var bare = movingFrame(width: 161, height: 121, index: 11)
        bare.pts = nil
        #expect(try encoder.encode(bare, forceKeyframe: false).first?.timestamp == 33_000)
    }

    @Test("lowering targetBitrate at run time shrinks the frames", arguments: ["video/VP8", "video/VP9"])
    func runtimeBitrate(mime: String) throws {
        let encoder = try MediaCodecs.makeVideoEncoder(mimeType: mime)
        encoder.targetBitrate = 2_000_000
        #expect(encoder.targetBitrate == 2_000_000)
        var high = 0
        var low = 0
        for index in 0..<60 {
            if index == 30 { encoder.targetBitrate = 150_000 }
            let size = try encoder.encode(movingFrame(width: 320, height: 240, index: index), forceKeyframe: false)
                .reduce(0) { $0 + $1.data.count }
            // Skip the keyframe and let rate control settle after the change.
            if (10..<30).contains(index) { high += size }
            if (40..<60).contains(index) { low += size }
        }
        #expect(encoder.targetBitrate == 150_000)
        #expect(low * 2 < high, "\(mime): 20 frames at 2 Mbit/s \(high) bytes, at 150 kbit/s \(low) bytes")
    }

    @Test("CodecWorker runs jobs off the caller, in order, and returns results and errors")
    func worker() async throws {
        let worker = CodecWorker(label: "test.worker")
        #expect(!worker.isCurrent)
        #expect(try await worker.run { worker.isCurrent })
        let order = CallCounter()
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                group.addTask { try await worker.run { order.increment(); return order.value } }
            }
            var all: [Int] = []
            for try await value in group { all.append(value) }
            return all.sorted()
        }
        #expect(results == Array(1...20), "serial: each job sees only its own increment")
        await #expect(throws: MediaCodecError.self) {
            try await worker.run { () throws -> Int in throw MediaCodecError(.invalidFrame, "test") }
        }
        // The caller's task keeps running while a job runs: the job waits for a signal only the caller sends.
        let flags = Mutex((started: false, go: false))
        let job = Task {
            try await worker.run { () -> Bool in
                flags.withLock { $0.started = true }
                let deadline = ContinuousClock.now + .seconds(10)
                while ContinuousClock.now < deadline {
                    if flags.withLock({ $0.go }) { return true }
                    usleep(1000)
                }
                return false
            }
        }
        while !flags.withLock({ $0.started }) { try await Task.sleep(for: .milliseconds(1)) }
        flags.withLock { $0.go = true }
        #expect(try await job.value)
    }

    @Test("a codec bound to a worker encodes there")
    func boundCodec() async throws {
        let worker = CodecWorker()
        let bound = CodecWorker.Bound(VPXVideoEncoder(codec: .vp8), on: worker)
        let frame = movingFrame(width: 64, height: 48, index: 0)
        let packets = try await bound.run { encoder in
            precondition(worker.isCurrent)
            return try encoder.encode(frame, forceKeyframe: false)
        }
        #expect(packets.first?.isKeyframe == true)
    }
}
