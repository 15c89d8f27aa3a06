import NIOCore
import RTCWire

/// The virtual clock of the RTP tests: a fixed origin plus milliseconds.
let rtpTestOrigin = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

func at(_ milliseconds: Double) -> NIODeadline {
    rtpTestOrigin + .nanoseconds(Int64(milliseconds * 1_000_000))
}

func rtpPacket(_ sequence: UInt16, ts: UInt32, marker: Bool = false, payload: [UInt8] = [0], ssrc: UInt32 = 0x1234,
               payloadType: UInt8 = 96) -> RTPPacket {
    RTPPacket(marker: marker, payloadType: payloadType, sequenceNumber: sequence, timestamp: ts, ssrc: ssrc,
              payload: ByteBuffer(bytes: payload))
}

/// A deterministic generator for the tests' random numbers.
struct TestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
