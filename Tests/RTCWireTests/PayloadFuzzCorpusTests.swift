import FuzzSupport
import RTCWire
import Testing

@Suite("VP8 and VP9 fuzz corpora")
struct PayloadFuzzCorpusTests {
    @Test("every VP8 corpus input keeps the invariants")
    func replayVP8() throws {
        try CorpusReplay.replay("VP8", FuzzChecks.vp8)
    }

    @Test("every VP9 corpus input keeps the invariants")
    func replayVP9() throws {
        try CorpusReplay.replay("VP9", FuzzChecks.vp9)
    }

    @Test("the checks accept valid descriptors and reject garbage")
    func outcomes() {
        #expect(FuzzChecks.vp8([0x90, 0x80, 0x81, 0x00, 0x01]) == .accepted)
        #expect(FuzzChecks.vp8([0x80]) == .rejected(WireError(.vp8, .truncated, "")))
        #expect(FuzzChecks.vp9([0x8C, 0x80, 0x01, 0x01]) == .accepted)
        #expect(FuzzChecks.vp9([0x80]) == .rejected(WireError(.vp9, .truncated, "")))
        #expect(FuzzChecks.vp8([]) == .rejected(WireError(.vp8, .truncated, "")))
        #expect(FuzzChecks.vp9([]) == .rejected(WireError(.vp9, .truncated, "")))
    }
}
