import Foundation
import Testing

@testable import RTCMedia

@Suite("G.711 µ-law and A-law")
struct G711Tests {
    // Reference values: ITU-T G.711 tables 2a/2b as produced by the widely used reference implementation of the
    // G.191 tools (identical to Python's audioop).
    static let inputs: [Int16] = [0, 1, -1, 8, -8, 100, -100, 1000, -1000, 4000, -4000, 12345, -12345, 32767,
                                  -32768, 32635, -32635]
    static let muLaw: [UInt8] = [255, 255, 126, 254, 126, 242, 114, 206, 78, 175, 47, 151, 23, 128, 0, 128, 0]
    static let aLaw: [UInt8] = [213, 213, 85, 213, 85, 211, 83, 250, 122, 154, 26, 189, 61, 170, 42, 170, 42]

    @Test("encoder output matches the tables")
    func knownCodes() {
        #expect(G711.encode(Self.inputs, law: .muLaw) == Self.muLaw)
        #expect(G711.encode(Self.inputs, law: .aLaw) == Self.aLaw)
    }

    @Test("the encoder agrees with the reference on all 65536 inputs (weighted checksum)")
    func exhaustiveChecksum() {
        let all = (Int(Int16.min)...Int(Int16.max)).map { Int16($0) }
        func checksum(_ codes: [UInt8]) -> Int {
            codes.enumerated().reduce(0) { $0 + ($1.offset + 1) * Int($1.element) }
        }
        #expect(checksum(G711.encode(all, law: .muLaw)) == 255_309_330_014)
        #expect(checksum(G711.encode(all, law: .aLaw)) == 297_161_535_488)
    }

    @Test("decoder output matches the tables")
    func knownSamples() {
        #expect([0x00, 0x7F, 0x80, 0xFF, 0x10, 0x55, 0xAA, 0x3C].map { G711.muLawDecode($0) }
                == [-32124, 0, 32124, 0, -15996, -716, 5372, -2364])
        #expect([0x00, 0x2A, 0xAA, 0xD5, 0x55, 0x10, 0x7F, 0xFF].map { G711.aLawDecode($0) }
                == [-5504, -32256, 32256, 8, -8, -2752, -848, 848])
        // Whole-table checksums against the same reference.
        let mu = (0...255).map { Int(G711.muLawDecode(UInt8($0))) }
        let a = (0...255).map { Int(G711.aLawDecode(UInt8($0))) }
        #expect(mu.reduce(0, +) == 0 && mu.map(abs).reduce(0, +) == 1_532_928)
        #expect(a.reduce(0, +) == 0 && a.map(abs).reduce(0, +) == 1_564_672)
    }

    @Test("every 16-bit sample round-trips within half a quantisation step", arguments: [G711.Law.muLaw, .aLaw])
    func roundTripBound(law: G711.Law) {
        for value in Int(Int16.min)...Int(Int16.max) {
            let sample = Int16(value)
            let code = G711.encode([sample], law: law)[0]
            let decoded = Int(G711.decode([code], law: law)[0])
            let error = abs(decoded - value)
            // The step doubles per segment, starting at 1/16 of the segment's base: the error is at most half a
            // step, about 1/32 of the (biased) magnitude, plus the bits the 14- or 13-bit input drops.
            let bound = max(9, (abs(value) + 132) / 32 + 4)
            if error > bound && abs(value) < 32_000 {
                Issue.record("\(law) \(value) → \(code) → \(decoded)")
                return
            }
            // Re-encoding a decoded value gives the same code (decision levels lie between reconstructions).
            #expect(G711.encode([Int16(decoded)], law: law)[0] == code || (law == .muLaw && decoded == 0))
        }
    }

    @Test("through the codec protocols: 20 ms packets of 160 octets, continuous timestamps, decode back")
    func protocolRoundTrip() throws {
        for mime in ["audio/PCMU", "audio/pcma"] {
            let encoder = try MediaCodecs.makeAudioEncoder(mimeType: mime, parameters: [:])
            let decoder = try MediaCodecs.makeAudioDecoder(mimeType: mime, parameters: [:])
            #expect(encoder.clockRate == 8000)
            var packets: [EncodedFrame] = []
            var decoded: [Double] = []
            for block in 0..<10 {
                // 48 kHz stereo in: mixed down and resampled to 8 kHz by the encoder.
                let tone = sine(frequency: 1000, sampleRate: 48_000, count: 480, amplitude: 0.4, offset: block * 480)
                let frame = AudioFrame(flt: ChannelMixer.mix(tone, from: 1, to: 2), layout: .stereo, sampleRate: 48_000)
                for packet in try encoder.encode(frame) {
                    packets.append(packet)
                    let audio = try decoder.decode(packet.data)
                    #expect(audio.sampleRate == 8000 && audio.layout == .mono && audio.samples == 160)
                    decoded += audio.s16Samples.map(Double.init)
                }
            }
            #expect(packets.count == 4)  // 100 ms minus the resampler's look-ahead
            #expect(packets.allSatisfy { $0.data.count == 160 && $0.duration == 160 && $0.isKeyframe })
            #expect(packets.map(\.timestamp) == [0, 160, 320, 480])
            let steady = Array(decoded[160...])
            #expect(goertzelPower(steady, frequency: 1000, sampleRate: 8000)
                    > 100 * goertzelPower(steady, frequency: 2500, sampleRate: 8000))
            #expect(try decoder.concealLoss(samples: 160) == nil)
        }
    }
}
