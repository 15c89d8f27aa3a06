import Foundation
import RTCCrypto
import Testing

/// The Swift examples (built by `swift build`) against aiortc speaking the protocols of aiortc's own examples.
@Suite(.enabled(if: PythonPeer.isAvailable), .serialized, .timeLimit(.minutes(3)))
struct ExampleInteropTests {
    /// A built example binary, next to the test bundle.
    static func example(_ name: String) throws -> URL {
        let url = PythonPeer.repositoryRoot.appendingPathComponent(".build/debug/\(name)")
        try #require(FileManager.default.isExecutableFile(atPath: url.path), "\(name) is not built: run swift build")
        return url
    }

    /// Runs an example and returns its standard output once it exits (killed after `timeout`).
    /// Runs an example to its end; `timeout` only bounds a hang (a 32 MiB transfer with aiortc takes ~20 s idle, but
    /// several minutes when the suite's other real-time tests load both cores).
    static func run(_ name: String, _ arguments: [String], timeout: Duration = .seconds(300)) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = try example(name)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    static func sha256(_ url: URL) throws -> [UInt8] { Digest.hash(.sha256, [UInt8](try Data(contentsOf: url))) }

    static func randomFile(megabytes: Int) throws -> URL {
        let url = URL(fileURLWithPath: NSTemporaryDirectory() + "asyncrtc-xfer-\(UUID().uuidString).bin")
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<(megabytes << 20) / 8).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } }
        try Data(bytes).write(to: url)
        return url
    }

    @Test(arguments: ["send", "receive"])
    func fileTransferWithAiortc(_ swiftRole: String) async throws {
        let port = Int.random(in: 20_000..<60_000)
        let source = try Self.randomFile(megabytes: 32)
        let target = URL(fileURLWithPath: NSTemporaryDirectory() + "asyncrtc-xfer-\(UUID().uuidString).out")
        let signaling = ["--signaling", "tcp-socket", "--signaling-port", String(port), "--loopback"]
        let result: (Int32, String)
        if swiftRole == "send" {
            // aiortc receives first, so it connects; our sender listens.
            let peer = try PythonPeer("example_peer.py", ["filexfer", "receive", String(port), target.path])
            result = try await Self.run("datachannel-filexfer", ["send", source.path] + signaling)
            try await peer.wait(timeout: .seconds(300))
        } else {
            let peer = try PythonPeer("example_peer.py", ["filexfer", "send", String(port), source.path])
            result = try await Self.run("datachannel-filexfer", ["receive", target.path] + signaling)
            try await peer.wait(timeout: .seconds(300))
            #expect(result.1.contains("received 33554432 bytes"), "\(result.1)")
        }
        #expect(result.0 == 0, "\(result.1)")
        #expect(try Self.sha256(target) == Self.sha256(source))
        try? FileManager.default.removeItem(at: source)
        try? FileManager.default.removeItem(at: target)
    }

    @Test(arguments: ["offer", "answer"])
    func pingPongWithAiortc(_ swiftRole: String) async throws {
        let port = Int.random(in: 20_000..<60_000)
        let aiortcRole = swiftRole == "offer" ? "answer" : "offer"
        let peer = try PythonPeer("example_peer.py", ["cli", aiortcRole, String(port), "3"])
        let (status, output) = try await Self.run(
            "datachannel-cli", [swiftRole, "--signaling", "tcp-socket", "--signaling-port", String(port), "--loopback", "--count", "3"])
        try await peer.wait()
        #expect(status == 0, "\(output)")
        if swiftRole == "offer" {
            #expect(output.components(separatedBy: " RTT ").count - 1 >= 3, "\(output)")
        } else {
            #expect(output.components(separatedBy: "> pong").count - 1 >= 3, "\(output)")
        }
    }
}
