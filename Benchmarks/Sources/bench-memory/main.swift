// bench-memory — benchmark scenario 3: N connected peer connections (N/2 pairs over loopback UDP, each pair with
// one open data channel) in one process. Prints the time to establish all of them and the resident memory they
// add, per connection. The baseline is taken after one warm-up pair has connected and closed, so one-time
// process costs (usrsctp's threads, the event loops, libraries) are not counted per connection; aiortc's side
// (Benchmarks/memory_aiortc.py) measures the same way.
//   bench-memory [CONNECTIONS] [CONCURRENCY]
// BENCH_SCTP_STREAMS=all announces all 1024 SCTP streams in the INIT instead of growing them on demand (the
// A/B of that change, in one binary).
import AsyncRTC
import Foundation
import RTCTransport
import Synchronization

let connections = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 100
let concurrency = CommandLine.arguments.dropFirst(2).first.flatMap(Int.init) ?? 10
let configuration = RTCConfiguration(loopbackOnly: true)
if ProcessInfo.processInfo.environment["BENCH_SCTP_STREAMS"] == "all" { PeerTransport.sctpStreamGrowth = .never }

func residentKiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
    }
    return 0
}

struct Pair: Sendable {
    let a: RTCPeerConnection, b: RTCPeerConnection, channel: RTCDataChannel
}

func connectPair() async throws -> Pair {
    let a = RTCPeerConnection(configuration: configuration)
    let b = RTCPeerConnection(configuration: configuration)
    let opened = AsyncStream<Void>.makeStream()
    let channel = try a.createDataChannel("memory")
    channel.onOpen = { opened.continuation.yield() }
    try await a.setLocalDescription(try await a.createOffer())
    try await b.setRemoteDescription(a.localDescription!)
    try await b.setLocalDescription(try await b.createAnswer())
    try await a.setRemoteDescription(b.localDescription!)
    if channel.readyState != .open { for await _ in opened.stream { break } }
    return Pair(a: a, b: b, channel: channel)
}

let warm = try await connectPair()
await warm.a.close()
await warm.b.close()
try await Task.sleep(for: .milliseconds(500))
let before = residentKiB()

let start = ContinuousClock.now
var pairs: [Pair] = []
while pairs.count * 2 < connections {
    let n = min(concurrency, (connections - pairs.count * 2 + 1) / 2)
    try await withThrowingTaskGroup(of: Pair.self) { group in
        for _ in 0..<n { group.addTask { try await connectPair() } }
        for try await pair in group { pairs.append(pair) }
    }
}
let elapsed = ContinuousClock.now - start
try await Task.sleep(for: .milliseconds(500))
let after = residentKiB()
let open = pairs.filter { $0.channel.readyState == .open }.count
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let perConnection = Double(after - before) / Double(pairs.count * 2)
print(String(format: "connections %d open-channels %d establish %.3f s rss-before %d KiB rss-after %d KiB per-connection %.1f KiB",
             pairs.count * 2, open, seconds, before, after, perConnection))
for pair in pairs {
    await pair.a.close()
    await pair.b.close()
}
