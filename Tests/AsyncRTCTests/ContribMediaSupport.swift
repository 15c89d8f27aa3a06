@testable import AsyncRTCContrib
import Foundation
import Testing

/// Helpers of the Contrib media tests: temporary files, external tools (ffmpeg, ffprobe, opusinfo) and synthetic
/// media.
enum ContribMedia {
    static func temporaryPath(_ ext: String) -> String {
        NSTemporaryDirectory() + "asyncrtc-media-\(UUID().uuidString).\(ext)"
    }

    static func tool(_ name: String) -> String? {
        for dir in ["/usr/bin", "/usr/local/bin", "/opt/homebrew/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        return nil
    }

    /// Runs a tool; returns its exit status and its standard output and error together.
    @discardableResult
    static func run(_ name: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let path = try #require(tool(name), "\(name) is not installed (./build-deps.sh --test installs it)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// What ffprobe says about the first stream: codec name, decoded frame (or packet) count, duration in seconds.
    struct Probe {
        var codec: String
        var frames: Int
        var duration: Double
    }

    static func probe(_ path: String) throws -> Probe {
        let (status, output) = try run("ffprobe", ["-v", "error", "-count_frames", "-show_entries",
                                                   "stream=codec_name,nb_read_frames,duration:format=duration",
                                                   "-of", "json", path])
        try #require(status == 0, "ffprobe failed: \(output)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let stream = try #require((json["streams"] as? [[String: Any]])?.first, "\(output)")
        let format = json["format"] as? [String: Any]
        let duration = Double(stream["duration"] as? String ?? "") ?? Double(format?["duration"] as? String ?? "") ?? -1
        return Probe(codec: stream["codec_name"] as? String ?? "", frames: Int(stream["nb_read_frames"] as? String ?? "") ?? -1,
                     duration: duration)
    }

    /// A tone as s16 samples.
    static func tone(_ frequency: Double, samples: Int, rate: Int, channels: Int = 1, start: Int = 0) -> [Int16] {
        (0..<samples).flatMap { i in
            let v = Int16(12_000 * sin(2 * Double.pi * frequency * Double(start + i) / Double(rate)))
            return [Int16](repeating: v, count: channels)
        }
    }

    static func toneFrame(_ frequency: Double, index: Int, samples: Int = 960, rate: Int = 48_000, layout: AudioFrame.Layout = .mono) -> AudioFrame {
        var frame = AudioFrame(s16: tone(frequency, samples: samples, rate: rate, channels: layout.channels, start: index * samples),
                               layout: layout, sampleRate: rate)
        frame.pts = Int64(index * samples)
        frame.timeBase = MediaTimeBase(rate: rate)
        return frame
    }

    /// A moving-bars picture (every frame differs), with a 90 kHz pts at 30 fps.
    static func picture(index: Int, width: Int = 160, height: Int = 120) -> VideoFrame {
        var frame = VideoFrame(width: width, height: height, format: .yuv420p)
        for y in 0..<height {
            for x in 0..<width { frame.data[y * width + x] = UInt8(truncatingIfNeeded: ((x + index * 4) / 16) * 40 + y) }
        }
        frame.pts = Int64(index * 3000)
        frame.timeBase = VIDEO_TIME_BASE
        return frame
    }

    /// The Goertzel power of `frequency` in mono samples.
    static func power(_ samples: [Int16], rate: Int, frequency: Double) -> Double {
        let k = 2 * cos(2 * Double.pi * frequency / Double(rate))
        var s1 = 0.0, s2 = 0.0
        for x in samples {
            let s0 = Double(x) + k * s1 - s2
            s2 = s1
            s1 = s0
        }
        return s1 * s1 + s2 * s2 - k * s1 * s2
    }

    static func firstChannel(_ frame: AudioFrame) -> [Int16] {
        let all = frame.converted(to: .s16).s16Samples
        return frame.channels == 1 ? all : stride(from: 0, to: all.count, by: frame.channels).map { all[$0] }
    }

    /// Every item a source yields (no pacing), up to `limit`; stops at the first error.
    static func drain(_ source: any PlaybackSource, limit: Int = 10_000) -> (items: [PlaybackItem], error: MediaFileError?) {
        var items: [PlaybackItem] = []
        do {
            while items.count < limit, let item = try source.next() { items.append(item) }
        } catch {
            return (items, error)
        }
        return (items, nil)
    }

    static func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
    static func write(_ bytes: [UInt8], _ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }
}
