// rtc-demo — the README's first command. Two peers in one process over real UDP on loopback, and the C libraries
// AsyncRTC is built on, each put to work and checked. Peer connections, media and the live stats view arrive with
// the spine and media issues; until then this shows, honestly, what runs today.
//
//   swift run rtc-demo [--loss 10%] [--megabytes 8]
import Foundation
import NIOCore
import NIOPosix
import RTCCrypto
import RTCMedia
import RTCTransport
import RTCWire
import Synchronization

struct Options {
    var loss: String? = nil
    var megabytes = 8

    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            switch flag {
            case "--loss":
                guard let value = rest.popFirst() else { throw DemoError("--loss needs a value, e.g. 10%") }
                loss = value
            case "--megabytes":
                guard let value = rest.popFirst().flatMap(Int.init), value > 0 else { throw DemoError("--megabytes needs a positive number") }
                megabytes = value
            case "-h", "--help":
                print("usage: rtc-demo [--loss PERCENT] [--megabytes N]")
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

let failures = Atomic<Int>(0)

func report(_ ok: Bool, _ title: String, _ detail: String) {
    print("\(ok ? "✓" : "✗") \(title.padding(toLength: 34, withPad: " ", startingAt: 0)) \(detail)")
    if !ok { failures.add(1, ordering: .relaxed) }
}

func elapsed(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

// MARK: The transport stack over UDP

func transportStack(_ options: Options) async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    var ice = ICEEndpoint.Options()
    ice.loopbackOnly = true
    ice.includeIPv6 = false
    if let loss = options.loss {
        ice.impairment = try ImpairmentProfile(parsing: "loss=\(loss),seed=1")
    }
    final class Watch: Sendable {
        let continuation: AsyncStream<PeerTransport.Event>.Continuation
        let events: AsyncStream<PeerTransport.Event>
        init() { (events, continuation) = AsyncStream.makeStream() }
    }
    let watches = [Watch(), Watch()]
    let start = ContinuousClock.now
    var peers: [PeerTransport] = []
    for i in 0..<2 {
        let watch = watches[i]
        peers.append(try await PeerTransport.make(on: group.next(), iceRole: i == 0 ? .controlling : .controlled,
                                                  certificate: try DTLSCertificate.generate(), iceOptions: ice) {
            watch.continuation.yield($0)
        })
    }
    let locals = [await peers[0].localParameters, await peers[1].localParameters]
    for i in 0..<2 {
        let other = locals[1 - i]
        peers[i].start(remote: other.asRemote(peerDTLSRole: i == 0 ? .server : .client, sctp: .init()))
    }

    // Follow each side until SCTP is up; keep the SRTP keys DTLS exported.
    func follow(_ watch: Watch) async -> (SCTPAssociation?, SRTPKeyingMaterial?, DTLSEngine.Role?, String?) {
        var keys: SRTPKeyingMaterial?, role: DTLSEngine.Role?, pair: String?
        for await event in watch.events {
            switch event {
            case .srtpKeys(let k, let r): (keys, role) = (k, r)
            case .selectedPair(let p): pair = "\(p.local.address) ⇄ \(p.remote.address)"
            case .dtls(.failed(let reason)): print("  DTLS failed: \(reason)"); return (nil, keys, role, pair)
            case .ice(.failed): print("  ICE failed"); return (nil, keys, role, pair)
            case .sctpStarted(let a): return (a, keys, role, pair)
            default: break
            }
        }
        return (nil, keys, role, pair)
    }
    async let a = follow(watches[0])
    async let b = follow(watches[1])
    let (sideA, sideB) = await (a, b)
    guard let sctpA = sideA.0, let sctpB = sideB.0 else {
        report(false, "ICE + DTLS + SCTP over UDP", "did not connect")
        return
    }
    for _ in 0..<3000 where !(sctpA.isEstablished && sctpB.isEstablished) { try await Task.sleep(for: .milliseconds(10)) }
    let setup = elapsed(since: start)
    report(sctpA.isEstablished && sctpB.isEstablished, "ICE + DTLS 1.2 + SCTP over UDP",
           String(format: "connected in %.0f ms, %@%@", setup * 1000, sideA.3 ?? "?",
                  options.loss.map { ", impairment loss=\($0)" } ?? ""))

    // SRTP keyed by DTLS: each side protects with its keys, the other unprotects.
    if let keysA = sideA.1, let roleA = sideA.2, let keysB = sideB.1, let roleB = sideB.2 {
        let send = try SRTPSession(keyingMaterial: keysA, role: roleA, direction: .outbound)
        let receive = try SRTPSession(keyingMaterial: keysB, role: roleB, direction: .inbound)
        var accepted = 0, replayRejected = false
        var last: [UInt8] = []
        for seq in 0..<1000 {
            var packet = RTPPacket(payloadType: 111, sequenceNumber: UInt16(seq), timestamp: UInt32(seq * 960), ssrc: 0x1234,
                                   payload: ByteBuffer(repeating: 0xAB, count: 160))
            packet.marker = false
            var buffer = ByteBuffer()
            try packet.write(to: &buffer)
            var bytes = Array(buffer.readableBytesView)
            let plain = bytes
            try send.protect(rtp: &bytes)
            last = bytes
            var copy = bytes
            try receive.unprotect(srtp: &copy)
            if copy == plain { accepted += 1 }
        }
        do { try receive.unprotect(srtp: &last) } catch { replayRejected = true }
        report(accepted == 1000 && replayRejected, "SRTP with DTLS-exported keys",
               "\(keysA.profile.name): \(accepted)/1000 packets round-trip, replay \(replayRejected ? "rejected" : "ACCEPTED")")
    } else {
        report(false, "SRTP with DTLS-exported keys", "no keys exported")
    }

    // Bulk data over SCTP: N MiB in 16 KiB messages, hashed on both ends.
    let total = options.megabytes << 20
    let chunk = (0..<16_384).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    let receiver = Task { () -> [UInt8] in
        var count = 0
        var hasher: [UInt8] = []
        hasher.reserveCapacity(total)
        for await event in sctpB.events {
            if case .message(let m) = event {
                count += m.bytes.count
                hasher += m.bytes
                if count >= total { break }
            }
        }
        return Digest.hash(.sha256, hasher)
    }
    let transferStart = ContinuousClock.now
    for _ in 0..<(total / chunk.count) {
        try await sctpA.sendWhenWritable(streamID: 1, ppid: 53, chunk)
    }
    let received = await receiver.value
    let seconds = elapsed(since: transferStart)
    let expected = Digest.hash(.sha256, (0..<(total / chunk.count)).flatMap { _ in chunk })
    report(received == expected, "Reliable data over SCTP",
           String(format: "%d MiB in %.2f s (%.1f MB/s), SHA-256 %@", options.megabytes, seconds,
                  Double(total) / seconds / 1e6, received == expected ? "equal" : "DIFFERENT"))

    for p in peers { await p.close() }
    try await group.shutdownGracefully()
}

// MARK: Codecs

func opus() throws {
    let encoder = try OpusEncoder(channels: 2, application: .audio, bitrate: 64_000)
    let decoder = try OpusDecoder(channels: 2)
    var bytes = 0, decoded: [Int16] = []
    for frame in 0..<50 {
        let pcm = (0..<960).flatMap { i -> [Int16] in
            let t = Double(frame * 960 + i) / 48_000
            let s = Int16(12_000 * sin(2 * Double.pi * 440 * t))
            return [s, s]
        }
        let packet = try encoder.encode(pcm: pcm, frameSize: 960)
        bytes += packet.count
        decoded += try decoder.decode(packet: packet, frameSize: 960)
    }
    // Zero crossings of the left channel over the last half second estimate the pitch.
    let left = stride(from: decoded.count / 2, to: decoded.count, by: 2).map { decoded[$0] }
    var crossings = 0
    for (x, y) in zip(left, left.dropFirst()) where (x < 0) != (y < 0) { crossings += 1 }
    let hz = Double(crossings) / 2 / (Double(left.count) / 48_000)
    report(abs(hz - 440) < 5, "Opus 48 kHz stereo", String(format: "1 s of 440 Hz → 50 packets, %d bytes → decoded %.0f Hz", bytes, hz))
}

func vpx(_ codec: VPXCodec) throws {
    let (width, height) = (640, 480)
    let encoder = try VPXEncoder(codec: codec, width: width, height: height, bitrate: 1_500_000)
    let decoder = try VPXDecoder(codec: codec)
    var frame = I420Buffer(width: width, height: height)
    var frames = 0, keyframes = 0, bytes = 0, error = 0.0
    for n in 0..<10 {
        for y in 0..<height { for x in 0..<width { frame.data[y * width + x] = UInt8(truncatingIfNeeded: (x + y + n * 8) / 2) } }
        for encoded in try encoder.encode(frame, pts: Int64(n * 3000)) {
            bytes += encoded.data.count
            if encoded.isKeyframe { keyframes += 1 }
            if let picture = try decoder.decode(encoded.data), picture.width == width, picture.height == height {
                frames += 1
                error = zip(picture.data[picture.yRange], frame.data[frame.yRange]).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) }
                    / Double(width * height)
            }
        }
    }
    report(frames == 10 && keyframes >= 1 && error < 8, "\(codec == .vp8 ? "VP8" : "VP9") 640x480",
           String(format: "10 frames, %d bytes, %d decoded at 640x480, luma error %.2f", bytes, frames, error))
}

// MARK: Main

do {
    let options = try Options(Array(CommandLine.arguments.dropFirst()))
    try OpenSSLLibrary.checkSupported()
    print("AsyncRTC demo — \(OpenSSLLibrary.versionString)\n")
    try await transportStack(options)
    try opus()
    try vpx(.vp8)
    try vpx(.vp9)
    let failed = failures.load(ordering: .relaxed)
    print(failed == 0 ? "\nEverything above ran for real and checked its result." : "\n\(failed) check(s) failed.")
    exit(failed == 0 ? 0 : 1)
} catch {
    print("rtc-demo: \(error)")
    exit(2)
}
