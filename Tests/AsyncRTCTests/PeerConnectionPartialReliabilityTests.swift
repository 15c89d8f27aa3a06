@_spi(Testing) import AsyncRTC
import Foundation
import Synchronization
import Testing

/// Issue 7, R3 and the peer-connection half of R4: partially reliable data channels (RFC 8831 §6.1, PR-SCTP
/// RFC 3758) and DCEP (RFC 8832) over a lossy, slow link, two RTCPeerConnections in one process over loopback UDP
/// with the seeded impairment layer under both sides' sockets. SCTP needs real time here, and the machine is
/// shared: every check compares what was delivered with what was sent, never how long it took (the time limits
/// only catch hangs).
@Suite(.serialized) struct PeerConnectionPartialReliabilityTests {
    typealias Reliability = PeerConnectionReliabilityTests

    /// Offer/answer with `profile` applied to each side as soon as its transport exists, so ICE, DTLS, the SCTP
    /// handshake and every DCEP exchange run through the impaired link. Returns once both sides are connected.
    static func negotiate(_ a: RTCPeerConnection, _ b: RTCPeerConnection, impairment profile: String,
                          timeout: Double = 60) async throws {
        try await a.setLocalDescription()
        try await a.setImpairment(profile)
        try await b.setRemoteDescription(try #require(a.localDescription))
        try await b.setLocalDescription()
        try await b.setImpairment(profile)
        try await a.setRemoteDescription(try #require(b.localDescription))
        try await Reliability.waitUntil(timeout, "connected under \(profile)") {
            a.connectionState == .connected && b.connectionState == .connected
        }
    }

    /// Counts, per one-second send window, the messages received on a channel. Every message starts with its
    /// window (UInt16) and a per-channel sequence number (UInt32); duplicates would count twice, so they are
    /// recorded separately (SCTP must not deliver any).
    final class WindowCounter: Sendable {
        let state = Mutex((perWindow: [Int: Int](), seen: Set<UInt32>(), duplicates: 0, malformed: 0))

        func attach(_ channel: RTCDataChannel) {
            channel.onMessage = { message in
                guard case .binary(let bytes) = message, bytes.count >= 6 else {
                    self.state.withLock { $0.malformed += 1 }
                    return
                }
                let window = Int(bytes[0]) << 8 | Int(bytes[1])
                let sequence = bytes[2..<6].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                self.state.withLock {
                    if $0.seen.insert(sequence).inserted {
                        $0.perWindow[window, default: 0] += 1
                    } else {
                        $0.duplicates += 1
                    }
                }
            }
        }

        var perWindow: [Int: Int] { state.withLock { $0.perWindow } }
        var total: Int { state.withLock { $0.seen.count } }
        var duplicates: Int { state.withLock { $0.duplicates } }
        var malformed: Int { state.withLock { $0.malformed } }
    }

    /// `ASYNCRTC_R3_SECONDS` lengthens the streaming phase (default 8 s; the nightly runs longer).
    static var streamingSeconds: Int {
        ProcessInfo.processInfo.environment["ASYNCRTC_R3_SECONDS"].flatMap(Int.init) ?? 8
    }

    // MARK: R3

    @Test(.timeLimit(.minutes(4)))
    func partiallyReliableChannelsDeliverMostOfEverySecondUnderLossAndDelay() async throws {
        let configuration = Reliability.configuration
        let a = RTCPeerConnection(configuration: configuration)
        let b = RTCPeerConnection(configuration: configuration)
        let remote = Mutex<[String: RTCDataChannel]>([:])
        let counters = ["unordered-rtx0": WindowCounter(), "ordered-rtx0": WindowCounter(), "lifetime": WindowCounter()]
        b.onDataChannel = { channel in
            counters[channel.label]?.attach(channel)
            remote.withLock { $0[channel.label] = channel }
        }
        // Three partially reliable channels, negotiated in-band by DCEP once the association is up.
        let channels = [
            try a.createDataChannel("unordered-rtx0", ordered: false, maxRetransmits: 0),
            try a.createDataChannel("ordered-rtx0", ordered: true, maxRetransmits: 0),
            try a.createDataChannel("lifetime", ordered: false, maxPacketLifeTime: 500),
        ]
        let lossy = "loss=0.06,delay=100ms,seed=31"
        try await Self.negotiate(a, b, impairment: lossy)
        try await Reliability.waitUntil(60, "three channels open on both sides") {
            channels.allSatisfy { $0.readyState == .open } && remote.withLock { $0.count } == 3
        }
        // DCEP (RFC 8832 §5) is reliable and ordered whatever the channel's own reliability: the remote side
        // learnt each channel's exact parameters despite the loss.
        let remotes = remote.withLock { $0 }
        let unordered = try #require(remotes["unordered-rtx0"]), ordered = try #require(remotes["ordered-rtx0"])
        let lifetime = try #require(remotes["lifetime"])
        #expect(!unordered.ordered && unordered.maxRetransmits == 0 && unordered.maxPacketLifeTime == nil)
        #expect(ordered.ordered && ordered.maxRetransmits == 0)
        #expect(!lifetime.ordered && lifetime.maxPacketLifeTime == 500 && lifetime.maxRetransmits == nil)

        // Every 20 ms, one 200-byte message per channel, tagged with the 1 s window it was sent in.
        let start = ContinuousClock.now
        var sent = [String: [Int: Int]]()
        var sequence: UInt32 = 0
        while ContinuousClock.now - start < .seconds(Self.streamingSeconds) {
            let window = Int((ContinuousClock.now - start) / .seconds(1))
            for channel in channels {
                sequence &+= 1
                var message = [UInt8(window >> 8 & 0xFF), UInt8(window & 0xFF)]
                message += [UInt8(sequence >> 24), UInt8(sequence >> 16 & 0xFF), UInt8(sequence >> 8 & 0xFF), UInt8(sequence & 0xFF)]
                message += [UInt8](repeating: UInt8(truncatingIfNeeded: sequence), count: 194)
                try channel.send(message)
                sent[channel.label, default: [:]][window, default: 0] += 1
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        // Let the last window's messages cross (100 ms one way) and any late retransmission land; then compare
        // per window. An abandoned message never arrives, so waiting longer changes nothing.
        let totalSent = sent.values.reduce(0) { $0 + $1.values.reduce(0, +) }
        try? await Reliability.waitUntil(10, "all delivered") { counters.values.reduce(0) { $0 + $1.total } >= totalSent }

        var judged = 0
        for (label, windows) in sent.sorted(by: { $0.key < $1.key }) {
            let counter = try #require(counters[label])
            #expect(counter.duplicates == 0 && counter.malformed == 0, "\(label)")
            let received = counter.perWindow
            for (window, count) in windows.sorted(by: { $0.key < $1.key }) {
                // A window with few messages (the last, partial one; a stalled scheduler) is no sample of the loss.
                guard count >= 20 else { continue }
                judged += 1
                let got = received[window, default: 0]
                #expect(got <= count, "\(label) window \(window): \(got) received of \(count) sent")
                #expect(Double(got) >= 0.8 * Double(count), "\(label) window \(window): \(got) of \(count) delivered")
            }
            let delivered = counter.total, total = windows.values.reduce(0, +)
            print("R3 \(label): \(delivered) of \(total) delivered (\(String(format: "%.1f", 100 * Double(delivered) / Double(total))) %)")
        }
        #expect(judged >= 3 * (Self.streamingSeconds - 2), "too few full windows to judge: \(judged)")
        // The loss really happened, and the partially reliable channels did not turn it into a stall: no channel
        // lost its association.
        #expect(counters.values.reduce(0) { $0 + $1.total } < totalSent, "6 % loss dropped nothing")
        #expect(channels.allSatisfy { $0.readyState == .open })
        #expect(a.connectionState == .connected && b.connectionState == .connected)

        // DCEP stays reliable mid-session: ten more unreliable channels opened under the same loss all open, on
        // both sides, with the right parameters.
        let more = try (0..<10).map { try a.createDataChannel("more-\($0)", ordered: false, maxRetransmits: 0) }
        try await Reliability.waitUntil(60, "ten more channels open") {
            more.allSatisfy { $0.readyState == .open } && remote.withLock { $0.count } == 13
        }
        #expect(remote.withLock { $0.values.filter { $0.label.hasPrefix("more-") }.allSatisfy { $0.maxRetransmits == 0 && !$0.ordered } })
        await a.close()
        await b.close()
    }

    // MARK: R4 (peer connection half; the COOKIE-ECHO / COOKIE-ACK drops are in RTCTransportTests)

    @Test(.timeLimit(.minutes(3)))
    func aChannelOpensAndCarriesMessagesUnderTwentyFivePercentLoss() async throws {
        let configuration = Reliability.configuration
        let a = RTCPeerConnection(configuration: configuration)
        let b = RTCPeerConnection(configuration: configuration)
        let remote = Mutex<RTCDataChannel?>(nil)
        let inbox = Reliability.Recorder<RTCDataChannelMessage>()
        b.onDataChannel = { channel in
            channel.onMessage = { inbox.add($0) }
            remote.withLock { $0 = channel }
        }
        let channel = try a.createDataChannel("lossy")
        // Everything — ICE checks, the DTLS flights, INIT / COOKIE, DCEP OPEN / ACK — crosses a 25 % loss link.
        try await Self.negotiate(a, b, impairment: "loss=0.25,seed=41", timeout: 90)
        try await Reliability.waitUntil(90, "channel open on both sides") {
            channel.readyState == .open && remote.withLock { $0?.readyState == .open }
        }
        #expect(remote.withLock { $0?.label } == "lossy")
        let messages = (0..<20).map { "message \($0)" }
        for m in messages { try channel.send(m) }
        try await Reliability.waitUntil(90, "20 reliable messages") { inbox.all.count >= messages.count }
        #expect(inbox.all == messages.map { .text($0) })
        await a.close()
        await b.close()
    }
}
