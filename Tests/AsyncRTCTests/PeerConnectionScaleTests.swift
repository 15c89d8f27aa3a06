import AsyncRTC
import AsyncRTCTesting
import Foundation
import RTCCrypto
import Synchronization
import Testing

/// Issue 7, R14: many peer connections in one process at once. 25 connected pairs (50 RTCPeerConnections), each
/// side sending 1 MiB on a data channel and an Opus tone of its own frequency: every byte arrives intact at the
/// right peer (SHA-256) and every peer hears its own partner's tone, so no connection's traffic leaks into
/// another's. `ASYNCRTC_R14_PAIRS` changes the number of pairs. The checks compare content, never speed: the
/// time limit only catches a hang.
@Suite(.serialized) struct PeerConnectionScaleTests {
    typealias Reliability = PeerConnectionReliabilityTests

    static var pairs: Int { ProcessInfo.processInfo.environment["ASYNCRTC_R14_PAIRS"].flatMap(Int.init) ?? 25 }

    /// Each peer's tone: distinct, 25 Hz apart, all far from each other's spectral leakage at 48 kHz over 1 s.
    static func tone(pair: Int, side: Int) -> Double { 300 + Double(2 * pair + side) * 25 }

    /// A peer's payload: 1 MiB that differs per pair and side.
    static func payload(pair: Int, side: Int) -> [UInt8] {
        let base = Reliability.payload(1 << 20)
        let key = UInt8(truncatingIfNeeded: 2 * pair + side + 1)
        return base.map { $0 ^ key }
    }

    struct Pair {
        let pcs: [RTCPeerConnection]
        /// channels[i]: side i's end of the channel.
        let channels: [RTCDataChannel]
        /// The remote audio track each side received.
        let tracks: [AudioStreamTrack]
        let sinks: [Reliability.Sink]
    }

    static func connect(pair index: Int) async throws -> Pair {
        let configuration = Reliability.configuration
        let a = RTCPeerConnection(configuration: configuration)
        let b = RTCPeerConnection(configuration: configuration)
        let remoteChannel = Mutex<RTCDataChannel?>(nil)
        let remoteTracks = Mutex<[Int: MediaStreamTrack]>([:])
        let sinks = Mutex<[Int: Reliability.Sink]>([:])
        b.onDataChannel = { channel in
            sinks.withLock { $0[1] = Reliability.Sink(channel) }
            remoteChannel.withLock { $0 = channel }
        }
        a.onTrack = { track, _, _ in remoteTracks.withLock { $0[0] = track } }
        b.onTrack = { track, _, _ in remoteTracks.withLock { $0[1] = track } }
        try a.addTrack(SineTrack(frequency: tone(pair: index, side: 0)))
        try b.addTrack(SineTrack(frequency: tone(pair: index, side: 1)))
        let channel = try a.createDataChannel("pair-\(index)")
        sinks.withLock { $0[0] = Reliability.Sink(channel) }
        try await a.setLocalDescription()
        try await b.setRemoteDescription(try #require(a.localDescription))
        try await b.setLocalDescription()
        try await a.setRemoteDescription(try #require(b.localDescription))
        try await Reliability.waitUntil(120, "pair \(index) open") {
            channel.readyState == .open && remoteChannel.withLock { $0?.readyState == .open }
                && remoteTracks.withLock { $0.count } == 2
        }
        let remote = try #require(remoteChannel.withLock { $0 })
        let tracks = try remoteTracks.withLock { t in try (0..<2).map { try #require(t[$0] as? AudioStreamTrack) } }
        let allSinks = try sinks.withLock { s in try (0..<2).map { try #require(s[$0]) } }
        return Pair(pcs: [a, b], channels: [channel, remote], tracks: tracks, sinks: allSinks)
    }

    /// Reads `frames` decoded frames (skipping the first 10, while the decoder settles) and returns the spectral
    /// peak of their first channel within 150 Hz of `expected` (a band holding a dozen other peers' tones).
    static func heardTone(_ track: AudioStreamTrack, expected: Double, frames: Int = 60) async throws -> Double {
        var samples: [Int16] = []
        var rate = 48_000
        for n in 0..<frames {
            let frame = try await track.recv()
            rate = frame.sampleRate
            if n >= 10 { samples += SignalAnalysis.firstChannel(frame) }
        }
        return SignalAnalysis.peakFrequency(samples, sampleRate: rate, in: max(50, expected - 150)...(expected + 150))
    }

    @Test(.timeLimit(.minutes(10)))
    func fiftyPeerConnectionsEachMoveAMebibyteAndAudio() async throws {
        let count = Self.pairs
        // Connect all pairs concurrently.
        let pairs = try await withThrowingTaskGroup(of: (Int, Pair).self) { group in
            for i in 0..<count { group.addTask { (i, try await Self.connect(pair: i)) } }
            var pairs = [Int: Pair]()
            for try await (i, pair) in group { pairs[i] = pair }
            return (0..<count).map { pairs[$0]! }
        }
        // Every peer sends its 1 MiB and listens to its partner's tone, all at once.
        let results = try await withThrowingTaskGroup(of: (Int, Int, Double).self) { group in
            for (i, pair) in pairs.enumerated() {
                for side in 0..<2 {
                    let data = Self.payload(pair: i, side: side), channel = pair.channels[side]
                    group.addTask {
                        _ = try await Reliability.send(data, highWater: 256 << 10, on: channel, timeout: 400)
                        return (i, side, -1)
                    }
                    let track = pair.tracks[side]
                    let expected = Self.tone(pair: i, side: 1 - side)
                    group.addTask { (i, side, try await Self.heardTone(track, expected: expected)) }
                }
            }
            return try await group.reduce(into: [(Int, Int, Double)]()) { $0.append($1) }
        }
        for (i, pair) in pairs.enumerated() {
            try await Reliability.waitUntil(400, "pair \(i): 1 MiB each way") {
                pair.sinks.allSatisfy { $0.byteCount >= 1 << 20 }
            }
            // Side s's sink holds what the other side sent.
            for side in 0..<2 {
                let sink = pair.sinks[side]
                #expect(sink.byteCount == 1 << 20, "pair \(i) side \(side): \(sink.byteCount) bytes")
                #expect(sink.digest == Digest.hash(.sha256, Self.payload(pair: i, side: 1 - side)), "pair \(i) side \(side)")
            }
        }
        for (i, side, peak) in results where peak >= 0 {
            // Side `side` received the track of side 1 − side of the same pair.
            let expected = Self.tone(pair: i, side: 1 - side)
            #expect(abs(peak - expected) <= 5, "pair \(i) side \(side) heard \(peak) Hz, expected \(expected) Hz")
        }
        #expect(results.filter { $0.2 >= 0 }.count == 2 * count)
        #expect(pairs.allSatisfy { $0.pcs.allSatisfy { $0.connectionState == .connected } })
        await withTaskGroup(of: Void.self) { group in
            for pair in pairs { for pc in pair.pcs { group.addTask { await pc.close() } } }
        }
    }
}
