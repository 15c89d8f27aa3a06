// videostream-cli — the Swift twin of aiortc's examples/videostream-cli: each side sends video (a file with
// --play-from, else a moving test pattern and a tone) and records what it receives (--record-to, else it is
// dropped). Same command line as aiortc's, so either side can be aiortc:
//
//   swift run videostream-cli offer  --signaling tcp-socket --record-to received.ivf
//   swift run videostream-cli answer --signaling tcp-socket --play-from clip.ivf
import ArgumentParser
import AsyncRTCContrib
import ExampleSupport
import Foundation
import Logging
import Synchronization

@main
struct VideostreamCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "videostream-cli",
                                                    abstract: "Video stream from the command line, paired with aiortc's example.")

    enum Role: String, ExpressibleByArgument, CaseIterable { case offer, answer }

    @Argument(help: "offer or answer") var role: Role
    @Option(name: .customLong("play-from"), help: "Read the media from a file (.wav .ogg .ivf .y4m) and send it.")
    var playFrom: String?
    @Option(name: .customLong("record-to"), help: "Write received media to a file (.wav .ogg .ivf .y4m).")
    var recordTo: String?
    @Flag(help: "With --play-from: send the file's frames as they are (Opus, VP8, VP9), without re-encoding.")
    var noDecode = false
    @Option(name: .customLong("pattern-size"), help: "Size of the test pattern sent without --play-from, WIDTHxHEIGHT.")
    var patternSize = "640x480"
    @Option(help: "Stop after this many seconds of media (0 runs until the peer says bye).")
    var duration: Double = 0
    @OptionGroup var signalingOptions: SignalingOptions

    func validate() throws {
        guard Self.parseSize(patternSize) != nil else { throw ValidationError("--pattern-size must look like 640x480") }
    }

    static func parseSize(_ text: String) -> (Int, Int)? {
        let parts = text.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, (16...4096).contains(parts[0]), (16...4096).contains(parts[1]) else { return nil }
        return (parts[0] & ~1, parts[1] & ~1)
    }

    func run() async throws {
        let (patternWidth, patternHeight) = Self.parseSize(patternSize) ?? (640, 480)
        var logger = Logger(label: "videostream-cli")
        logger.logLevel = signalingOptions.verbose ? .debug : .info
        var configuration = signalingOptions.configuration
        configuration.logger = signalingOptions.verbose ? logger : nil
        let pc = RTCPeerConnection(configuration: configuration)

        // Media in: a player, or the test pattern and a tone. Media out: a recorder, or a blackhole.
        let player = try playFrom.map { try MediaPlayer(file: $0, decode: !noDecode) }
        let recorder = try recordTo.map { try MediaRecorder(file: $0) }
        let blackhole = MediaBlackhole()

        pc.onTrack = { track, _, _ in
            print("Receiving \(track.kind)")
            if let recorder { recorder.addTrack(track) } else { blackhole.addTrack(track) }
        }
        let addTracks: @Sendable () throws -> Void = {
            if let player {
                if let audio = player.audio { try pc.addTrack(audio) }
                if let video = player.video { try pc.addTrack(video) } else { try pc.addTrack(TestPatternTrack(width: patternWidth, height: patternHeight)) }
            } else {
                try pc.addTrack(ToneTrack())
                try pc.addTrack(TestPatternTrack(width: patternWidth, height: patternHeight))
            }
        }

        let signaling = signalingOptions.makeSignaling()
        try await signaling.connect()
        if role == .offer {
            try addTracks()
            try await pc.setLocalDescription()
            if let offer = pc.localDescription { try await signaling.send(.description(offer)) }
        }

        let done = AsyncStream<Void>.makeStream()
        // The signaling loop of aiortc's example: apply descriptions (answering an offer), add candidates, and
        // start recording once the remote description is known.
        let loop = Task {
            var recording = false
            do {
                while let message = try await signaling.receive() {
                    switch message {
                    case .description(let description):
                        try await pc.setRemoteDescription(description)
                        if !recording {
                            recording = true
                            if let recorder { try await recorder.start() } else { await blackhole.start() }
                        }
                        if description.type == .offer {
                            try addTracks()
                            try await pc.setLocalDescription()
                            if let answer = pc.localDescription { try await signaling.send(.description(answer)) }
                        }
                    case .candidate(let candidate):
                        try await pc.addIceCandidate(candidate)
                    case .bye:
                        print("\nExiting")
                        done.continuation.yield()
                        return
                    }
                }
            } catch {
                print("\nsignaling: \(error)")
            }
            done.continuation.yield()
        }
        let timer: Task<Void, Never>? = duration > 0 ? Task { [duration] in
            try? await Task.sleep(for: .seconds(duration))
            done.continuation.yield()
        } : nil
        let progress = Task {
            let start = ContinuousClock.now
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                let (sent, received) = await Self.frameCounts(pc)
                let seconds = (ContinuousClock.now - start).components.seconds
                let line = "\r[\(seconds) s] \(pc.connectionState): sent \(sent) frames, received \(received) frames"
                    + (recorder.map { ", recorded \($0.framesWritten)" } ?? "")
                FileHandle.standardOutput.write(Data(line.utf8))  // unbuffered: the line updates in place
            }
        }

        for await _ in done.stream { break }
        timer?.cancel()
        progress.cancel()
        let (sent, received) = await Self.frameCounts(pc)
        try? await signaling.send(.bye)
        await signaling.close()
        loop.cancel()
        if let recorder { await recorder.stop() }
        await blackhole.stop()
        player?.stop()
        await pc.close()
        print("\nsent \(sent) frames, received \(received) frames"
              + (recorder.map { ", recorded \($0.framesWritten) frames to \($0.file)" } ?? ""))
    }

    /// Frames sent (encoded or forwarded) and received (decoded), from the connection's stats.
    static func frameCounts(_ pc: RTCPeerConnection) async -> (sent: Int, received: Int) {
        let stats = await pc.getStats()
        let sent = stats.stats(of: RTCOutboundRtpStreamStats.self).reduce(0) { $0 + Int($1.framesEncoded) }
        let received = stats.stats(of: RTCInboundRtpStreamStats.self).reduce(0) { $0 + Int($1.framesDecoded) }
        return (sent, received)
    }
}
