import Foundation
import Testing

@testable import RTCMedia

/// Goertzel power of one frequency in a mono signal (normalised by length).
func goertzelPower(_ samples: [Double], frequency: Double, sampleRate: Double) -> Double {
    let coefficient = 2 * cos(2 * Double.pi * frequency / sampleRate)
    var previous = 0.0
    var beforePrevious = 0.0
    for sample in samples {
        let current = sample + coefficient * previous - beforePrevious
        beforePrevious = previous
        previous = current
    }
    let power = previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious
    return power / Double(samples.count * samples.count)
}

/// Frequency estimated from rising zero crossings (for a clean tone).
func zeroCrossingFrequency(_ samples: [Double], sampleRate: Double) -> Double {
    var crossings: [Int] = []
    for index in 1..<samples.count where samples[index - 1] < 0 && samples[index] >= 0 {
        crossings.append(index)
    }
    guard let first = crossings.first, let last = crossings.last, crossings.count > 1 else { return 0 }
    return Double(crossings.count - 1) * sampleRate / Double(last - first)
}

/// Interleaved stereo 16-bit sine, `frames` × `frameSize` samples per channel.
func stereoSine(frequency: Double, amplitude: Double, frameSize: Int, frames: Int) -> [[Int16]] {
    (0..<frames).map { frame in
        var pcm = [Int16](repeating: 0, count: frameSize * 2)
        for n in 0..<frameSize {
            let t = Double(frame * frameSize + n) / 48_000
            let value = Int16(amplitude * sin(2 * Double.pi * frequency * t))
            pcm[2 * n] = value
            pcm[2 * n + 1] = value
        }
        return pcm
    }
}

@Suite("Opus encoder and decoder")
struct OpusCodecTests {
    @Test("440 Hz stereo survives encode and decode: energy and pitch")
    func sineRoundTrip() throws {
        let encoder = try OpusEncoder(channels: 2, application: .audio, bitrate: 64_000)
        let decoder = try OpusDecoder(channels: 2)
        var left: [Double] = []
        for frame in stereoSine(frequency: 440, amplitude: 12_000, frameSize: 960, frames: 50) {
            let packet = try encoder.encode(pcm: frame, frameSize: 960)
            #expect(!packet.isEmpty && packet.count < 1275)
            let decoded = try decoder.decode(packet: packet, frameSize: 960)
            #expect(decoded.count == 960 * 2)
            for n in 0..<960 { left.append(Double(decoded[2 * n])) }
        }
        // Skip the first 100 ms (encoder lookahead and start-up).
        let steady = Array(left[4800...])
        let rms = (steady.reduce(0) { $0 + $1 * $1 } / Double(steady.count)).squareRoot()
        #expect(rms > 4000, "decoded RMS \(rms) should be near 12000/√2")
        let at440 = goertzelPower(steady, frequency: 440, sampleRate: 48_000)
        for other in [220.0, 330, 550, 880, 1000, 2000] {
            let power = goertzelPower(steady, frequency: other, sampleRate: 48_000)
            #expect(at440 > 100 * power, "440 Hz power \(at440) should dominate \(other) Hz (\(power))")
        }
        let estimate = zeroCrossingFrequency(steady, sampleRate: 48_000)
        #expect(abs(estimate - 440) < 5, "zero crossings say \(estimate) Hz")
    }

    @Test("bitrate changes at run time steer packet sizes")
    func runtimeBitrate() throws {
        let encoder = try OpusEncoder(channels: 2, application: .audio, bitrate: 128_000)
        #expect(encoder.bitrate == 128_000)
        let frames = stereoSine(frequency: 440, amplitude: 8000, frameSize: 960, frames: 40)
        var high = 0
        for frame in frames[0..<20] { high += try encoder.encode(pcm: frame, frameSize: 960).count }
        try encoder.setBitrate(12_000)
        #expect(encoder.bitrate == 12_000)
        var low = 0
        for frame in frames[20..<40] { low += try encoder.encode(pcm: frame, frameSize: 960).count }
        // 128 kbit/s is 320 bytes per 20 ms, 12 kbit/s is 30.
        #expect(high > 3 * low, "high \(high) low \(low)")
        #expect(throws: OpusError.self) { try encoder.setBitrate(10) }
    }

    @Test("FEC, packet loss and DTX options; DTX shrinks silence")
    func options() throws {
        let encoder = try OpusEncoder(channels: 1, application: .voip, bitrate: 24_000)
        try encoder.setInbandFEC(true)
        try encoder.setPacketLossPercent(10)
        try encoder.setComplexity(5)
        try encoder.setDTX(true)
        #expect(encoder.inbandFEC && encoder.dtx && encoder.packetLossPercent == 10)
        let silence = [Int16](repeating: 0, count: 960)
        var sizes: [Int] = []
        for _ in 0..<30 { sizes.append(try encoder.encode(pcm: silence, frameSize: 960).count) }
        #expect(sizes.suffix(5).allSatisfy { $0 <= 3 }, "DTX packets: \(sizes)")
        #expect(throws: OpusError.self) { try encoder.setPacketLossPercent(101) }
    }

    @Test("concealment (NULL packet) and FEC decode return a frame of the right size")
    func lossConcealment() throws {
        let encoder = try OpusEncoder(channels: 2, application: .voip, bitrate: 32_000)
        try encoder.setInbandFEC(true)
        try encoder.setPacketLossPercent(20)
        let decoder = try OpusDecoder(channels: 2)
        let frames = stereoSine(frequency: 440, amplitude: 8000, frameSize: 960, frames: 6)
        var packets: [[UInt8]] = []
        for frame in frames { packets.append(try encoder.encode(pcm: frame, frameSize: 960)) }
        _ = try decoder.decode(packet: packets[0], frameSize: 960)
        _ = try decoder.decode(packet: packets[1], frameSize: 960)
        let concealed = try decoder.decodeLoss(frameSize: 960)
        #expect(concealed.count == 960 * 2)
        #expect(decoder.lastPacketDuration == 960)
        let recovered = try decoder.decode(packet: packets[4], frameSize: 960, fec: true)
        #expect(recovered.count == 960 * 2)
        let mono = try OpusDecoder(channels: 1)
        #expect(try mono.decodeLoss(frameSize: 480).count == 480)
    }

    @Test("misuse and bad input are OpusErrors with libopus's text")
    func errors() throws {
        #expect(throws: OpusError.self) { try OpusEncoder(channels: 3) }
        let encoder = try OpusEncoder(channels: 1)
        let error = #expect(throws: OpusError.self) {
            try encoder.encode(pcm: [Int16](repeating: 0, count: 1000), frameSize: 1000)
        }
        #expect(error?.code == OpusError.invalidArgument)
        #expect(throws: OpusError.self) { try encoder.encode(pcm: [Int16](repeating: 0, count: 10), frameSize: 960) }
        let decoder = try OpusDecoder(channels: 1)
        #expect(throws: OpusError.self) { try decoder.decode(packet: [UInt8](), frameSize: 960) }
        // TOC code 3 with a frame count of 0 is malformed (RFC 6716 §3.2.5).
        let bad = #expect(throws: OpusError.self) { try decoder.decode(packet: [0x03, 0x00], frameSize: 5760) }
        #expect(bad?.code == OpusError.invalidPacket)
        #expect(bad?.reason.isEmpty == false)
    }
}
