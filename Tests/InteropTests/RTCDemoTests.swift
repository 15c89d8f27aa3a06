import AsyncRTCTesting
import Foundation
import Testing

/// The README's first command, `rtc-demo`: two peers in one process over loopback UDP with 5 % loss each way.
/// Its own checks (tones heard, frames decoded, pings answered) must pass, and the files it writes must be what
/// ffmpeg reads as Bob's reception: VP8 at the demo's size, and Alice's 440 Hz tone.
@Suite(.serialized) struct RTCDemoTests {
    static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func theDemoPassesItsChecksAndWritesPlayableFiles() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/ffprobe"), "ffprobe is not installed (./build-deps.sh --test)")
        let out = NSTemporaryDirectory() + "asyncrtc-demo-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let (status, output) = try await ExampleInteropTests.run(
            "rtc-demo", ["--seconds", "5", "--loss", "5%", "--width", "320", "--height", "240", "--out", out],
            timeout: .seconds(120))
        #expect(status == 0 && output.contains("all checks passed"), "\(output)")
        #expect(output.contains("Bob hears Alice's 440 Hz tone"), "\(output)")

        let video = try Self.run("/usr/bin/ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0",
                                                      "-show_entries", "stream=codec_name,width,height,nb_read_frames",
                                                      "-of", "csv=p=0", out + "/received.ivf"])
        let fields = String(decoding: video.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: ",").map(String.init)
        try #require(fields.count == 4, "ffprobe: \(fields)")
        #expect(fields[0] == "vp8" && fields[1] == "320" && fields[2] == "240", "\(fields)")
        // The demo's own check asks for ≥ 5 decoded frames per second; the file holds what Bob decoded.
        #expect((Int(fields[3]) ?? 0) >= 25, "frames in received.ivf: \(fields[3])")

        // The recording, decoded by ffmpeg to mono 48 kHz samples: the tone Alice sent is its loudest frequency.
        let audio = try Self.run("/usr/bin/ffmpeg", ["-v", "error", "-i", out + "/received.wav", "-ac", "1", "-ar", "48000",
                                                     "-f", "s16le", "-"])
        #expect(audio.status == 0)
        let samples = audio.output.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        #expect(samples.count >= 48_000 * 3, "\(samples.count) samples")
        let body = Array(samples.dropFirst(24_000).prefix(96_000))
        let peak = SignalAnalysis.peakFrequency(body, sampleRate: 48_000, in: 200...1200)
        #expect(abs(peak - 440) <= 2, "peak at \(peak) Hz")
    }
}
