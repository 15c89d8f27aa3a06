import Foundation
import FuzzSupport
import RTCWire
import Testing

@Suite("RTP fuzz corpus")
struct RTPFuzzCorpusTests {
    @Test("every corpus input keeps the RTP invariants")
    func replay() throws {
        try CorpusReplay.replay("RTP", FuzzChecks.rtp)
    }

    @Test("the check accepts a valid packet and rejects garbage")
    func outcomes() {
        #expect(FuzzChecks.rtp(rtpHex("90 60 0001 00000001 00000002 bede 0001 10aa0000 ff")) == .accepted)
        #expect(FuzzChecks.rtp([0x80]) == .rejected(WireError(.rtp, .truncated, "")))
    }
}
