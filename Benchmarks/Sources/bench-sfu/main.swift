// bench-sfu — benchmark scenario 6: SFU fan-out. One VP8 publisher (640x480 at 30 fps, moving bars) is relayed by
// an SFU process to N subscribers without re-encoding: the SFU's receiver hands out the encoded frames
// (RTCRtpReceiver.makeEncodedTrack), a MediaRelay fans them out, and each subscriber's sender packetizes them as
// they are. scripts/bench pins the SFU process to one core and the clients (publisher and subscribers, one
// process) to the other, and raises N until a subscriber falls below 29 frames/s.
//
//   bench-sfu sfu PORT N SECONDS       the SFU; prints `cpu P % subscribers N` over SECONDS once all are connected
//   bench-sfu clients PORT N SECONDS   the publisher and N subscribers; prints `subscribers N min-fps F
//                                      median-fps M decoded-fps D seconds S`: frames per second each subscriber
//                                      received whole (its jitter buffer assembled them), the lowest and the
//                                      median, and the frames per second subscriber 0 decoded (proof that what
//                                      is forwarded decodes), and the clients' own CPU %
//
// Signaling: TCP on 127.0.0.1:PORT in aiortc's wire format; the clients listen and offer (the publisher first,
// then each subscriber, one at a time), the SFU answers. Benchmarks/sfu_aiortc.py is aiortc's counterpart, where
// the SFU decodes once and re-encodes per subscriber (aiortc's MediaRelay relays decoded frames).
import AsyncRTC
import AsyncRTCContrib
import Foundation
import Synchronization

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 3, let port = Int(arguments[1]), let subscriberCount = Int(arguments[2]), subscriberCount > 0
else {
    print("usage: bench-sfu sfu|clients PORT N [SECONDS]")
    exit(2)
}
let role = arguments[0]
let seconds = arguments.count > 3 ? Double(arguments[3]) ?? 10 : 10

/// Process CPU time (user + system), in seconds.
func cpuSeconds() -> Double {
    var usage = rusage()
    _ = getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
        Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func elapsedSeconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { FileHandle.standardError.write(Data(string.utf8)) }
}
nonisolated(unsafe) var standardError = StandardError()

/// 640x480 I420 moving bars at 30 fps: 30 frames computed once and cycled; paced to real time (as bench-media).
final class BarsTrack: VideoStreamTrack, @unchecked Sendable {
    // @unchecked: `index` is touched only by recv(), which the sender calls from one task; `frames` is immutable.
    private let frames: [VideoFrame]
    private nonisolated(unsafe) var index = 0

    init(width: Int = 640, height: Int = 480) {
        frames = (0..<30).map { n in
            var rgb = [UInt8](repeating: 0, count: width * height * 3)
            for y in 0..<height {
                for x in 0..<width {
                    let bar = ((x + n * 8) / 40) % 4
                    let i = (y * width + x) * 3
                    rgb[i] = bar == 1 ? 220 : 30
                    rgb[i + 1] = bar == 2 ? 220 : 40
                    rgb[i + 2] = bar == 3 ? 220 : UInt8(truncatingIfNeeded: y)
                }
            }
            return VideoFrame(rgb24: rgb, width: width, height: height).converted(to: .yuv420p)
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
let signaling = TcpSocketSignaling(host: "127.0.0.1", port: port, connectTimeout: .seconds(120))

/// The clients' counters: frames each subscriber received whole, frames subscriber 0 decoded, the reading tasks.
let counts = Mutex([Int](repeating: 0, count: subscriberCount))
let decoded = Mutex(0)
let readers = Mutex<[Task<Void, Never>]>([])

/// The SFU's source: the publisher's receiver's encoded frames.
let source = Mutex<RemoteEncodedTrack?>(nil)

/// With BENCH_TRACE=1: progress on standard error.
func trace(_ text: @autoclosure () -> String) {
    guard ProcessInfo.processInfo.environment["BENCH_TRACE"] == "1" else { return }
    print("\(role): \(text())", to: &standardError)
}

func receiveDescription() async throws -> RTCSessionDescription {
    while let message = try await signaling.receive() {
        if case .description(let description) = message { return description }
    }
    throw CancellationError()
}

if role == "sfu" {
    // The publisher's connection: its receiver's encoded frames are the relay's source.
    let publisher = RTCPeerConnection(configuration: configuration)
    publisher.onTrack = { _, receiver, _ in
        if receiver.kind == .video { source.withLock { $0 = receiver.makeEncodedTrack() } }
    }
    try await publisher.setRemoteDescription(try await receiveDescription())
    try await publisher.setLocalDescription()
    try await signaling.send(.description(publisher.localDescription!))
    guard let encoded = source.withLock({ $0 }) else { print("no video from the publisher"); exit(1) }
    trace("publisher answered, state \(publisher.connectionState)")
    let relay = MediaRelay()
    var subscribers: [RTCPeerConnection] = []
    for _ in 0..<subscriberCount {
        let pc = RTCPeerConnection(configuration: configuration)
        try await pc.setRemoteDescription(try await receiveDescription())
        try pc.addTrack(relay.subscribe(encoded))
        try await pc.setLocalDescription()
        try await signaling.send(.description(pc.localDescription!))
        subscribers.append(pc)
    }
    trace("answered \(subscriberCount) subscribers")
    let start = ContinuousClock.now
    while subscribers.contains(where: { $0.connectionState != .connected }) && elapsedSeconds(since: start) < 60 {
        try await Task.sleep(for: .milliseconds(50))
    }
    trace("connected: \(subscribers.filter { $0.connectionState == .connected }.count), publisher \(publisher.connectionState)")
    try await Task.sleep(for: .seconds(2))  // the subscribers' first key frames and their clients' warm-up
    let (cpu0, wall0) = (cpuSeconds(), ContinuousClock.now)
    try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
    let cpu = 100 * (cpuSeconds() - cpu0) / elapsedSeconds(since: wall0)
    print(String(format: "cpu %.2f %% subscribers %d seconds %.0f", cpu, subscriberCount, seconds))
    // Keep forwarding until the clients' window is over too (they say bye).
    _ = try? await signaling.receive()
    for pc in subscribers { await pc.close() }
    await publisher.close()
} else {
    // Every connection's offer is made before any media flows (the subscribers' first, then the publisher's);
    // the publisher is signaled first so the SFU has its source when the subscribers' offers arrive.
    var subscribers: [RTCPeerConnection] = []
    for index in 0..<subscriberCount {
        let pc = RTCPeerConnection(configuration: configuration)
        pc.onTrack = { track, receiver, _ in
            guard receiver.kind == .video else { return }
            let frames = receiver.makeEncodedTrack()
            var tasks = [Task { while (try? await frames.recvEncoded()) != nil { counts.withLock { $0[index] += 1 } } }]
            if index == 0, let video = track as? VideoStreamTrack {
                tasks.append(Task { while (try? await video.recv()) != nil { decoded.withLock { $0 += 1 } } })
            }
            readers.withLock { $0 += tasks }
        }
        try pc.addTransceiver(kind: .video, direction: .recvonly)
        try await pc.setLocalDescription()
        subscribers.append(pc)
    }
    let publisher = RTCPeerConnection(configuration: configuration)
    try publisher.addTransceiver(BarsTrack(), direction: .sendonly)
    try await publisher.setLocalDescription()
    try await signaling.send(.description(publisher.localDescription!))
    try await publisher.setRemoteDescription(try await receiveDescription())
    for pc in subscribers {
        try await signaling.send(.description(pc.localDescription!))
        try await pc.setRemoteDescription(try await receiveDescription())
    }
    trace("offered \(subscriberCount) subscribers, publisher \(publisher.connectionState)")
    let start = ContinuousClock.now
    while counts.withLock({ $0.contains(0) }) && elapsedSeconds(since: start) < 60 {
        try await Task.sleep(for: .milliseconds(50))
    }
    let waiting = counts.withLock { $0.filter { $0 == 0 }.count }
    if waiting > 0 { print("\(waiting) subscribers received nothing in 60 s", to: &standardError) }
    try await Task.sleep(for: .seconds(1))
    let (before, decodedBefore, cpu0, wall0) = (counts.withLock { $0 }, decoded.withLock { $0 }, cpuSeconds(),
                                               ContinuousClock.now)
    try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
    let wall = elapsedSeconds(since: wall0)
    let (after, decodedAfter) = (counts.withLock { $0 }, decoded.withLock { $0 })
    let fps = zip(after, before).map { Double($0 - $1) / wall }.sorted()
    let clientsCPU = 100 * (cpuSeconds() - cpu0) / wall
    print(String(format: "subscribers %d min-fps %.2f median-fps %.2f decoded-fps %.2f clients-cpu-percent %.1f "
                 + "seconds %.0f", subscriberCount, fps[0], fps[fps.count / 2], Double(decodedAfter - decodedBefore) / wall, clientsCPU,
                 seconds))
    try? await signaling.send(.bye)
    for task in readers.withLock({ $0 }) { task.cancel() }
    for pc in subscribers { await pc.close() }
    await publisher.close()
}
await signaling.close()
