import FuzzSupport
import RTCWire
import Testing

@Suite("RTCP fuzz corpus")
struct RTCPFuzzCorpusTests {
    @Test("every corpus input keeps the RTCP invariants")
    func replay() throws {
        try CorpusReplay.replay("RTCP", FuzzChecks.rtcp)
    }

    @Test("the check accepts a valid packet and rejects garbage")
    func outcomes() {
        #expect(FuzzChecks.rtcp(RTCPFeedbackTests.twcc) == .accepted)
        #expect(FuzzChecks.rtcp([0x80, 0xC9, 0x00, 0x09]) == .rejected(WireError(.rtcp, .truncated, "")))
    }
}
