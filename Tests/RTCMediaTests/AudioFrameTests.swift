import Foundation
import Testing

@testable import RTCMedia

/// A mono sine as floats.
func sine(frequency: Double, sampleRate: Int, count: Int, amplitude: Double = 0.5, offset: Int = 0) -> [Float] {
    (0..<count).map { Float(amplitude * sin(2 * Double.pi * frequency * Double($0 + offset) / Double(sampleRate))) }
}

func rms(_ samples: ArraySlice<Float>) -> Double {
    (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, samples.count))).squareRoot()
}

@Suite("AudioFrame, resampling and channel mixing")
struct AudioFrameTests {
    @Test("zeroed construction, sizes, s16 and float views")
    func construction() throws {
        let frame = AudioFrame(format: .s16, layout: .stereo, samples: 960, sampleRate: 48_000)
        #expect(frame.data.count == 960 * 2 * 2 && frame.data.allSatisfy { $0 == 0 })
        #expect(frame.channels == 2 && abs(frame.duration - 0.02) < 1e-9)
        let samples: [Int16] = [0, 1, -1, 32767, -32768, 1234]
        let mono = AudioFrame(s16: samples, layout: .mono, sampleRate: 8000)
        #expect(mono.samples == 6 && mono.s16Samples == samples)
        #expect(mono.converted(to: .flt).converted(to: .s16).s16Samples == samples)
        let stereo = AudioFrame(s16: samples + [5], layout: .stereo, sampleRate: 8000)
        #expect(stereo.samples == 3, "a trailing half sample frame is dropped")
        let floats = AudioFrame(flt: [0.5, -0.25, 2, -2], layout: .stereo, sampleRate: 48_000)
        #expect(floats.data.count == 16)
        #expect(floats.s16Samples == [16384, -8192, 32767, -32768])
        #expect(AudioFrame(format: .flt, layout: .mono, sampleRate: 8000, data: [1, 2, 3]) == nil)
        #expect(AudioFrame(format: .s16, layout: .mono, sampleRate: 8000, data: [1, 2, 3, 4])?.samples == 2)
        // Samples are written in place; a data array cut short by hand is read only as far as it goes.
        var edited = AudioFrame(format: .s16, layout: .mono, samples: 4, sampleRate: 8000)
        edited.data[2] = 0x34
        edited.data[3] = 0x12
        #expect(edited.s16Samples == [0, 0x1234, 0, 0])
        edited.data = [1, 0, 2]
        #expect(edited.s16Samples == [1] && edited.fltSamples.count == 1)
    }

    @Test("mono ↔ stereo mixing")
    func mixing() {
        #expect(ChannelMixer.mix([1, -0.5], from: 1, to: 2) == [1, 1, -0.5, -0.5])
        #expect(ChannelMixer.mix([1, 0, -0.5, -0.5], from: 2, to: 1) == [0.5, -0.5])
    }

    @Test("resampling keeps a tone's frequency and level, for many rate pairs",
          arguments: [(44_100, 48_000), (48_000, 8000), (8000, 48_000), (16_000, 48_000), (48_000, 44_100),
                      (22_050, 16_000), (44_100, 47_999)])
    func resampleTone(rates: (Int, Int)) {
        let (input, output) = rates
        var resampler = SincResampler(inputRate: input, outputRate: output, channels: 1)
        let tone = sine(frequency: 1000, sampleRate: input, count: input / 2)
        // Feed in uneven blocks, as a stream arrives.
        var produced: [Float] = []
        var index = 0
        var block = 17
        while index < tone.count {
            let end = min(tone.count, index + block)
            produced += resampler.process(Array(tone[index..<end]))
            index = end
            block = block * 7 % 1013 + 1
        }
        produced += resampler.flush()
        let expected = Double(tone.count) * Double(output) / Double(input)
        #expect(abs(Double(produced.count) - expected) <= 2, "\(produced.count) samples, expected \(expected)")
        // Compare with the ideal tone at the output rate (the converter has no delay), away from the edges.
        let ideal = sine(frequency: 1000, sampleRate: output, count: produced.count)
        let margin = output / 50
        var errorPower = 0.0
        for k in margin..<(produced.count - margin) {
            let difference = Double(produced[k] - ideal[k])
            errorPower += difference * difference
        }
        let errorRMS = (errorPower / Double(produced.count - 2 * margin)).squareRoot()
        let signalRMS = rms(ideal[margin..<(produced.count - margin)])
        let snr = 20 * log10(signalRMS / max(errorRMS, 1e-12))
        #expect(snr > 60, "\(input) → \(output): SNR \(snr) dB")
    }

    @Test("downsampling removes what the new rate cannot carry")
    func antiAliasing() {
        // 6 kHz at 48 kHz would alias to 2 kHz at 8 kHz; the filter must remove it.
        var resampler = SincResampler(inputRate: 48_000, outputRate: 8000, channels: 1)
        var produced = resampler.process(sine(frequency: 6000, sampleRate: 48_000, count: 48_000))
        produced += resampler.flush()
        let leak = 20 * log10(rms(produced[800..<7200]) / (0.5 / 2.squareRoot()))
        #expect(leak < -70, "6 kHz leaks through at \(leak) dB")
    }

    @Test("AudioResampler converts format, layout and rate with continuous pts")
    func frameResampler() {
        var resampler = AudioResampler(format: .s16, layout: .stereo, sampleRate: 48_000)
        var total = 0
        var lastEnd: Int64?
        for block in 0..<10 {
            var frame = AudioFrame(flt: sine(frequency: 440, sampleRate: 44_100, count: 441, offset: block * 441),
                                   layout: .mono, sampleRate: 44_100)
            frame.pts = Int64(block * 441)
            frame.timeBase = MediaTimeBase(rate: 44_100)
            if let out = resampler.resample(frame) {
                #expect(out.format == .s16 && out.layout == .stereo && out.sampleRate == 48_000)
                let samples = out.s16Samples
                #expect(stride(from: 0, to: samples.count, by: 2).allSatisfy { samples[$0] == samples[$0 + 1] })
                if let lastEnd { #expect(out.pts == lastEnd) }
                lastEnd = (out.pts ?? 0) + Int64(out.samples)
                total += out.samples
            }
        }
        total += resampler.flush()?.samples ?? 0
        #expect(abs(total - 4800) <= 2)
    }
}
