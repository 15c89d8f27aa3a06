import Foundation
import Testing

/// videostream-cli (built by `swift build`) against aiortc mirroring its own examples/videostream-cli: each side
/// sends a moving test pattern and records what it receives (we to IVF, aiortc to WebM — its recorder picks VP8 only
/// for WebM); both recordings must be decodable VP8 with
/// plenty of frames — aiortc's MediaRecorder for what we send, our MediaRecorder for what aiortc sends.
@Suite(.enabled(if: PythonPeer.isAvailable), .serialized)
struct VideostreamInteropTests {
    /// ffprobe's codec name and decoded frame count of a file's first stream.
    static func probe(_ path: String) throws -> (codec: String, frames: Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffprobe")
        process.arguments = ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                             "stream=codec_name,nb_read_frames", "-of", "csv=p=0", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let fields = output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",")
        return (fields.first.map(String.init) ?? "", fields.count > 1 ? Int(fields[1]) ?? -1 : -1)
    }

    @Test(arguments: ["offer", "answer"])
    func videostreamWithAiortc(_ swiftRole: String) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/ffprobe"), "ffprobe is not installed (./build-deps.sh --test)")
        let port = Int.random(in: 20_000..<60_000)
        let aiortcRole = swiftRole == "offer" ? "answer" : "offer"
        let id = UUID().uuidString
        let ours = NSTemporaryDirectory() + "asyncrtc-videostream-\(id)-swift.ivf"
        let theirs = NSTemporaryDirectory() + "asyncrtc-videostream-\(id)-aiortc.webm"
        defer { for p in [ours, theirs] { try? FileManager.default.removeItem(atPath: p) } }

        let peer = try PythonPeer("videostream_peer.py", [aiortcRole, String(port), theirs, "8"])
        let (status, output) = try await ExampleInteropTests.run(
            "videostream-cli", [swiftRole, "--record-to", ours, "--pattern-size", "160x120", "--duration", "40", "--signaling", "tcp-socket",
                                "--signaling-port", String(port), "--loopback"], timeout: .seconds(90))
        try await peer.wait(timeout: .seconds(90))
        #expect(status == 0, "\(output)")
        #expect(output.contains("Receiving video"), "\(output)")

        // Thresholds: 1 s of 30 fps in 8 s. aiortc encodes its recording (libvpx, in its event loop) on the thread
        // that also encodes what it sends, so on a loaded machine both run well below 30 fps; we send a small picture to
        // keep that cost down (160x120).
        // What aiortc sent, recorded by our MediaRecorder.
        let swiftFile = try Self.probe(ours)
        #expect(swiftFile.codec == "vp8" && swiftFile.frames > 30, "our recording: \(swiftFile) — \(output.suffix(800))")
        // What we sent, recorded by aiortc's MediaRecorder.
        let aiortcFile = try Self.probe(theirs)
        #expect(aiortcFile.codec == "vp8" && aiortcFile.frames > 30, "aiortc's recording: \(aiortcFile)")
    }

    /// media-relay with aiortc as the publisher: its VP8 is tapped still encoded and forwarded to three in-process
    /// subscribers without re-encoding; each decodes the stream.
    @Test func mediaRelayForwardsAiortcToSubscribers() async throws {
        let port = Int.random(in: 20_000..<60_000)
        let theirs = NSTemporaryDirectory() + "asyncrtc-relay-\(UUID().uuidString).webm"
        defer { try? FileManager.default.removeItem(atPath: theirs) }
        let peer = try PythonPeer("videostream_peer.py", ["offer", String(port), theirs, "8"])
        let (status, output) = try await ExampleInteropTests.run(
            "media-relay", ["--subscribers", "3", "--duration", "6", "--signaling", "tcp-socket",
                            "--signaling-port", String(port), "--loopback"], timeout: .seconds(90))
        try await peer.wait(timeout: .seconds(90))
        #expect(status == 0, "\(output)")
        #expect(output.contains("3 of 3 subscribers connected"), "\(output)")
        let counts = output.split(separator: "\n").compactMap { line -> Int? in
            guard line.hasPrefix("subscriber "), let field = line.split(separator: " ").dropLast().last else { return nil }
            return Int(field)
        }
        #expect(counts.count == 3 && counts.allSatisfy { $0 > 45 }, "\(output.suffix(600))")
    }
}
