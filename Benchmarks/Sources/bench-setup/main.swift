// bench-setup — time from createOffer to an open data channel, for two peer connections in one process over
// loopback UDP (benchmark scenario 2). Prints one line per connection in milliseconds, then the median and p95.
//   bench-setup [COUNT]
import AsyncRTC
import Foundation
import Synchronization

let count = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 20
let configuration = RTCConfiguration(loopbackOnly: true)
var samples: [Double] = []

for _ in 0..<count {
    let a = RTCPeerConnection(configuration: configuration)
    let b = RTCPeerConnection(configuration: configuration)
    let opened = AsyncStream<Void>.makeStream()
    let start = ContinuousClock.now
    let channel = try a.createDataChannel("bench")
    channel.onOpen = { opened.continuation.yield() }
    if ProcessInfo.processInfo.environment["BENCH_TRACE"] != nil {
        a.onIceConnectionStateChange = { s in print("  ice", s, ContinuousClock.now - start) }
        a.onConnectionStateChange = { s in print("  pc", s, ContinuousClock.now - start) }
    }
    let trace = ProcessInfo.processInfo.environment["BENCH_TRACE"] != nil
    func step(_ name: String) { if trace { print("  step", name, ContinuousClock.now - start) } }
    let offer = try await a.createOffer()
    step("createOffer")
    try await a.setLocalDescription(offer)
    step("offerer setLocalDescription")
    try await b.setRemoteDescription(a.localDescription!)
    step("answerer setRemoteDescription")
    let answer = try await b.createAnswer()
    step("createAnswer")
    try await b.setLocalDescription(answer)
    step("answerer setLocalDescription")
    try await a.setRemoteDescription(b.localDescription!)
    step("offerer setRemoteDescription")
    for await _ in opened.stream { break }
    let d = ContinuousClock.now - start
    let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    samples.append(ms)
    print(String(format: "%.2f", ms))
    await a.close()
    await b.close()
}
let sorted = samples.sorted()
let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
let p95 = sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1)]
print(String(format: "median %.2f ms p95 %.2f ms", median, p95))
