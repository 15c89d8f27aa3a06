import RTCTransport
import Testing

@Suite struct ICEPriorityTests {
    @Test func candidatePriorityFollowsTheFormula() {
        // A single-homed host candidate for RTP: 126 << 24 | 65535 << 8 | 255.
        #expect(ICEPriority.candidate(type: .host, localPreference: 65535) == 2_130_706_431)
        // The same for RTCP (component 2).
        #expect(ICEPriority.candidate(type: .host, localPreference: 65535, component: 2) == 2_130_706_430)
        #expect(ICEPriority.candidate(type: .serverReflexive, localPreference: 65535) == 1_694_498_815)
        #expect(ICEPriority.candidate(type: .peerReflexive, localPreference: 65535) == 1_862_270_975)
        #expect(ICEPriority.candidate(type: .relayed, localPreference: 65535) == 16_777_215)
    }

    @Test func typeOrderIsHostPrflxSrflxRelay() {
        let p = ICECandidateType.allCases.map { ($0, ICEPriority.candidate(type: $0, localPreference: 0)) }
        let ordered = p.sorted { $0.1 > $1.1 }.map(\.0)
        #expect(ordered == [.host, .peerReflexive, .serverReflexive, .relayed])
    }

    @Test func pairPriorityIsSymmetricBetweenAgents() {
        let g: UInt32 = 2_130_706_431, d: UInt32 = 1_694_498_815
        let fromControlling = ICEPriority.pair(controlling: g, controlled: d)
        #expect(fromControlling == (UInt64(d) << 32) + 2 * UInt64(g) + 1)
        #expect(ICEPriority.pair(controlling: d, controlled: g) == (UInt64(d) << 32) + 2 * UInt64(g))
        // The largest priority a conforming agent can use (type preference 126 is the maximum, < 2^31) fits...
        let top = ICEPriority.candidate(type: .host, localPreference: .max)
        #expect(ICEPriority.pair(controlling: top, controlled: top) == (UInt64(top) << 32) + 2 * UInt64(top))
        // ...and hostile 32-bit priorities from a remote description wrap instead of trapping.
        #expect(ICEPriority.pair(controlling: .max, controlled: .max) == (UInt64(UInt32.max) << 32) &+ 2 &* UInt64(UInt32.max))
    }
}
