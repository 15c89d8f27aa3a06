// Micro-benchmarks of the packet path's parsers and serializers and of the jitter buffer (benchmark scenario 7),
// with wall clock, CPU and allocation counts. Allocation counts are deterministic, so their thresholds are tight
// and a new allocation on the hot path shows as a regression; time thresholds are loose (the machine is shared).
import AsyncRTC
import Benchmark
import Foundation
import NIOCore

/// The repository's root, found from this file's path (Benchmarks/Benchmarks/WireBenchmarks/ is three levels in).
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func fixture(_ path: String) -> [UInt8] {
    (try? [UInt8](Data(contentsOf: repositoryRoot.appendingPathComponent(path)))) ?? []
}

/// The bytes `write` produces.
func wire(_ write: (inout ByteBuffer) throws -> Void) -> ByteBuffer {
    var buffer = ByteBuffer()
    try! write(&buffer)
    return buffer
}

func parsed(_ buffer: ByteBuffer) -> RTCPCompoundPacket {
    var copy = buffer
    return try! RTCPCompoundPacket(parsing: &copy)
}

let benchmarks: @Sendable () -> Void = {
    let time: BenchmarkThresholds = .init(relative: [.p50: 50, .p75: 75], absolute: [:])
    let allocations: BenchmarkThresholds = .init(relative: [.p50: 2, .p90: 5], absolute: [.p50: 0, .p90: 1])
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(1),
        maxIterations: 100,
        thresholds: [.wallClock: time, .cpuTotal: time, .mallocCountTotal: allocations]
    )

    // STUN: an ICE connectivity check as browsers send it (USERNAME, PRIORITY, ICE-CONTROLLING, USE-CANDIDATE,
    // MESSAGE-INTEGRITY, FINGERPRINT), 100 bytes on the wire.
    let stun = STUNMessage(type: .bindingRequest, attributes: [
        .username("f2Qx:9bKd"), .priority(1_853_817_087), .iceControlling(0x1234_5678_9ABC_DEF0), .useCandidate,
        .messageIntegrity([UInt8](repeating: 0x5A, count: 20)), .fingerprint(0xDEAD_BEEF),
    ])
    let stunWire = wire { try stun.write(to: &$0) }

    Benchmark("STUN parse (binding request, \(stunWire.readableBytes) B)") { benchmark in
        for _ in benchmark.scaledIterations {
            var b = stunWire
            blackHole(try! STUNMessage(parsing: &b))
        }
    }
    Benchmark("STUN serialize (binding request)") { benchmark in
        var out = ByteBuffer()
        out.reserveCapacity(256)
        for _ in benchmark.scaledIterations {
            out.clear()
            try! stun.write(to: &out)
            blackHole(out.readableBytes)
        }
    }

    // RTP: a 1200-byte VP8-sized packet.
    let rtp = RTPPacket(marker: true, payloadType: 96, sequenceNumber: 4711, timestamp: 90_000, ssrc: 0x0102_0304,
                        payload: ByteBuffer(bytes: [UInt8](repeating: 0x42, count: 1188)))
    let rtpWire = wire { try rtp.write(to: &$0) }
    Benchmark("RTP parse (1200 B)") { benchmark in
        for _ in benchmark.scaledIterations {
            var b = rtpWire
            blackHole(try! RTPPacket(parsing: &b))
        }
    }
    Benchmark("RTP serialize (1200 B)") { benchmark in
        var out = ByteBuffer()
        out.reserveCapacity(1500)
        for _ in benchmark.scaledIterations {
            out.clear()
            try! rtp.write(to: &out)
            blackHole(out.readableBytes)
        }
    }

    // RTCP: aiortc's compound SR + SDES + BYE (from the fuzz corpus).
    let rtcpWire = ByteBuffer(bytes: fixture("Fuzz/Corpus/RTCP/aiortc-sr-sdes-bye"))
    let rtcp = parsed(rtcpWire)
    Benchmark("RTCP parse (compound SR+SDES+BYE, \(rtcpWire.readableBytes) B)") { benchmark in
        for _ in benchmark.scaledIterations {
            var b = rtcpWire
            blackHole(try! RTCPCompoundPacket(parsing: &b))
        }
    }
    Benchmark("RTCP serialize (compound SR+SDES+BYE)") { benchmark in
        var out = ByteBuffer()
        out.reserveCapacity(512)
        for _ in benchmark.scaledIterations {
            out.clear()
            try! rtcp.write(to: &out)
            blackHole(out.readableBytes)
        }
    }

    // SDP: Chromium's offer with audio, video and data (3 m-lines).
    let offer = String(decoding: fixture("Tests/RTCWireTests/Fixtures/SDP/chromium_av_data_offer.sdp"), as: UTF8.self)
    Benchmark("SDP parse (Chromium offer, 3 m-lines, \(offer.utf8.count) B)",
              configuration: .init(scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try! SessionDescription(parsing: offer))
        }
    }

    // Jitter buffer: in-order video, 3 packets per frame, each insert completing a frame every third packet.
    let payload = ByteBuffer(bytes: [UInt8](repeating: 0x10, count: 1100))
    Benchmark("Jitter buffer insert (video, in order, 3 packets/frame)") { benchmark in
        let buffer = JitterBuffer(clockRate: 90_000, kind: .video)
        var sequence: UInt16 = 0
        var nanoseconds: UInt64 = 1_000_000_000
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let packet = RTPPacket(marker: sequence % 3 == 2, payloadType: 96, sequenceNumber: sequence,
                                   timestamp: UInt32(sequence / 3) &* 3000, ssrc: 1, payload: payload)
            sequence &+= 1
            nanoseconds &+= 11_000_000
            blackHole(buffer.insert(packet, arrival: .uptimeNanoseconds(nanoseconds)))
        }
    }
}
