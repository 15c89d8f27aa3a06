import Foundation
import Testing

/// Runs one of the Python peer scripts in `Tests/InteropTests/Peers/` with the pinned aiortc from `.venv`
/// (made by `scripts/python-env`, which the README's test command runs).
struct PythonPeer {
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var python: URL { repositoryRoot.appendingPathComponent(".venv/bin/python") }

    /// True when the pinned peers are installed. Under the test command (`ASYNCRTC_REQUIRE_INTEROP=1`) a missing
    /// peer is a failure, not a skip.
    static var isAvailable: Bool {
        let present = FileManager.default.isExecutableFile(atPath: python.path)
        if !present && ProcessInfo.processInfo.environment["ASYNCRTC_REQUIRE_INTEROP"] == "1" {
            Issue.record("the aiortc peer is not installed: run scripts/python-env")
            return true  // run the test so that it fails loudly
        }
        return present
    }

    let process: Process
    let stderr: Pipe

    /// Starts `script` with `arguments`; its standard error is kept for failure messages.
    init(_ script: String, _ arguments: [String]) throws {
        process = Process()
        process.executableURL = Self.python
        process.arguments = [Self.repositoryRoot.appendingPathComponent("Tests/InteropTests/Peers/\(script)").path] + arguments
        stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// Waits for the script to exit (up to `timeout`), killing it if it does not; returns its exit status.
    @discardableResult
    func wait(timeout: Duration = .seconds(60)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            process.terminate()
            Issue.record("python peer did not finish in \(timeout)")
        }
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            let text = String(decoding: stderr.fileHandleForReading.availableData, as: UTF8.self)
            Issue.record("python peer failed (\(process.terminationStatus)): \(text.suffix(2000))")
        }
        return process.terminationStatus
    }

    /// The JSON lines a peer script wrote to its output file.
    static func jsonLines(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }
}
