import RTCTransport
import Testing

@Suite struct SCTPPacketFilterTests {
    /// Common header 5000 → 5000, verification tag 0, checksum 0 (the filter does not check it).
    static let header: [UInt8] = [0x13, 0x88, 0x13, 0x88, 0, 0, 0, 0, 0, 0, 0, 0]

    /// An INIT chunk (RFC 9260 §3.3.2) carrying `parameters` after its 16 fixed bytes.
    static func initChunk(_ parameters: [UInt8], declaredLength: Int? = nil) -> [UInt8] {
        let fixed: [UInt8] = [0, 0, 0, 1, 0, 1, 0, 0, 0, 10, 0, 10, 0, 0, 0, 1]
        let length = declaredLength ?? (4 + fixed.count + parameters.count)
        return [1, 0, UInt8(length >> 8), UInt8(length & 0xFF)] + fixed + parameters
    }

    @Test func wellFormedPacketsPass() {
        // INIT with a Supported Extensions parameter (type 0x8008, length 6, padded to 8).
        #expect(SCTPPacketFilter.isAcceptable(Self.header + Self.initChunk([0x80, 0x08, 0, 6, 0x82, 0xC0, 0, 0])))
        // A DATA chunk and a SACK, the last one unpadded.
        let data: [UInt8] = [0, 3, 0, 17] + [UInt8](repeating: 0, count: 12) + [0x41, 0, 0, 0]
        let sack: [UInt8] = [3, 0, 0, 16] + [UInt8](repeating: 0, count: 12)
        #expect(SCTPPacketFilter.isAcceptable(Self.header + data + sack))
        // ABORT with no causes.
        #expect(SCTPPacketFilter.isAcceptable(Self.header + [6, 0, 0, 4]))
    }

    @Test func malformedPacketsAreRefused() {
        // A parameter of length 0 inside an INIT: the shape that made usrsctp spin.
        #expect(!SCTPPacketFilter.isAcceptable(Self.header + Self.initChunk([0x80, 0x08, 0, 0, 0, 0, 0, 0])))
        // A parameter running past its chunk.
        #expect(!SCTPPacketFilter.isAcceptable(Self.header + Self.initChunk([0x80, 0x08, 0, 40, 0, 0, 0, 0])))
        // An INIT too short for its fixed part.
        #expect(!SCTPPacketFilter.isAcceptable(Self.header + [1, 0, 0, 8, 0, 0, 0, 0]))
        // A chunk length below the chunk header, or past the packet.
        #expect(!SCTPPacketFilter.isAcceptable(Self.header + [0, 0, 0, 2]))
        #expect(!SCTPPacketFilter.isAcceptable(Self.header + [0, 0, 0, 200, 1, 2, 3, 4]))
        // An ERROR chunk whose cause is shorter than its own header.
        #expect(!SCTPPacketFilter.isAcceptable(Self.header + [9, 0, 0, 8, 0, 1, 0, 2]))
        // Too short to be SCTP at all, or three stray bytes after a chunk.
        #expect(!SCTPPacketFilter.isAcceptable(Array(Self.header.prefix(11))))
        #expect(!SCTPPacketFilter.isAcceptable(Self.header + [6, 0, 0, 4, 1, 2, 3]))
    }

    @Test func randomBytesNeverTrap() {
        var generator = SeededRandom(seed: 5)
        for length in 0..<600 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = SCTPPacketFilter.isAcceptable(bytes)
        }
    }
}
