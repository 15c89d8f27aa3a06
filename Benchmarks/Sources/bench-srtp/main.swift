// bench-srtp — benchmark scenario 5: SRTP protect and unprotect of 1200-byte RTP packets, per profile, through
// AsyncRTC's path (SRTPSession on a ByteBuffer, as PeerTransport uses it) against raw libsrtp calls in the same
// process. Rounds alternate raw and library; each measurement runs ~0.3 s; prints the medians (packets/s) and
// the ratio, one JSON object per profile on the last lines.
//   bench-srtp [ROUNDS]
import Foundation
import NIOCore
import RTCCrypto
import RTCTransport

let rounds = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 5
let packetSize = 1200
let batch = 4096

/// A 1200-byte RTP packet: version 2, payload type 96, SSRC 0x01020304, sequence number set per packet.
func template() -> [UInt8] {
    var p = [UInt8](repeating: 0, count: packetSize)
    p[0] = 0x80; p[1] = 96
    p[8] = 1; p[9] = 2; p[10] = 3; p[11] = 4
    for i in 12..<packetSize { p[i] = UInt8(truncatingIfNeeded: i &* 31) }
    return p
}

func setSequence(_ p: UnsafeMutableRawPointer, _ seq: UInt16) {
    p.storeBytes(of: seq.bigEndian, toByteOffset: 2, as: UInt16.self)
}

/// Runs `body(batch)` until ~0.3 s have passed; returns packets per second.
func rate(_ body: () -> Int) -> Double {
    let clock = ContinuousClock()
    var packets = 0
    var spent = Duration.zero
    while spent < .milliseconds(300) {
        let start = clock.now
        packets += body()
        spent += clock.now - start
    }
    let seconds = Double(spent.components.seconds) + Double(spent.components.attoseconds) / 1e18
    return Double(packets) / seconds
}

func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { FileHandle.standardError.write(Data(string.utf8)) }
}
nonisolated(unsafe) var standardError = StandardError()

let base = template()
RawSRTP.initialize()  // libsrtp initialised by "the application" first, as a program using it directly would
let allocator = ByteBufferAllocator()

struct Samples { var rawProtect: [Double] = [], libProtect: [Double] = [], sendPath: [Double] = []
                var rawUnprotect: [Double] = [], libUnprotect: [Double] = [] }

/// PeerTransport.sendRTP's shape: the packet is handed over (`consuming`, as sendRTP takes it) and made mutable
/// locally. (Borrowed, as sendRTP used to take it, the caller's reference made protect copy the whole buffer.)
@inline(never) func sendPathProtect(_ session: SRTPSession, _ packet: consuming ByteBuffer) -> Int {
    var packet = packet
    try! session.protect(rtp: &packet)
    return packet.readableBytes
}

for profile in SRTPProtectionProfile.allCases {
    let key = (0..<profile.keyLength).map { UInt8($0 &+ 1) }
    let salt = (0..<profile.saltLength).map { UInt8($0 &+ 101) }
    var result = Samples()
    let lib = try SRTPSession(profile: profile, masterKey: key, masterSalt: salt, direction: .outbound)
    let raw = RawSRTP(profile: profile, key: key, salt: salt, outbound: true)
    let lib2 = try SRTPSession(profile: profile, masterKey: key, masterSalt: salt, direction: .outbound)
    var rawSeq: UInt16 = 0, libSeq: UInt16 = 0, sendSeq: UInt16 = 0
    let rawBuffer = UnsafeMutableRawPointer.allocate(byteCount: packetSize + RawSRTP.trailer, alignment: 16)
    defer { rawBuffer.deallocate() }
    var libBuffer = allocator.buffer(capacity: packetSize + RawSRTP.trailer)

    for _ in 0..<rounds {
        result.rawProtect.append(rate {
            for _ in 0..<batch {
                base.withUnsafeBytes { rawBuffer.copyMemory(from: $0.baseAddress!, byteCount: packetSize) }
                rawSeq &+= 1
                setSequence(rawBuffer, rawSeq)
                _ = raw.protect(rawBuffer, length: packetSize)
            }
            return batch
        })
        result.libProtect.append(rate {
            for _ in 0..<batch {
                libBuffer.clear()
                libBuffer.writeBytes(base)
                libSeq &+= 1
                libBuffer.setInteger(libSeq, at: 2)
                try! lib.protect(rtp: &libBuffer)
            }
            return batch
        })
        // As the sender does it: a fresh buffer per packet handed to sendRTP-style code, with the 32 bytes of room
        // for the tag RTCRtpSender reserves (without it, protect's tag outgrows the buffer: a reallocation per packet).
        result.sendPath.append(rate {
            var n = 0
            for _ in 0..<batch {
                var packet = allocator.buffer(capacity: packetSize + 32)
                packet.writeBytes(base)
                sendSeq &+= 1
                packet.setInteger(sendSeq, at: 2)
                n &+= sendPathProtect(lib2, consume packet)
            }
            return n > 0 ? batch : 0
        })
    }

    // Unprotect: a batch of distinct protected packets, each unprotected once by a fresh inbound session.
    var protected: [[UInt8]] = []
    let producer = try SRTPSession(profile: profile, masterKey: key, masterSalt: salt, direction: .outbound)
    for seq in 0..<batch {
        var p = base
        p[2] = UInt8(seq >> 8); p[3] = UInt8(seq & 0xff)
        try producer.protect(rtp: &p)
        protected.append(p)
    }
    let protectedLength = protected[0].count
    for _ in 0..<rounds {
        result.rawUnprotect.append(rate {
            let inbound = RawSRTP(profile: profile, key: key, salt: salt, outbound: false)
            for p in protected {
                p.withUnsafeBytes { rawBuffer.copyMemory(from: $0.baseAddress!, byteCount: protectedLength) }
                _ = inbound.unprotect(rawBuffer, length: protectedLength)
            }
            return batch
        })
        result.libUnprotect.append(rate {
            let inbound = try! SRTPSession(profile: profile, masterKey: key, masterSalt: salt, direction: .inbound)
            for p in protected {
                libBuffer.clear()
                libBuffer.writeBytes(p)
                try! inbound.unprotect(srtp: &libBuffer)
            }
            return batch
        })
    }

    let rp = median(result.rawProtect), lp = median(result.libProtect), sp = median(result.sendPath)
    let ru = median(result.rawUnprotect), lu = median(result.libUnprotect)
    print(profile.name + String(format: ": protect raw %.0f/s, SRTPSession %.0f/s (%.1f %%), sendRTP-shaped %.0f/s (%.1f %%); unprotect raw %.0f/s, SRTPSession %.0f/s (%.1f %%)",
                 rp, lp, 100 * lp / rp, sp, 100 * sp / rp, ru, lu, 100 * lu / ru), to: &standardError)
    print("{\"profile\": \"\(profile.name)\", " + String(format: "\"raw_protect_pps\": %.0f, \"library_protect_pps\": %.0f, \"send_path_protect_pps\": %.0f, \"raw_unprotect_pps\": %.0f, \"library_unprotect_pps\": %.0f, \"protect_ratio\": %.3f, \"send_path_ratio\": %.3f, \"unprotect_ratio\": %.3f}",
                 rp, lp, sp, ru, lu, lp / rp, sp / rp, lu / ru))
}
