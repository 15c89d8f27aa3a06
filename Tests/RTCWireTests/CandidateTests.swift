import FuzzSupport
import RTCWire
import Testing

@Suite("ICE candidate lines")
struct CandidateTests {
    @Test func chromiumTrickledCandidatesRoundTrip() throws {
        let lines = try SDPFixtures.candidateLines()
        #expect(!lines.isEmpty)
        for line in lines {
            let candidate = try ICECandidate(parsing: line)
            #expect(candidate.description == line)
            #expect(candidate.address.hasSuffix(".local"))
            #expect(candidate.ufrag != nil && candidate.generation == 0 && candidate.networkCost == 999)
            #expect(FuzzChecks.candidate(Array(line.utf8)) == .accepted)
        }
    }

    @Test("candidates in the real descriptions round-trip exactly", arguments: SDPFixtures.realNames)
    func descriptionCandidates(name: String) throws {
        let sdp = try SessionDescription(parsing: try SDPFixtures.text(name))
        for section in sdp.media {
            let raw = section.attributes(named: "candidate")
            #expect(raw.count == section.candidates.count)
            for (attribute, candidate) in zip(raw, section.candidates) {
                #expect(candidate.attributeValue == attribute.value)
                #expect(try ICECandidate(parsing: "candidate:" + (attribute.value ?? "")) == candidate)
                #expect(candidate.component == 1 && candidate.transportProtocol == .udp)
            }
        }
    }

    @Test func ipv6Host() throws {
        let line = "candidate:9e0de3a8dbc4cc5c2dac68944efbcbe1 1 udp 2130706431 fd00:64::3 35515 typ host"
        let candidate = try ICECandidate(parsing: line)
        #expect(candidate == ICECandidate(foundation: "9e0de3a8dbc4cc5c2dac68944efbcbe1", component: 1,
                                          transport: "udp", priority: 2130706431, address: "fd00:64::3",
                                          port: 35515, type: .host))
        #expect(candidate.description == line)
        #expect(candidate.attributeValue == String(line.dropFirst("candidate:".count)))
    }

    @Test func prefixIsOptional() throws {
        let without = try ICECandidate(parsing: "1 2 UDP 2122252543 192.168.1.2 5000 typ host")
        #expect(without.component == 2)
        #expect(without.transport == "UDP" && without.transportProtocol == .udp)
        #expect(without.description == "candidate:1 2 UDP 2122252543 192.168.1.2 5000 typ host")
        #expect(try ICECandidate(parsing: without.description) == without)
    }

    @Test func tcpWithTCPType() throws {
        let line = "candidate:3 1 tcp 1518280447 2001:db8::1 9 typ host tcptype active generation 0 ufrag ab+/ network-id 2"
        let candidate = try ICECandidate(parsing: line)
        #expect(candidate.transportProtocol == .tcp)
        #expect(candidate.tcpType == .active && candidate.port == 9)
        #expect(candidate.generation == 0 && candidate.ufrag == "ab+/" && candidate.networkID == 2)
        #expect(candidate.networkCost == nil)
        #expect(candidate.description == line)
        let so = try ICECandidate(parsing: "candidate:4 1 TCP 1 10.0.0.1 50000 typ srflx raddr 0.0.0.0 rport 0 tcptype so")
        #expect(so.tcpType == .so && so.transportProtocol == .tcp)
    }

    @Test func serverReflexiveAndRelay() throws {
        let srflx = "candidate:842163049 1 udp 1677729535 203.0.113.7 61665 typ srflx raddr 10.0.0.2 rport 54400 generation 0 ufrag EsAw network-id 1 network-cost 10"
        let candidate = try ICECandidate(parsing: srflx)
        #expect(candidate.type == .srflx)
        #expect(candidate.relatedAddress == "10.0.0.2" && candidate.relatedPort == 54400)
        #expect(candidate.networkID == 1 && candidate.networkCost == 10)
        #expect(candidate.description == srflx)
        let relay = try ICECandidate(parsing: "candidate:5 1 udp 41885439 198.51.100.1 3478 typ relay raddr 203.0.113.7 rport 61665")
        #expect(relay.type == .relay && relay.relatedPort == 61665)
        let prflx = try ICECandidate(parsing: "candidate:6 1 udp 1845501695 198.51.100.9 1000 typ prflx")
        #expect(prflx.type == .prflx)
    }

    @Test func mdnsHostName() throws {
        let line = "candidate:1793957097 1 udp 2113937151 62a815e8-4cae-4cd0-bd9b-df14699162f1.local 57841 typ host generation 0 network-cost 999"
        let candidate = try ICECandidate(parsing: line)
        #expect(candidate.address == "62a815e8-4cae-4cd0-bd9b-df14699162f1.local")
        #expect(candidate.description == line)
    }

    @Test func unknownExtensionsKeepTheirOrder() throws {
        let line = "candidate:1 1 udp 1 10.0.0.1 1 typ host x-first 1 generation 3 x-second two ufrag u"
        var candidate = try ICECandidate(parsing: line)
        #expect(candidate.extensions.map(\.name) == ["x-first", "generation", "x-second", "ufrag"])
        #expect(candidate[extension: "x-second"] == "two")
        #expect(candidate.description == line)
        candidate.generation = 4
        candidate.networkCost = 50
        candidate.ufrag = nil
        candidate.tcpType = .passive
        #expect(candidate.description
                == "candidate:1 1 udp 1 10.0.0.1 1 typ host x-first 1 generation 4 x-second two network-cost 50 tcptype passive")
    }

    @Test func runsOfSpacesAreAccepted() throws {
        let candidate = try ICECandidate(parsing: "candidate:1  1 udp 1 10.0.0.1 1 typ host ")
        #expect(candidate.description == "candidate:1 1 udp 1 10.0.0.1 1 typ host")
    }

    @Test func rejectsMalformedLines() {
        func code(_ line: String) -> WireError.Code? {
            do {
                _ = try ICECandidate(parsing: line)
                return nil
            } catch {
                #expect(error.layer == .sdp)
                return error.code
            }
        }
        #expect(code("") == .truncated)
        #expect(code("candidate:") == .truncated)
        #expect(code("candidate:1 1 udp 1 10.0.0.1 1 typ") == .truncated)
        #expect(code("candidate:1 0 udp 1 10.0.0.1 1 typ host") == .malformed)
        #expect(code("candidate:1 257 udp 1 10.0.0.1 1 typ host") == .malformed)
        #expect(code("candidate:1 1 udp 4294967296 10.0.0.1 1 typ host") == .malformed)
        #expect(code("candidate:1 1 udp -1 10.0.0.1 1 typ host") == .malformed)
        #expect(code("candidate:1 1 udp 1 10.0.0.1 65536 typ host") == .malformed)
        #expect(code("candidate:1 1 udp 1 10.0.0.1 1 type host") == .malformed)
        #expect(code("candidate:1 1 udp 1 10.0.0.1 1 typ HOST") == .unsupported)
        #expect(code("candidate:1 1 udp 1 10.0.0.1 1 typ host generation") == .malformed)
        #expect(code("candidate:1 1 udp 1 10.0.0.1 1 typ host generation x") == .malformed)
        #expect(code("candidate:1 1 tcp 1 10.0.0.1 1 typ host tcptype both") == .malformed)
        #expect(code("candidate:1 1 udp 1 10.0.0.1 1 typ srflx raddr 1.2.3.4 rport x") == .malformed)
        #expect(code("candidate:1 1 udp 1 10.0.0.1 1 typ host network-cost 99999999999") == .malformed)
    }

    @Test func corpusReplay() throws {
        try CorpusReplay.replay("Candidate", FuzzChecks.candidate)
    }
}
