import FuzzSupport
import RTCWire
import Testing

@Suite("SDP")
struct SDPTests {
    // MARK: Real descriptions

    @Test("real descriptions parse and serialize byte for byte", arguments: SDPFixtures.realNames)
    func realRoundTrip(name: String) throws {
        let text = try SDPFixtures.text(name)
        let description = try SessionDescription(parsing: text)
        #expect(description.text == text)
        #expect(try SessionDescription(parsing: description.text) == description)
        #expect(FuzzChecks.sdp(Array(text.utf8)) == .accepted)
    }

    @Test("\\n line endings parse to the same description and serialize with \\r\\n", arguments: SDPFixtures.realNames)
    func bareNewlines(name: String) throws {
        let text = try SDPFixtures.text(name)
        let bare = text.replacingOccurrences(of: "\r\n", with: "\n")
        let description = try SessionDescription(parsing: bare)
        #expect(description == (try SessionDescription(parsing: text)))
        #expect(description.text == text)
    }

    @Test func chromiumAudioVideoOffer() throws {
        let sdp = try SessionDescription(parsing: try SDPFixtures.text("chromium_av_data_offer"))
        #expect(sdp.version == 0)
        #expect(sdp.origin == SDPOrigin(username: "-", sessionID: "1485390981623399083", sessionVersion: 2,
                                        networkType: "IN", addressType: "IP4", address: "127.0.0.1"))
        #expect(sdp.sessionName == "-")
        #expect(sdp.timing == [SDPTiming(start: 0, stop: 0)])
        #expect(sdp.bundleGroup == SDPGroup(semantics: "BUNDLE", mids: ["0", "1", "2"]))
        #expect(sdp.msidSemantics == [SDPMsidSemantic(semantic: "WMS", identifiers: [])])
        #expect(sdp.hasAttribute(named: "extmap-allow-mixed"))
        #expect(sdp.media.map(\.kind) == ["audio", "video", "application"])
        #expect(sdp.media.map(\.mid) == ["0", "1", "2"])

        let audio = sdp.media[0]
        #expect(audio.port == 9 && audio.proto == "UDP/TLS/RTP/SAVPF")
        #expect(audio.formats == ["111", "63", "9", "0", "8", "13", "110", "126"])
        #expect(audio.connection == SDPConnection(networkType: "IN", addressType: "IP4", address: "0.0.0.0"))
        #expect(audio.rtpMaps.first == SDPRtpMap(payloadType: 111, encodingName: "opus", clockRate: 48000,
                                                 encodingParameters: "2"))
        #expect(audio.rtpMaps.map(\.payloadType) == [111, 63, 9, 0, 8, 13, 110, 126])
        #expect(audio.formatParameters.first { $0.format == "111" }?["useinbandfec"] == "1")
        #expect(audio.formatParameters.first { $0.format == "111" }?["minptime"] == "10")
        #expect(audio.formatParameters.first { $0.format == "63" }?.parameters == [.init(name: "111/111")])
        #expect(audio.rtcpFeedback == [SDPRtcpFeedback(payloadType: "111", type: "transport-cc")])
        #expect(audio.extensionMaps.map(\.id) == [1, 2, 3, 4])
        #expect(audio.extensionMaps.first { $0.id == 4 }?.uri == "urn:ietf:params:rtp-hdrext:sdes:mid")
        #expect(audio.direction == .sendrecv)
        #expect(audio.rtcpMux && audio.rtcpReducedSize)
        #expect(audio.setup == .actpass)
        #expect(audio.iceUfrag == "KL90")
        #expect(audio.icePwd == "/LoXYxsLxweg6VFnnoIjPHDA")
        #expect(audio.iceOptions == ["trickle"])
        let fingerprint = try #require(audio.fingerprints.first)
        #expect(fingerprint.hashFunction == "sha-256")
        #expect(fingerprint.bytes.count == 32)
        #expect(fingerprint.bytes.prefix(3) == [0x8D, 0x70, 0x81])
        #expect(fingerprint.hex == "8D:70:81:78:4B:B0:67:77:B9:23:0A:ED:CC:9A:1B:53:5C:A2:87:07:41:22:5D:2E:F7:58:61:FE:C0:96:95:7F")
        #expect(audio.msids == [SDPMsid(streamID: "-", trackID: "6ba5db4a-9825-4d38-a054-c77235b206b0")])
        #expect(audio.ssrcs.map(\.ssrc) == [3696185006, 3696185006])
        #expect(audio.ssrcs.first?.attribute == "cname" && audio.ssrcs.first?.value == "oaHto2lw84G/oFPd")
        let candidate = try #require(audio.candidates.first)
        #expect(candidate.address == "62a815e8-4cae-4cd0-bd9b-df14699162f1.local")
        #expect(candidate.port == 57841 && candidate.type == .host && candidate.priority == 2113937151)
        #expect(candidate.generation == 0 && candidate.networkCost == 999)
        #expect(audio.attributeValue(named: "rtcp") == "9 IN IP4 0.0.0.0")

        let video = sdp.media[1]
        #expect(video.rtpMaps.first == SDPRtpMap(payloadType: 96, encodingName: "VP8", clockRate: 90000))
        #expect(video.formatParameters.first { $0.format == "97" }?["apt"] == "96")
        #expect(video.rtcpFeedback.filter { $0.payloadType == "96" }.map(\.attributeValue)
                == ["96 goog-remb", "96 transport-cc", "96 ccm fir", "96 nack", "96 nack pli"])
        #expect(video.extensionMaps.map(\.id) == [14, 2, 13, 3, 5, 6, 7, 8, 4, 10, 11])
        #expect(video.ssrcGroups == [SDPSsrcGroup(semantics: "FID", ssrcs: [4063068666, 1510804190])])
        #expect(Set(video.ssrcs.map(\.ssrc)) == [4063068666, 1510804190])

        let data = sdp.media[2]
        #expect(data.proto == "UDP/DTLS/SCTP" && data.formats == ["webrtc-datachannel"])
        #expect(data.sctpPort == 5000)
        #expect(data.maxMessageSize == 262144)
        #expect(data.direction == nil)
    }

    @Test func aiortcAudioVideoOffer() throws {
        let sdp = try SessionDescription(parsing: try SDPFixtures.text("aiortc_av_data_offer"))
        #expect(sdp.bundleGroup?.mids == ["0", "1", "2"])
        #expect(sdp.msidSemantics == [SDPMsidSemantic(semantic: "WMS", identifiers: ["*"])])
        #expect(sdp.media.map(\.mid) == ["0", "1", "2"])
        let audio = sdp.media[0]
        #expect(audio.port == 59753)
        #expect(audio.rtpMaps.map(\.attributeValue) == ["96 opus/48000/2", "9 G722/8000", "0 PCMU/8000", "8 PCMA/8000"])
        #expect(audio.extensionMaps == [
            SDPExtensionMap(id: 1, uri: "urn:ietf:params:rtp-hdrext:sdes:mid"),
            SDPExtensionMap(id: 2, uri: "urn:ietf:params:rtp-hdrext:ssrc-audio-level"),
        ])
        #expect(audio.endOfCandidates)
        #expect(audio.iceUfrag == "txDs" && audio.icePwd == "r0DpVDVbCECnmF906mpX74")
        #expect(audio.fingerprints.map(\.hashFunction) == ["sha-256", "sha-384", "sha-512"])
        #expect(audio.fingerprints.map(\.bytes.count) == [32, 48, 64])
        #expect(audio.fingerprints[0].hex.hasPrefix("9A:60:19:F2"))
        #expect(audio.candidates.map(\.address) == ["10.64.0.3", "fd00:64::3", "10.64.0.2", "fd00:64::2"])
        #expect(audio.candidates.allSatisfy { $0.port == 59753 || $0.type == .host })
        #expect(audio.candidates[1].foundation == "9e0de3a8dbc4cc5c2dac68944efbcbe1")
        let video = sdp.media[1]
        #expect(video.ssrcGroups == [SDPSsrcGroup(semantics: "FID", ssrcs: [3239479950, 3142716673])])
        #expect(video.formatParameters.first { $0.format == "99" }?["profile-level-id"] == "42001f")
        #expect(video.extensionMaps.map(\.id) == [1, 3])
        #expect(sdp.media[2].sctpPort == 5000 && sdp.media[2].maxMessageSize == 262144)
    }

    @Test func dataOnlyDescriptions() throws {
        let chromium = try SessionDescription(parsing: try SDPFixtures.text("chromium_data_offer"))
        #expect(chromium.bundleGroup?.mids == ["0"])
        #expect(chromium.media.count == 1)
        #expect(chromium.media[0].kind == "application" && chromium.media[0].sctpPort == 5000)
        #expect(chromium.media[0].maxMessageSize == 262144)
        #expect(chromium.media[0].iceUfrag == "W2Jb")

        let answer = try SessionDescription(parsing: try SDPFixtures.text("aiortc_data_answer"))
        #expect(answer.media.count == 1)
        #expect(answer.media[0].setup == .active)
        #expect(answer.media[0].sctpPort == 5000)
        #expect(answer.media[0].candidates.count == 4)
    }

    @Test func chromiumSimulcastOffer() throws {
        let sdp = try SessionDescription(parsing: try SDPFixtures.text("chromium_simulcast_offer"))
        let video = try #require(sdp.media.first)
        #expect(video.direction == .sendonly)
        #expect(video.rids == [SDPRid(id: "hi", direction: .send), SDPRid(id: "mid", direction: .send),
                               SDPRid(id: "lo", direction: .send)])
        #expect(video.simulcast == SDPSimulcast(send: [[.init(id: "hi")], [.init(id: "mid")], [.init(id: "lo")]]))
    }

    // MARK: Invalid and truncated variants

    @Test func invalidAndTruncatedVariants() throws {
        let variants = try SDPFixtures.variants()
        #expect(variants.count >= 8)
        for variant in variants {
            let text = try String(contentsOf: SDPFixtures.directory.appendingPathComponent(variant.file), encoding: .utf8)
            do {
                _ = try SessionDescription(parsing: text)
                Issue.record("\(variant.file) parsed")
            } catch {
                #expect(error.layer == .sdp, "\(variant.file)")
                #expect(error.code.name == variant.code, "\(variant.file): \(error)")
                #expect(error.reason.hasPrefix("line \(variant.line):"), "\(variant.file): \(error)")
            }
            #expect(FuzzChecks.sdp(Array(text.utf8)) != .accepted)
        }
    }

    @Test func everyPrefixOfARealDescriptionFailsCleanlyOrParses() throws {
        let text = try SDPFixtures.text("chromium_data_offer")
        let bytes = Array(text.utf8)
        for length in 0...bytes.count {
            if case .invariantBroken(let why) = FuzzChecks.sdp(Array(bytes[..<length])) {
                Issue.record("prefix \(length): \(why)")
            }
        }
    }

    // MARK: Hand-written descriptions

    static let minimal = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"

    @Test func unknownLinesAndAttributesSurviveInOrder() throws {
        let text = "v=0\r\no=alice 2890844526 2890842807 IN IP4 10.47.16.5\r\ns=SDP Seminar\r\n"
            + "i=A Seminar\r\nu=http://www.example.com/seminars/sdp.pdf\r\ne=j.doe@example.com (Jane Doe)\r\n"
            + "p=+1 617 555-6011\r\nc=IN IP4 224.2.17.12/127\r\nb=AS:2000\r\nt=2873397496 2873404696\r\n"
            + "r=7d 1h 0 25h\r\nt=0 0\r\nz=2882844526 -1h\r\nk=clear:x\r\ny=unknown letter\r\n"
            + "a=recvonly\r\na=x-vendor:1 2  3\r\na=weird name\r\na=empty:\r\n"
            + "m=audio 49170/2 RTP/AVP 0\r\ni=audio\r\nc=IN IP6 ff15::101/3\r\nb=TIAS:64000\r\nk=prompt\r\n"
            + "w=odd\r\na=zzz:one\r\na=rtpmap:0 PCMU/8000\r\na=zzz:two\r\n"
            + "m=video 0 RTP/AVP\r\n"
        let sdp = try SessionDescription(parsing: text)
        #expect(sdp.text == text)
        #expect(sdp.connection?.address == "224.2.17.12/127")
        #expect(sdp.bandwidths == [SDPBandwidth(type: "AS", bandwidth: 2000)])
        #expect(sdp.timing.count == 2 && sdp.timing[0].repeats == ["7d 1h 0 25h"])
        #expect(sdp.otherLines.map(\.description) == [
            "i=A Seminar", "u=http://www.example.com/seminars/sdp.pdf", "e=j.doe@example.com (Jane Doe)",
            "p=+1 617 555-6011", "z=2882844526 -1h", "k=clear:x", "y=unknown letter",
        ])
        #expect(sdp.attributes == [SDPAttribute(name: "recvonly"), SDPAttribute(name: "x-vendor", value: "1 2  3"),
                                   SDPAttribute(name: "weird name"), SDPAttribute(name: "empty", value: "")])
        #expect(sdp.direction == .recvonly)
        let audio = sdp.media[0]
        #expect(audio.numberOfPorts == 2)
        #expect(audio.connection?.addressType == "IP6")
        #expect(audio.otherLines.map(\.description) == ["i=audio", "k=prompt", "w=odd"])
        #expect(audio.attributes.map(\.text) == ["zzz:one", "rtpmap:0 PCMU/8000", "zzz:two"])
        #expect(sdp.media[1].formats.isEmpty && sdp.media[1].port == 0)
    }

    @Test func firefoxShapedOfferWithLegacySctpmap() throws {
        // Hand-written in the shape Firefox and pre-2019 browsers use (no capture of those here): extmap with a
        // direction, session-level ice-options, UDP in capitals, and the legacy DTLS/SCTP + sctpmap data section.
        let text = "v=0\r\no=mozilla...THIS_IS_SDPARTA-99.0 6006127326727624009 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
            + "a=fingerprint:sha-256 0A:0B\r\na=group:BUNDLE 0 1\r\na=ice-options:trickle\r\na=msid-semantic:WMS *\r\n"
            + "m=audio 9 UDP/TLS/RTP/SAVPF 109 101\r\nc=IN IP4 0.0.0.0\r\na=sendrecv\r\n"
            + "a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level\r\n"
            + "a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1\r\na=fmtp:101 0-15\r\n"
            + "a=ice-pwd:9f3d\r\na=ice-ufrag:a1b2\r\na=mid:0\r\na=msid:{7d6a} {a2c4}\r\na=rtcp-mux\r\n"
            + "a=rtpmap:109 opus/48000/2\r\na=rtpmap:101 telephone-event/8000\r\na=setup:actpass\r\n"
            + "a=ssrc:2655508255 cname:{735484ea}\r\n"
            + "a=candidate:0 1 UDP 2122252543 10.0.0.1 52534 typ host\r\na=end-of-candidates\r\n"
            + "m=application 9 DTLS/SCTP 5000\r\nc=IN IP4 0.0.0.0\r\nb=AS:30\r\na=mid:1\r\n"
            + "a=sctpmap:5000 webrtc-datachannel 256\r\na=bundle-only\r\na=ice-lite\r\n"
        let sdp = try SessionDescription(parsing: text)
        #expect(sdp.text == text)
        #expect(sdp.origin.username == "mozilla...THIS_IS_SDPARTA-99.0")
        #expect(sdp.fingerprints == [SDPFingerprint(hashFunction: "sha-256", bytes: [0x0A, 0x0B])])
        #expect(sdp.iceOptions == ["trickle"])
        let audio = sdp.media[0]
        #expect(audio.extensionMaps == [SDPExtensionMap(id: 2, direction: .recvonly,
                                                        uri: "urn:ietf:params:rtp-hdrext:csrc-audio-level")])
        #expect(audio.formatParameters[0]["stereo"] == "1")
        #expect(audio.msids == [SDPMsid(streamID: "{7d6a}", trackID: "{a2c4}")])
        #expect(audio.candidates.first?.transportProtocol == .udp)
        let data = sdp.media[1]
        #expect(data.sctpMaps == [SDPSctpMap(port: 5000, streams: 256)])
        #expect(data.sctpPort == nil && data.bandwidths == [SDPBandwidth(type: "AS", bandwidth: 30)])
        #expect(data.bundleOnly && data.iceLite)
    }

    @Test func rejectsBadStructure() {
        func code(_ text: String) -> String? {
            do {
                _ = try SessionDescription(parsing: text)
                return nil
            } catch {
                return error.code.name + " " + error.reason.prefix(while: { $0 != ":" })
            }
        }
        #expect(code("") == "truncated line 1")
        #expect(code("\r\n\n") == "truncated line 1")
        #expect(code("o=- 1 2 IN IP4 x\r\n") == "malformed line 1")
        #expect(code("v=0\r\n") == "truncated line 2")
        #expect(code("v=0\r\ns=-\r\n") == "malformed line 2")
        #expect(code("v=0\r\no=- 1 2 IN IP4\r\ns=-\r\n") == "malformed line 2")
        #expect(code("v=0\r\no=- 1 x IN IP4 h\r\ns=-\r\n") == "malformed line 2")
        #expect(code(Self.minimal + "c=IN IP4 0.0.0.0\r\n") == "malformed line 5")
        #expect(code(Self.minimal + "v=0\r\n") == "malformed line 5")
        #expect(code(Self.minimal + "r=1\r\n") == nil)
        #expect(code("v=0\r\no=- 1 2 IN IP4 h\r\ns=-\r\nr=1\r\n") == "malformed line 4")
        #expect(code(Self.minimal + "A=x\r\n") == "malformed line 5")
        #expect(code(Self.minimal + "a\r\n") == "malformed line 5")
        #expect(code(Self.minimal + "m=audio 9 RTP/AVP 0\r\na=x\r\nc=IN IP4 0.0.0.0\r\n") == "malformed line 7")
        #expect(code(Self.minimal + "m=audio 9 RTP/AVP 0\r\nc=IN IP4 a\r\nc=IN IP4 b\r\n") == "unsupported line 7")
        #expect(code(Self.minimal + "m=audio 65536 RTP/AVP 0\r\n") == "malformed line 5")
        #expect(code(Self.minimal + "m=audio 9 RTP/AVP  0\r\n") == "malformed line 5")
        #expect(code(Self.minimal + "m=audio 9\r\n") == "malformed line 5")
        #expect(code(Self.minimal + "m=audio 9 RTP/AVP 0\r\na=rtpmap:128 x/1\r\n") == "malformed line 6")
        #expect(code(Self.minimal + "m=audio 9 RTP/AVP 0\r\na=fingerprint:sha-256 AB:C\r\n") == "malformed line 6")
        #expect(code(Self.minimal + "m=audio 9 RTP/AVP 0\r\na=candidate:1 1 udp 1 h 1 typ\r\n") == "truncated line 6")
        #expect(code(Self.minimal + "m=audio 9 RTP/AVP 0\r\na=sctp-port:70000\r\n") == "malformed line 6")
        #expect(code(Self.minimal + "m=audio 9 RTP/AVP 0\r\na=extmap:1/both urn:x\r\n") == "malformed line 6")
        #expect(code(Self.minimal + "m=audio 9 RTP/AVP 0\r\na=mid\r\n") == "malformed line 6")
        #expect(code(Self.minimal + "m=audio 9 RTP/AVP 0\r\na=ssrc-group:FID 1 x\r\n") == "malformed line 6")
    }

    @Test func toleratesMissingFinalNewlineAndBlankLines() throws {
        let sdp = try SessionDescription(parsing: "v=0\no=- 1 2 IN IP4 h\n\ns=-\r\nt=0 0")
        #expect(sdp.text == "v=0\r\no=- 1 2 IN IP4 h\r\ns=-\r\nt=0 0\r\n")
    }

    @Test func buildsADescriptionFromScratch() throws {
        var audio = MediaDescription(kind: "audio", proto: "UDP/TLS/RTP/SAVPF", formats: ["111"],
                                     connection: SDPConnection())
        audio.mid = "0"
        audio.direction = .sendonly
        audio.rtcpMux = true
        audio.iceUfrag = "abcd"
        audio.icePwd = "0123456789abcdefghijkl"
        audio.append(SDPRtpMap(payloadType: 111, encodingName: "opus", clockRate: 48000, encodingParameters: "2"))
        audio.append(SDPFormatParameters(format: "111", parameters: [.init(name: "minptime", value: "10")]))
        audio.append(SDPFingerprint(hashFunction: "sha-256", bytes: [0xAB, 0x01]))
        audio.append(SDPSetupRole.actpass)
        audio.append(ICECandidate(foundation: "1", priority: 1, address: "10.0.0.1", port: 5000, type: .host))
        audio.endOfCandidates = true
        var sdp = SessionDescription(origin: SDPOrigin(sessionID: "42", sessionVersion: 1), media: [audio])
        sdp.append(SDPGroup(semantics: "BUNDLE", mids: ["0"]))
        let expected = "v=0\r\no=- 42 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
            + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\na=rtcp-mux\r\n"
            + "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl\r\na=rtpmap:111 opus/48000/2\r\n"
            + "a=fmtp:111 minptime=10\r\na=fingerprint:sha-256 AB:01\r\na=setup:actpass\r\n"
            + "a=candidate:1 1 udp 1 10.0.0.1 5000 typ host\r\na=end-of-candidates\r\n"
        #expect(sdp.text == expected)
        #expect(try SessionDescription(parsing: expected) == sdp)

        sdp.media[0].direction = .inactive
        sdp.media[0].mid = "audio"
        sdp.media[0].rtcpMux = false
        #expect(sdp.media[0].attributes.prefix(2).map(\.text) == ["mid:audio", "inactive"])
        #expect(!sdp.media[0].hasAttribute(named: "rtcp-mux"))
        sdp.media[0].direction = nil
        #expect(sdp.media[0].direction == nil)
    }

    @Test func typedAttributesRoundTrip() throws {
        func check<Value: SDPAttributeValue>(_ value: Value, _ text: String) throws {
            #expect(value.attributeValue == text)
            #expect(try Value(attributeValue: text) == value)
            try SDPAttribute(value).validate()
        }
        try check(SDPGroup(semantics: "LS", mids: ["a", "b"]), "LS a b")
        try check(SDPMsid(streamID: "s"), "s")
        try check(SDPMsidSemantic(semantic: "WMS", identifiers: ["a", "b"]), "WMS a b")
        try check(SDPRtpMap(payloadType: 0, encodingName: "PCMU", clockRate: 8000), "0 PCMU/8000")
        try check(SDPFormatParameters(format: "101", parameters: [.init(name: "0-15")]), "101 0-15")
        try check(SDPRtcpFeedback(payloadType: "*", type: "ccm", parameter: "fir"), "* ccm fir")
        try check(SDPExtensionMap(id: 2, direction: .sendonly, uri: "urn:x", extensionAttributes: "a b"),
                  "2/sendonly urn:x a b")
        try check(SDPSsrc(ssrc: 4294967295, attribute: "msid", value: "s t"), "4294967295 msid:s t")
        try check(SDPSsrc(ssrc: 1, attribute: "label"), "1 label")
        try check(SDPSsrcGroup(semantics: "SIM", ssrcs: [1, 2, 3]), "SIM 1 2 3")
        try check(SDPRid(id: "hi", direction: .recv, restrictions: "pt=96;max-width=1280"),
                  "hi recv pt=96;max-width=1280")
        try check(SDPSimulcast(send: [[.init(id: "a"), .init(id: "b", paused: true)], [.init(id: "c")]],
                               receive: [[.init(id: "d")]], receiveFirst: true), "recv d send a,~b;c")
        try check(SDPSetupRole.holdconn, "holdconn")
        try check(SDPFingerprint(hashFunction: "sha-1", bytes: [0, 0xFF]), "sha-1 00:FF")
        try check(SDPSctpMap(port: 5000, streams: 1024), "5000 webrtc-datachannel 1024")
        #expect(try SDPFingerprint(attributeValue: "SHA-256 ab:cD").bytes == [0xAB, 0xCD])
        #expect(try SDPFormatParameters(attributeValue: "111 a=1; b=2;;c").parameters
                == [.init(name: "a", value: "1"), .init(name: "b", value: "2"), .init(name: "c")])
        #expect(throws: WireError(.sdp, .malformed, "")) { try SDPSimulcast(attributeValue: "send a send b") }
        #expect(throws: WireError(.sdp, .malformed, "")) { try SDPSimulcast(attributeValue: "send ~") }
        #expect(throws: WireError(.sdp, .malformed, "")) { try SDPSetupRole(attributeValue: "ACTIVE") }
    }

    @Test func fuzzRegressions() {
        // Shapes that stress the byte-wise lexer: combining marks after separators, lone \r, odd UTF-8.
        let inputs = [
            Self.minimal + "a= \u{301}x\r\n",
            Self.minimal + "m=a\u{301} 9 p \u{301}f\r\na=fmtp:1 \u{301}=x; \u{301}\r\n",
            Self.minimal + "a=x\r\r\n",
            "v=0\ro=- 1 2 IN IP4 h\r\ns=-\r\n",
            Self.minimal + "m=audio 9 RTP/AVP 0\r\na=candidate:candidate:1 1 UDP 1 h 1 typ host raddr rport\r\n",
        ]
        for input in inputs {
            if case .invariantBroken(let why) = FuzzChecks.sdp(Array(input.utf8)) { Issue.record("\(why)") }
        }
        #expect(FuzzChecks.sdp([0xFF, 0xFE, 0x76, 0x3D, 0x30]) != .accepted)
    }

    @Test func separatorInsideAGraphemeKeepsEveryByte() throws {
        // U+0600 is a Unicode "Prepend" scalar: it and the following ":" form one Character, so slicing the String
        // by Characters would lose it.
        let text = Self.minimal + "a=x\u{600}:y\r\n"
        let sdp = try SessionDescription(parsing: text)
        #expect(sdp.attributes == [SDPAttribute(name: "x\u{600}", value: "y")])
        #expect(Array(sdp.text.utf8) == Array(text.utf8))
    }

    // MARK: Fuzz corpus

    @Test func corpusReplay() throws {
        try CorpusReplay.replay("SDP", FuzzChecks.sdp)
    }
}
