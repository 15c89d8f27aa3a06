import Testing

@testable import RTCMedia

@Suite("Protocol decoders given hostile input")
struct MediaCodecHostileInputTests {
    @Test("Opus and VP8/VP9 decoders reject random bytes with an error, never a trap",
          arguments: ["audio/opus", "video/VP8", "video/VP9"])
    func randomBytesThrow(mime: String) throws {
        var generator = SplitMix64(state: UInt64(mime.utf8.count))
        var rejected = 0
        let rounds = 300
        for _ in 0..<rounds {
            let bytes = randomBytes(Int.random(in: 0...800, using: &generator), &generator)
            if mime.hasPrefix("audio") {
                let decoder = try MediaCodecs.makeAudioDecoder(mimeType: mime, parameters: [:])
                do {
                    let frame = try decoder.decode(bytes)
                    #expect(frame.samples <= 5760)
                } catch {
                    rejected += 1
                }
            } else {
                let decoder = try MediaCodecs.makeVideoDecoder(mimeType: mime)
                do {
                    for picture in try decoder.decode(bytes) {
                        #expect(picture.data.count == VideoFrame.Format.yuv420p.byteCount(width: picture.width,
                                                                                         height: picture.height))
                    }
                } catch {
                    rejected += 1
                }
            }
        }
        // Opus gives meaning to many short byte strings (any TOC byte is a valid header), so only most random
        // packets are errors; for VP8/VP9 practically all are.
        #expect(rejected > rounds / (mime.hasPrefix("audio") ? 3 : 1) - 10,
                "\(mime): \(rejected) of \(rounds) rejected")
        #expect(throws: (any Error).self) {
            try MediaCodecs.makeAudioDecoder(mimeType: "audio/opus", parameters: [:]).decode([])
        }
        #expect(throws: (any Error).self) {
            try MediaCodecs.makeAudioDecoder(mimeType: "audio/opus", parameters: [:])
                .decode([UInt8](repeating: 0xFF, count: 10_000))
        }
    }

    @Test("G.711 and G.722 give every octet a meaning: any bytes decode, empty or huge payloads throw",
          arguments: ["audio/PCMU", "audio/PCMA", "audio/G722"])
    func sampleCodecs(mime: String) throws {
        var generator = SplitMix64(state: 99)
        let decoder = try MediaCodecs.makeAudioDecoder(mimeType: mime, parameters: [:])
        let perOctet = mime == "audio/G722" ? 2 : 1
        for _ in 0..<200 {
            let bytes = randomBytes(Int.random(in: 1...400, using: &generator), &generator)
            #expect(try decoder.decode(bytes).samples == bytes.count * perOctet)
        }
        #expect(throws: MediaCodecError.self) { try decoder.decode([]) }
        #expect(throws: MediaCodecError.self) { try decoder.decode([UInt8](repeating: 0, count: 100_000)) }
    }

    @Test("concealment with odd sample counts stays in range")
    func concealmentRange() throws {
        let decoder = try OpusAudioDecoder()
        for samples in [-5, 0, 1, 119, 961, 5760, 100_000] {
            let frame = try #require(try decoder.concealLoss(samples: samples))
            #expect(frame.samples >= 120 && frame.samples <= 5760 && frame.samples % 120 == 0)
        }
    }
}
