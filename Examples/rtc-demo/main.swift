// rtc-demo — the README's first command: two RTCPeerConnections in one process over real UDP on loopback, each
// sending a tone (Opus), a moving pattern (VP8) and data-channel pings to the other, with a live view of the
// stats; optionally through the impairment layer (`--loss 10%`) so NACK/RTX and the jitter buffers have work.
// At the end it checks what arrived (the tone's frequency, the frame size, every ping answered) and leaves what
// Bob received in received.wav and received.ivf (under .build/rtc-demo unless --out says otherwise).
//
//   swift run rtc-demo [--loss 10%] [--seconds 10] [--width 640 --height 480] [--codec VP8|VP9]
import AsyncRTC
import AsyncRTCContrib
import AsyncRTCTesting
import Foundation
import Synchronization

struct Options {
    var loss: Double = 0
    var seconds = 10
    var width = 640
    var height = 480
    var codec = "VP8"
    var verbose = false
    var out = ".build/rtc-demo"

    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let v = rest.popFirst() else { throw DemoError("\(flag) needs a value") }
            return v
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--loss":
                let text = try value(flag)
                guard let percent = Double(text.replacingOccurrences(of: "%", with: "")), (0..<100).contains(percent) else {
                    throw DemoError("--loss takes a percentage below 100, e.g. 10%")
                }
                loss = percent / 100
            case "--seconds":
                guard let s = Int(try value(flag)), s > 0 else { throw DemoError("--seconds needs a positive number") }
                seconds = s
            case "--width":
                guard let w = Int(try value(flag)), w >= 16, w % 2 == 0 else { throw DemoError("--width needs an even number ≥ 16") }
                width = w
            case "--height":
                guard let h = Int(try value(flag)), h >= 16, h % 2 == 0 else { throw DemoError("--height needs an even number ≥ 16") }
                height = h
            case "--codec":
                codec = try value(flag).uppercased()
                guard codec == "VP8" || codec == "VP9" else { throw DemoError("--codec is VP8 or VP9") }
            case "--out":
                out = try value(flag)
            case "--verbose":
                verbose = true
            case "-h", "--help":
                print("usage: rtc-demo [--loss PERCENT] [--seconds N] [--width W --height H] [--codec VP8|VP9] [--out DIR] [--verbose]")
                exit(0)
            default:
                throw DemoError("unknown option \(flag)")
            }
        }
    }
}

struct DemoError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// What one side received, filled by its consumer tasks.
final class Received: Sendable {
    let samples = Mutex<[Int16]>([])
    let sampleRate = Mutex(48_000)
    let videoFrames = Mutex(0)
    let sizes = Mutex<Set<String>>([])
    let pongs = Mutex<[Double]>([])
}

func consume(_ track: MediaStreamTrack, into received: Received) {
    Task {
        if let audio = track as? AudioStreamTrack {
            var n = 0
            while let frame = try? await audio.recv() {
                n += 1
                received.sampleRate.withLock { $0 = frame.sampleRate }
                if n > 50 { received.samples.withLock { $0 += SignalAnalysis.firstChannel(frame) } }  // after 1 s
            }
        } else if let video = track as? VideoStreamTrack {
            while let frame = try? await video.recv() {
                received.videoFrames.withLock { $0 += 1 }
                received.sizes.withLock { _ = $0.insert("\(frame.width)x\(frame.height)") }
            }
        }
    }
}

func dominantFrequency(_ samples: [Int16], rate: Int, among candidates: [Double]) -> Double {
    candidates.max { SignalAnalysis.power(samples, sampleRate: rate, frequency: $0) <
                     SignalAnalysis.power(samples, sampleRate: rate, frequency: $1) } ?? 0
}

func main() async throws {
    let options = try Options(Array(CommandLine.arguments.dropFirst()))
    if options.loss > 0 {
        // The impairment layer sits under every socket of the process (both peers): loss in both directions,
        // plus a little delay so retransmissions have a round trip to cover.
        setenv("ASYNCRTC_IMPAIR", "loss=\(options.loss),delay=20ms,jitter=2ms,seed=7", 1)
    }
    print("rtc-demo: two peer connections on loopback, \(options.seconds) s" +
          (options.loss > 0 ? String(format: ", %.0f%% loss each way", options.loss * 100) : ""))

    let configuration = RTCConfiguration(loopbackOnly: true)
    let alice = RTCPeerConnection(configuration: configuration)
    let bob = RTCPeerConnection(configuration: configuration)
    let atAlice = Received(), atBob = Received()
    // Bob also records what he receives: the audio decoded into a WAV file, the video as it came (VP8/VP9 frames
    // straight into IVF, no re-encoding).
    try FileManager.default.createDirectory(atPath: options.out, withIntermediateDirectories: true)
    let wavPath = options.out + "/received.wav", ivfPath = options.out + "/received.ivf"
    let audioRecorder = try MediaRecorder(file: wavPath), videoRecorder = try MediaRecorder(file: ivfPath)
    let relay = MediaRelay()  // one received audio track, two consumers: the checks and the recorder
    alice.onTrack = { track, _, _ in consume(track, into: atAlice) }
    bob.onTrack = { track, receiver, _ in
        if track.kind == .audio {
            consume(relay.subscribe(track), into: atBob)
            audioRecorder.addTrack(relay.subscribe(track))
        } else {
            consume(track, into: atBob)
            videoRecorder.addTrack(receiver.makeEncodedTrack())
        }
    }

    // Alice sends 440 Hz and the pattern at the chosen size; Bob answers with 660 Hz and a quarter-size pattern.
    try alice.addTrack(SineTrack(frequency: 440))
    let aliceVideo = try alice.addTransceiver(PatternTrack(width: options.width, height: options.height))
    try aliceVideo.setCodecPreferences(RTCRtpSender.getCapabilities(.video).codecs.filter { $0.name == options.codec })
    try bob.addTrack(SineTrack(frequency: 660))
    try bob.addTrack(PatternTrack(width: options.width / 2, height: options.height / 2))

    let chat = try alice.createDataChannel("chat")
    bob.onDataChannel = { channel in
        channel.onMessage = { message in if case .text(let t) = message { try? channel.send(t) } }
    }
    chat.onMessage = { message in
        guard case .text(let t) = message, let sent = Double(t) else { return }
        atAlice.pongs.withLock { $0.append((Date().timeIntervalSince1970 - sent) * 1000) }
    }

    let start = Date()
    try await alice.setLocalDescription(try await alice.createOffer())
    try await bob.setRemoteDescription(alice.localDescription!)
    try await bob.setLocalDescription(try await bob.createAnswer())
    try await alice.setRemoteDescription(bob.localDescription!)
    while alice.connectionState != .connected || chat.readyState != .open {
        guard Date().timeIntervalSince(start) < 15, alice.connectionState != .failed else {
            throw DemoError("the peers did not connect (state \(alice.connectionState.rawValue))")
        }
        try await Task.sleep(for: .milliseconds(10))
    }
    print(String(format: "connected in %.0f ms (ICE, DTLS 1.2, SRTP, SCTP on one 5-tuple)\n", Date().timeIntervalSince(start) * 1000))
    try await audioRecorder.start()
    try await videoRecorder.start()

    let live = isatty(STDOUT_FILENO) != 0
    var previous: [String: Int] = [:]
    print("  t   alice→bob: audio    video   frames  lost NACK   RTT  |  bob→alice: audio    video  frames  ping")
    for second in 1...options.seconds {
        for _ in 0..<10 {
            try chat.send(String(Date().timeIntervalSince1970))
            try await Task.sleep(for: .milliseconds(100))
        }
        let a = await alice.getStats(), b = await bob.getStats()
        func kbps(_ report: RTCStatsReport, _ kind: String, _ who: String) -> Int {
            let bytes = report.stats(of: RTCOutboundRtpStreamStats.self).first { $0.kind == kind }?.bytesSent ?? 0
            let key = "\(who)\(kind)"
            defer { previous[key] = bytes }
            return (bytes - (previous[key] ?? 0)) * 8 / 1000
        }
        let bobVideoIn = b.stats(of: RTCInboundRtpStreamStats.self).first { $0.kind == "video" }
        let lost = b.stats(of: RTCInboundRtpStreamStats.self).reduce(0) { $0 + max(0, $1.packetsLost) }
        let nacks = a.stats(of: RTCOutboundRtpStreamStats.self).reduce(0) { $0 + $1.nackCount }
        let rtt = a.stats(of: RTCRemoteInboundRtpStreamStats.self).compactMap(\.roundTripTime).first
        let aliceVideoIn = a.stats(of: RTCInboundRtpStreamStats.self).first { $0.kind == "video" }
        let ping = atAlice.pongs.withLock { $0.last }
        let line = String(format: "%3d   %8d kb/s %5d kb/s %6d %5d %4d %5@  | %8d kb/s %5d kb/s %5d %5@",
                          second, kbps(a, "audio", "a"), kbps(a, "video", "a"), bobVideoIn?.framesDecoded ?? 0, lost,
                          nacks, rtt.map { String(format: "%.0fms", $0 * 1000) } ?? "-", kbps(b, "audio", "b"),
                          kbps(b, "video", "b"), aliceVideoIn?.framesDecoded ?? 0,
                          ping.map { String(format: "%.0fms", $0) } ?? "-")
        print(live ? "\u{1B}[2K\r" + line : line, terminator: live && second < options.seconds ? "" : "\n")
        fflush(nil)  // all streams: stdout itself is a C global Swift 6 will not touch
    }

    // Pings still in flight (retransmitted by SCTP under loss) get a moment to come back.
    for _ in 0..<300 where atAlice.pongs.withLock({ $0.count }) < options.seconds * 10 {
        try await Task.sleep(for: .milliseconds(10))
    }

    // What arrived, checked.
    var failed = 0
    func check(_ ok: Bool, _ what: String) {
        print("\(ok ? "✓" : "✗") \(what)")
        if !ok { failed += 1 }
    }
    let bobHeard = dominantFrequency(atBob.samples.withLock { $0 }, rate: atBob.sampleRate.withLock { $0 }, among: [440, 660])
    let aliceHeard = dominantFrequency(atAlice.samples.withLock { $0 }, rate: atAlice.sampleRate.withLock { $0 }, among: [440, 660])
    check(bobHeard == 440, "Bob hears Alice's 440 Hz tone (Opus)")
    check(aliceHeard == 660, "Alice hears Bob's 660 Hz tone (Opus)")
    let bobFrames = atBob.videoFrames.withLock { $0 }, bobSizes = atBob.sizes.withLock { $0 }
    // At least 5 frames per second (30 are sent; a loaded machine or a debug build encodes fewer) at the right size.
    check(bobFrames >= options.seconds * 5 && bobSizes == ["\(options.width)x\(options.height)"],
          "Bob decoded \(bobFrames) \(options.codec) frames of \(bobSizes.sorted().joined(separator: ", "))")
    let aliceFrames = atAlice.videoFrames.withLock { $0 }, aliceSizes = atAlice.sizes.withLock { $0 }
    check(aliceFrames >= options.seconds * 5 && aliceSizes == ["\(options.width / 2)x\(options.height / 2)"],
          "Alice decoded \(aliceFrames) VP8 frames of \(aliceSizes.sorted().joined(separator: ", "))")
    let pongs = atAlice.pongs.withLock { $0 }
    check(pongs.count == options.seconds * 10, "\(pongs.count) of \(options.seconds * 10) data-channel pings answered")
    if options.verbose {
        for (name, pc) in [("alice", alice), ("bob", bob)] {
            let r = await pc.getStats()
            for o in r.stats(of: RTCOutboundRtpStreamStats.self) {
                print("  \(name) sent \(o.kind): \(o.framesEncoded) frames, \(o.packetsSent) packets, " +
                      "\(o.retransmittedPacketsSent) retransmitted, \(o.nackCount) NACKs, \(o.pliCount) PLIs")
            }
            for i in r.stats(of: RTCInboundRtpStreamStats.self) {
                print("  \(name) received \(i.kind): \(i.framesDecoded) frames decoded, \(i.framesDropped) dropped, " +
                      "\(i.packetsReceived) packets, \(i.packetsLost) lost, \(i.retransmittedPacketsReceived) repaired, " +
                      String(format: "jitter %.1f ms", i.jitter * 1000))
            }
        }
    }
    let report = await bob.getStats()
    let retransmitted = report.stats(of: RTCInboundRtpStreamStats.self).reduce(0) { $0 + $1.retransmittedPacketsReceived }
    if options.loss > 0 { print("  (\(retransmitted) packets repaired by retransmission at Bob)") }

    await audioRecorder.stop()
    await videoRecorder.stop()
    check(audioRecorder.lastError == nil && audioRecorder.framesWritten > 0 && videoRecorder.lastError == nil &&
          videoRecorder.framesWritten > 0,
          "Bob recorded \(audioRecorder.framesWritten) audio frames to \(wavPath) and \(videoRecorder.framesWritten) " +
          "video frames to \(ivfPath)")
    await alice.close()
    await bob.close()
    print(failed == 0 ? "\nall checks passed" : "\n\(failed) check(s) failed")
    exit(failed == 0 ? 0 : 1)
}

do {
    try await main()
} catch {
    print("rtc-demo: \(error)")
    exit(1)
}
