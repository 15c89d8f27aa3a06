// bench-media — benchmark scenario 4: the CPU a media sender and a media receiver cost, each in its own process.
// The sender sends Opus (48 kHz mono, 20 ms) and VP8 640x480 at 30 fps from synthetic sources whose frames are
// computed once up front (a tone; 30 frames of moving bars, cycled — the same pictures as media_aiortc.py's), so
// the measurement is the peer connection's work — encode, packetize, SRTP, send / receive, unprotect, jitter
// buffer, decode — and not the source's. The receiver reads every decoded frame. Signaling: TCP on 127.0.0.1:PORT in aiortc's wire format (the sender
// listens). Each side measures its own process's CPU time (getrusage) over SECONDS once media flows and prints
// `cpu P % frames-video V frames-audio A`. Benchmarks/media_aiortc.py is aiortc's side.
//   bench-media send|receive PORT SECONDS
import AsyncRTC
import AsyncRTCContrib
import Foundation
import Synchronization

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2, let port = Int(arguments[1]) else {
    print("usage: bench-media send|receive PORT [SECONDS]")
    exit(2)
}
let role = arguments[0]
let seconds = arguments.count > 2 ? Double(arguments[2]) ?? 20 : 20

/// Process CPU time (user + system), in seconds.
func cpuSeconds() -> Double {
    var usage = rusage()
    _ = getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
        Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// A 440 Hz tone, 20 ms frames of 48 kHz mono, computed once; paced to real time.
final class ToneTrack: AudioStreamTrack, @unchecked Sendable {
    // @unchecked: `index` is touched only by recv(), which the sender calls from one task; `frames` is immutable.
    private let frames: [AudioFrame]
    private nonisolated(unsafe) var index = 0

    override init() {
        frames = (0..<50).map { n in
            let samples = (0..<960).map { i in Int16(12_000 * sin(2 * Double.pi * 440 * Double(n * 960 + i) / 48_000)) }
            return AudioFrame(s16: samples, layout: .mono, sampleRate: 48_000)
        }
        super.init()
    }

    override func recv() async throws -> AudioFrame {
        let (pts, timeBase) = try await nextTimestamp(samples: 960, sampleRate: 48_000)
        var frame = frames[index % frames.count]
        index += 1
        frame.pts = pts
        frame.timeBase = timeBase
        return frame
    }
}

/// 640x480 I420 moving bars at 30 fps: 30 frames computed once and cycled; paced to real time. The same pictures
/// as media_aiortc.py's BarsTrack (luma bars 60/150/100/200, 40 pixels wide, moving 8 pixels a frame; flat
/// chroma), so both encoders get the same content.
final class BarsTrack: VideoStreamTrack, @unchecked Sendable {
    // @unchecked: as ToneTrack.
    private let frames: [VideoFrame]
    private nonisolated(unsafe) var index = 0

    init(width: Int = 640, height: Int = 480) {
        frames = (0..<30).map { n in
            let levels: [UInt8] = [60, 150, 100, 200]
            let row = (0..<width).map { x in levels[((x + n * 8) / 40) % 4] }
            var frame = VideoFrame(width: width, height: height, format: .yuv420p)
            let planes = frame.planes
            frame.data.withUnsafeMutableBufferPointer { data in
                for y in 0..<height {
                    for x in 0..<width { data[y * width + x] = row[x] }
                }
                for plane in planes.dropFirst() { data[plane.range].update(repeating: 128) }
            }
            return frame
        }
        super.init()
    }

    override func recv() async throws -> VideoFrame {
        let (pts, timeBase) = try await nextTimestamp()
        var frame = frames[index % frames.count]
        index += 1
        frame.pts = pts
        frame.timeBase = timeBase
        return frame
    }
}

let configuration = RTCConfiguration(loopbackOnly: true)
let pc = RTCPeerConnection(configuration: configuration)
let signaling = TcpSocketSignaling(host: "127.0.0.1", port: port)
let counts = Mutex((video: 0, audio: 0))

/// Measures CPU over `seconds` of wall time starting now.
func measure() async throws -> (cpu: Double, video: Int, audio: Int) {
    let (startCounts, startCPU, start) = (counts.withLock { $0 }, cpuSeconds(), ContinuousClock.now)
    try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
    let wall = ContinuousClock.now - start
    let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
    let endCounts = counts.withLock { $0 }
    return (100 * (cpuSeconds() - startCPU) / wallSeconds, endCounts.video - startCounts.video,
            endCounts.audio - startCounts.audio)
}

func report(_ r: (cpu: Double, video: Int, audio: Int)) {
    print(String(format: "cpu %.2f %% frames-video %d frames-audio %d seconds %.0f", r.cpu, r.video, r.audio, seconds))
}

/// With BENCH_TRACE=1: the RTP statistics of both directions on standard error (where frames went).
func trace() async {
    guard ProcessInfo.processInfo.environment["BENCH_TRACE"] == "1" else { return }
    let report = await pc.getStats()
    for o in report.stats(of: RTCOutboundRtpStreamStats.self) {
        FileHandle.standardError.write(Data("outbound \(o.kind): packets \(o.packetsSent) frames \(o.framesEncoded) key \(o.keyFramesEncoded) nack \(o.nackCount) pli \(o.pliCount) rtx \(o.retransmittedPacketsSent) bitrate \(o.targetBitrate ?? 0)\n".utf8))
    }
    for i in report.stats(of: RTCInboundRtpStreamStats.self) {
        FileHandle.standardError.write(Data("inbound \(i.kind): packets \(i.packetsReceived) lost \(i.packetsLost) frames \(i.framesReceived) decoded \(i.framesDecoded) key \(i.keyFramesDecoded) dropped \(i.framesDropped) nack \(i.nackCount) pli \(i.pliCount) rtx \(i.retransmittedPacketsReceived)\n".utf8))
    }
}

if role == "send" {
    try pc.addTrack(ToneTrack())
    try pc.addTrack(BarsTrack())
    try await pc.setLocalDescription()
    try await signaling.send(.description(pc.localDescription!))
    while let message = try await signaling.receive() {
        if case .description(let answer) = message { try await pc.setRemoteDescription(answer); break }
    }
    while pc.connectionState != .connected { try await Task.sleep(for: .milliseconds(10)) }
    try await Task.sleep(for: .seconds(1))  // past the first key frame and the encoders' start-up
    report(try await measure())
    await trace()
    try await Task.sleep(for: .seconds(2))  // the receiver's window started a little later: keep media flowing
    try? await signaling.send(.bye)
} else {
    let readers = Mutex<[Task<Void, Never>]>([])
    pc.onTrack = { track, _, _ in
        let task = Task {
            if let video = track as? VideoStreamTrack {
                while (try? await video.recv()) != nil { counts.withLock { $0.video += 1 } }
            } else if let audio = track as? AudioStreamTrack {
                while (try? await audio.recv()) != nil { counts.withLock { $0.audio += 1 } }
            }
        }
        readers.withLock { $0.append(task) }
    }
    while let message = try await signaling.receive() {
        if case .description(let offer) = message {
            try await pc.setRemoteDescription(offer)
            try await pc.setLocalDescription()
            try await signaling.send(.description(pc.localDescription!))
            break
        }
    }
    while counts.withLock({ $0.video }) == 0 { try await Task.sleep(for: .milliseconds(10)) }
    try await Task.sleep(for: .seconds(1))
    report(try await measure())
    await trace()
}
await pc.close()
await signaling.close()
