import AsyncRTC
import Foundation
import RTCCrypto
import RTCTransport
import Testing

@Suite(.serialized) struct PeerConnectionLifecycleTests {
    @Test func tamperedFingerprintFailsAndDeliversNothing() async throws {
        let configuration = PeerConnectionDataChannelTests.configuration
        let offerer = RTCPeerConnection(configuration: configuration)
        let answerer = RTCPeerConnection(configuration: configuration)
        let delivered = Locked(0)
        answerer.onDataChannel = { channel in channel.onMessage = { _ in delivered.withLock { $0 += 1 } } }
        let channel = try offerer.createDataChannel("chat")
        try await offerer.setLocalDescription()
        try await answerer.setRemoteDescription(try #require(offerer.localDescription))
        try await answerer.setLocalDescription()
        // Someone swaps the answer's certificate fingerprint for another certificate's.
        let answer = try #require(answerer.localDescription)
        let impostor = try DTLSCertificate.generate().fingerprint()
        let tampered = answer.sdp.split(separator: "\r\n").map { line in
            line.hasPrefix("a=fingerprint:") ? "a=fingerprint:\(impostor)" : String(line)
        }.joined(separator: "\r\n") + "\r\n"
        try await offerer.setRemoteDescription(RTCSessionDescription(sdp: tampered, type: .answer))

        try await PeerConnectionDataChannelTests.waitUntil(20) {
            offerer.connectionState == .failed && answerer.connectionState == .failed
        }
        #expect(offerer.connectionState == .failed)
        #expect(answerer.connectionState == .failed)
        #expect(channel.readyState != .open)
        #expect(throws: RTCError(.invalidState)) { try channel.send("secret") }
        #expect(delivered.withLock { $0 } == 0)
        await offerer.close()
        await answerer.close()
    }

    static func openFileDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    }

    static func threads() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? -1
    }

    /// One create → connect → echo 1 KiB → close cycle.
    static func cycle() async throws {
        let (a, b, channel, remote) = try await PeerConnectionDataChannelTests.connectedPair("cycle")
        remote.onMessage = { message in if case .binary(let bytes) = message { try? remote.send(bytes) } }
        let echoed = Locked<[UInt8]?>(nil)
        channel.onMessage = { message in if case .binary(let bytes) = message { echoed.withLock { $0 = bytes } } }
        let payload = (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try channel.send(payload)
        try await PeerConnectionDataChannelTests.waitUntil(10) { echoed.withLock { $0 } != nil }
        #expect(echoed.withLock { $0 } == payload)
        await a.close()
        await b.close()
    }

    @Test func twoHundredCyclesLeaveFileDescriptorsAndThreadsAtBaseline() async throws {
        try await Self.cycle()  // warm up: usrsctp's threads, NIO's singleton loops
        try await Task.sleep(for: .milliseconds(300))
        let (fds, threads) = (Self.openFileDescriptors(), Self.threads())
        for _ in 0..<200 { try await Self.cycle() }
        // Closing is asynchronous below the API (sockets close on their event loops): give it a moment.
        var after = (Self.openFileDescriptors(), Self.threads())
        for _ in 0..<50 where after.0 > fds || after.1 > threads {
            try await Task.sleep(for: .milliseconds(100))
            after = (Self.openFileDescriptors(), Self.threads())
        }
        #expect(after.0 <= fds, "file descriptors: \(fds) before, \(after.0) after")
        #expect(after.1 <= threads, "threads: \(threads) before, \(after.1) after")
    }
}
