import NIOCore
import RTCCrypto
import RTCTransport
import Testing

/// An RTP packet (RFC 3550 §5.1): V=2, payload type 111, the given sequence number, and a recognisable payload.
func rtpPacket(sequence: UInt16, ssrc: UInt32 = 0x1234_5678, payloadLength: Int = 160) -> [UInt8] {
    var packet: [UInt8] = [0x80, 111, UInt8(sequence >> 8), UInt8(sequence & 0xFF)]
    let timestamp = UInt32(sequence) &* 960
    packet += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: timestamp >> $0) }
    packet += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: ssrc >> $0) }
    packet += (0..<payloadLength).map { UInt8(truncatingIfNeeded: $0 &+ Int(sequence)) }
    return packet
}

/// An RTCP receiver report without report blocks (RFC 3550 §6.4.2), followed by an SDES-less padding word.
func rtcpReceiverReport(ssrc: UInt32 = 0x1234_5678) -> [UInt8] {
    [0x80, 201, 0x00, 0x01] + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: ssrc >> $0) }
}

func keys(_ profile: SRTPProtectionProfile, seed: UInt8 = 1) -> (key: [UInt8], salt: [UInt8]) {
    ((0..<profile.keyLength).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) },
     (0..<profile.saltLength).map { UInt8(truncatingIfNeeded: $0 &* 17 &+ Int(seed) &+ 100) })
}

func sessionPair(_ profile: SRTPProtectionProfile) throws -> (sender: SRTPSession, receiver: SRTPSession) {
    let (key, salt) = keys(profile)
    return (try SRTPSession(profile: profile, masterKey: key, masterSalt: salt, direction: .outbound),
            try SRTPSession(profile: profile, masterKey: key, masterSalt: salt, direction: .inbound))
}

@Suite struct SRTPSessionTests {
    @Test(arguments: SRTPProtectionProfile.allCases)
    func rtpRoundTrips(profile: SRTPProtectionProfile) throws {
        let (sender, receiver) = try sessionPair(profile)
        for sequence in UInt16(0)..<200 {
            let plain = rtpPacket(sequence: sequence)
            var packet = plain
            try sender.protect(rtp: &packet)
            #expect(packet.count == plain.count + profile.rtpOverhead)
            #expect(Array(packet[0..<12]) == Array(plain[0..<12]), "the header stays in the clear")
            #expect(Array(packet[12..<plain.count]) != Array(plain[12...]), "the payload is encrypted")
            try receiver.unprotect(srtp: &packet)
            #expect(packet == plain)
        }
    }

    @Test(arguments: SRTPProtectionProfile.allCases)
    func rtpRoundTripsInAByteBuffer(profile: SRTPProtectionProfile) throws {
        let (sender, receiver) = try sessionPair(profile)
        let plain = rtpPacket(sequence: 7, payloadLength: 1000)
        var buffer = ByteBuffer()
        buffer.writeBytes([0xEE, 0xEE, 0xEE])  // the packet starts at a non-zero reader index
        buffer.writeBytes(plain)
        buffer.moveReaderIndex(forwardBy: 3)
        let copy = buffer  // protect must not write through shared storage
        try sender.protect(rtp: &buffer)
        #expect(buffer.readableBytes == plain.count + profile.rtpOverhead)
        #expect(copy.readableBytesView.elementsEqual(plain))
        try receiver.unprotect(srtp: &buffer)
        #expect(buffer.readableBytesView.elementsEqual(plain))
    }

    @Test(arguments: SRTPProtectionProfile.allCases)
    func rtcpRoundTrips(profile: SRTPProtectionProfile) throws {
        let (sender, receiver) = try sessionPair(profile)
        for _ in 0..<20 {
            let plain = rtcpReceiverReport()
            var packet = plain
            try sender.protectRTCP(&packet)
            #expect(packet.count == plain.count + profile.rtcpOverhead)
            try receiver.unprotectRTCP(&packet)
            #expect(packet == plain)

            var buffer = ByteBuffer(bytes: plain)
            try sender.protectRTCP(&buffer)
            #expect(buffer.readableBytes == plain.count + profile.rtcpOverhead)
            try receiver.unprotectRTCP(&buffer)
            #expect(buffer.readableBytesView.elementsEqual(plain))
        }
    }

    @Test(arguments: SRTPProtectionProfile.allCases)
    func replayedPacketIsRejected(profile: SRTPProtectionProfile) throws {
        let (sender, receiver) = try sessionPair(profile)
        var packet = rtpPacket(sequence: 1)
        try sender.protect(rtp: &packet)
        var first = packet, replay = packet
        try receiver.unprotect(srtp: &first)
        #expect(throws: SRTPError(.replayFailed, "")) { try receiver.unprotect(srtp: &replay) }

        var rtcp = rtcpReceiverReport()
        try sender.protectRTCP(&rtcp)
        var rtcpFirst = rtcp, rtcpReplay = rtcp
        try receiver.unprotectRTCP(&rtcpFirst)
        #expect(throws: SRTPError(.replayFailed, "")) { try receiver.unprotectRTCP(&rtcpReplay) }
    }

    @Test func replayWindowIs1024Packets() throws {
        let (sender, receiver) = try sessionPair(.aeadAes128Gcm)
        var protected: [UInt16: [UInt8]] = [:]
        for sequence in UInt16(0)...1100 {
            var packet = rtpPacket(sequence: sequence, payloadLength: 20)
            try sender.protect(rtp: &packet)
            protected[sequence] = packet
        }
        var newest = try #require(protected[1100])
        try receiver.unprotect(srtp: &newest)
        // 1000 behind the newest is inside a 1024 window (libsrtp's default of 128 would refuse it) ...
        var late = try #require(protected[100])
        try receiver.unprotect(srtp: &late)
        #expect(late == rtpPacket(sequence: 100, payloadLength: 20))
        // ... 1050 behind is not.
        var tooLate = try #require(protected[50])
        #expect(throws: SRTPError(.replayTooOld, "")) { try receiver.unprotect(srtp: &tooLate) }
    }

    @Test(arguments: SRTPProtectionProfile.allCases)
    func tamperedPacketIsRejected(profile: SRTPProtectionProfile) throws {
        let (sender, receiver) = try sessionPair(profile)
        var packet = rtpPacket(sequence: 9)
        try sender.protect(rtp: &packet)
        // A flipped bit in the payload, the tag, or the header each break authentication.
        for index in [20, packet.count - 1, 1] {
            var tampered = packet
            tampered[index] ^= 0x01
            #expect(throws: SRTPError(.authenticationFailed, "")) { try receiver.unprotect(srtp: &tampered) }
        }
        // The untouched packet still passes afterwards: failures do not advance the replay window.
        try receiver.unprotect(srtp: &packet)
        #expect(packet == rtpPacket(sequence: 9))

        var rtcp = rtcpReceiverReport()
        try sender.protectRTCP(&rtcp)
        rtcp[5] ^= 0x80
        #expect(throws: SRTPError(.authenticationFailed, "")) { try receiver.unprotectRTCP(&rtcp) }
    }

    @Test func aDifferentKeyCannotUnprotect() throws {
        let (sender, _) = try sessionPair(.aes128CmHmacSha1_80)
        let (key, salt) = keys(.aes128CmHmacSha1_80, seed: 2)
        let stranger = try SRTPSession(profile: .aes128CmHmacSha1_80, masterKey: key, masterSalt: salt, direction: .inbound)
        var packet = rtpPacket(sequence: 3)
        try sender.protect(rtp: &packet)
        #expect(throws: SRTPError(.authenticationFailed, "")) { try stranger.unprotect(srtp: &packet) }
    }

    @Test func keysOfTheWrongLengthAreRefused() {
        #expect(throws: SRTPError(.badParameter, "")) {
            try SRTPSession(profile: .aeadAes256Gcm, masterKey: [UInt8](repeating: 1, count: 16),
                            masterSalt: [UInt8](repeating: 2, count: 12), direction: .outbound)
        }
        #expect(throws: SRTPError(.badParameter, "")) {
            try SRTPSession(profile: .aes128CmHmacSha1_80, masterKey: [UInt8](repeating: 1, count: 16),
                            masterSalt: [UInt8](repeating: 2, count: 12), direction: .outbound)
        }
    }

    @Test func shortPacketsAreRefusedBeforeLibsrtpSeesThem() throws {
        let (sender, receiver) = try sessionPair(.aeadAes128Gcm)
        var short: [UInt8] = [0x80, 111, 0, 1]
        #expect(throws: SRTPError(.badParameter, "")) { try sender.protect(rtp: &short) }
        #expect(throws: SRTPError(.badParameter, "")) { try receiver.unprotect(srtp: &short) }
        #expect(throws: SRTPError(.badParameter, "")) { try receiver.unprotectRTCP(&short) }
        #expect(short == [0x80, 111, 0, 1])
    }

    @Test(arguments: SRTPProtectionProfile.allCases)
    func randomBytesNeverTrap(profile: SRTPProtectionProfile) throws {
        let (_, receiver) = try sessionPair(profile)
        var generator = SystemRandomNumberGenerator()
        for round in 0..<3000 {
            let length = Int.random(in: 0..<300, using: &generator)
            var packet = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if length > 0 { packet[0] = 0x80 | (packet[0] & 0x3F) }  // version 2, so libsrtp parses further
            if round % 2 == 0 {
                _ = try? receiver.unprotect(srtp: &packet)
            } else {
                _ = try? receiver.unprotectRTCP(&packet)
            }
        }
    }

    @Test(arguments: SRTPProtectionProfile.allCases)
    func dtlsKeysProtectOnOneSideAndUnprotectOnTheOther(profile: SRTPProtectionProfile) throws {
        var configuration = DTLSEngine.Configuration()
        configuration.srtpProfiles = [profile]
        let (client, server) = try connectedDTLSPair(configuration: configuration)
        let clientKeys = try client.exportSRTPKeyingMaterial()
        let serverKeys = try server.exportSRTPKeyingMaterial()
        #expect(clientKeys.profile == profile)
        #expect(clientKeys.localKeyAndSalt(role: .client) == serverKeys.remoteKeyAndSalt(role: .server))

        let clientOut = try SRTPSession(keyingMaterial: clientKeys, role: .client, direction: .outbound)
        let clientIn = try SRTPSession(keyingMaterial: clientKeys, role: .client, direction: .inbound)
        let serverOut = try SRTPSession(keyingMaterial: serverKeys, role: .server, direction: .outbound)
        let serverIn = try SRTPSession(keyingMaterial: serverKeys, role: .server, direction: .inbound)

        var media = rtpPacket(sequence: 1000)
        try clientOut.protect(rtp: &media)
        try serverIn.unprotect(srtp: &media)
        #expect(media == rtpPacket(sequence: 1000))

        var reply = rtpPacket(sequence: 5, ssrc: 0xCAFE_BABE)
        try serverOut.protect(rtp: &reply)
        try clientIn.unprotect(srtp: &reply)
        #expect(reply == rtpPacket(sequence: 5, ssrc: 0xCAFE_BABE))

        var report = rtcpReceiverReport(ssrc: 0xCAFE_BABE)
        try serverOut.protectRTCP(&report)
        try clientIn.unprotectRTCP(&report)
        #expect(report == rtcpReceiverReport(ssrc: 0xCAFE_BABE))

        // A packet protected with the client's key is not accepted as the server's.
        var misdirected = rtpPacket(sequence: 6)
        try clientOut.protect(rtp: &misdirected)
        #expect(throws: SRTPError(.authenticationFailed, "")) { try clientIn.unprotect(srtp: &misdirected) }
    }
}

/// Runs a DTLS 1.2 handshake between two in-memory engines with fresh ECDSA P-256 certificates.
func connectedDTLSPair(configuration: DTLSEngine.Configuration) throws -> (client: DTLSEngine, server: DTLSEngine) {
    let clientCertificate = try DTLSCertificate.generate(), serverCertificate = try DTLSCertificate.generate()
    let client = try DTLSEngine(role: .client, certificate: clientCertificate,
                                remoteFingerprints: [serverCertificate.fingerprint()], configuration: configuration)
    let server = try DTLSEngine(role: .server, certificate: serverCertificate,
                                remoteFingerprints: [clientCertificate.fingerprint()], configuration: configuration)
    var toServer = try client.start()
    for _ in 0..<10 where !toServer.isEmpty {
        var toClient: [[UInt8]] = []
        for datagram in toServer {
            #expect(datagram.count <= 1200)
            toClient += try server.receive(datagram).datagrams
        }
        toServer = []
        for datagram in toClient {
            #expect(datagram.count <= 1200)
            toServer += try client.receive(datagram).datagrams
        }
    }
    #expect(client.state == .connected && server.state == .connected)
    return (client, server)
}
