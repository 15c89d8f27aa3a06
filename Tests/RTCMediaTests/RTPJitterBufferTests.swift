import NIOCore
import RTCMedia
import RTCWire
import Testing

@Suite("Jitter buffer: video")
struct RTPJitterBufferVideoTests {
    /// Frame `n` has timestamp 3000·n and `count` packets whose payload bytes are [n, index].
    static func frame(_ n: Int, firstSequence: UInt16, count: Int, tsBase: UInt32 = 0) -> [RTPPacket] {
        (0..<count).map { index in
            rtpPacket(firstSequence &+ UInt16(index), ts: tsBase &+ UInt32(n) &* 3000, marker: index == count - 1,
                      payload: [UInt8(truncatingIfNeeded: n), UInt8(index)])
        }
    }

    static func bytes(_ frame: JitterBuffer.AssembledFrame) -> [[UInt8]] {
        frame.payloads.map { Array($0.readableBytesView) }
    }

    @Test("in-order packets make frames at each marker")
    func inOrder() {
        let buffer = JitterBuffer(clockRate: 90_000, kind: .video)
        var frames: [JitterBuffer.AssembledFrame] = []
        for n in 0..<5 {
            for (index, packet) in Self.frame(n, firstSequence: UInt16(n * 3), count: 3).enumerated() {
                let out = buffer.insert(packet, arrival: at(Double(n * 33 + index)))
                #expect(out.count == (index == 2 ? 1 : 0))
                frames += out
            }
        }
        #expect(frames.map(\.timestamp) == [0, 3000, 6000, 9000, 12000])
        #expect(frames.allSatisfy { $0.isComplete && $0.payloads.count == 3 })
        #expect(frames.map(\.firstSequence) == [0, 3, 6, 9, 12])
        #expect(Self.bytes(frames[1]) == [[1, 0], [1, 1], [1, 2]])
        #expect(buffer.count == 0 && !buffer.needsKeyframe)
    }

    @Test("reordered packets are put back in sequence order")
    func reordered() {
        let buffer = JitterBuffer(clockRate: 90_000, kind: .video)
        let packets = Self.frame(0, firstSequence: 100, count: 4) + Self.frame(1, firstSequence: 104, count: 2)
        #expect(buffer.insert(packets[0], arrival: at(0)).isEmpty)
        #expect(buffer.insert(packets[2], arrival: at(1)).isEmpty)
        #expect(buffer.insert(packets[5], arrival: at(2)).isEmpty)
        #expect(buffer.insert(packets[3], arrival: at(3)).isEmpty)
        #expect(buffer.insert(packets[4], arrival: at(4)).isEmpty)
        let out = buffer.insert(packets[1], arrival: at(5))
        #expect(out.count == 2)
        #expect(Self.bytes(out[0]) == [[0, 0], [0, 1], [0, 2], [0, 3]])
        #expect(Self.bytes(out[1]) == [[1, 0], [1, 1]])
        #expect(out.allSatisfy { $0.isComplete })
    }

    @Test("duplicates are dropped, before and after their frame went out")
    func duplicates() {
        let buffer = JitterBuffer(clockRate: 90_000, kind: .video)
        let packets = Self.frame(0, firstSequence: 10, count: 2)
        #expect(buffer.insert(packets[0], arrival: at(0)).isEmpty)
        #expect(buffer.insert(packets[0], arrival: at(1)).isEmpty)
        let out = buffer.insert(packets[1], arrival: at(2))
        #expect(out.count == 1 && out[0].payloads.count == 2)
        #expect(buffer.insert(packets[1], arrival: at(3)).isEmpty)
        #expect(buffer.insert(packets[0], arrival: at(4)).isEmpty)
        #expect(buffer.counters.duplicatePackets == 1 && buffer.counters.latePackets == 2)
        #expect(buffer.count == 0)
    }

    @Test("a lost packet: wait up to maxWait, then skip to the next frame and ask for a key frame")
    func lostPacketSkips() throws {
        let buffer = JitterBuffer(clockRate: 90_000, kind: .video, maxWait: .milliseconds(200))
        let a = Self.frame(0, firstSequence: 0, count: 3)
        let b = Self.frame(1, firstSequence: 3, count: 3)
        let c = Self.frame(2, firstSequence: 6, count: 2)
        for packet in a { _ = buffer.insert(packet, arrival: at(0)) }
        // Packet 3 (the start of frame b) is lost.
        #expect(buffer.insert(b[1], arrival: at(10)).isEmpty)
        #expect(buffer.insert(b[2], arrival: at(11)).isEmpty)
        #expect(buffer.insert(c[0], arrival: at(40)).isEmpty)
        #expect(buffer.insert(c[1], arrival: at(41)).isEmpty)
        #expect(buffer.nextDeadline == at(210))
        #expect(buffer.pop(now: at(209)).isEmpty && !buffer.needsKeyframe)
        let out = buffer.pop(now: at(210))
        try #require(out.count == 2)
        // Without a frame-start test, the rest of frame b goes out marked incomplete, then frame c complete.
        #expect(out.map(\.timestamp) == [3000, 6000])
        #expect(out.map(\.isComplete) == [false, true])
        #expect(Self.bytes(out[0]) == [[1, 1], [1, 2]])
        #expect(buffer.needsKeyframe)
        buffer.keyframeRequested()
        #expect(!buffer.needsKeyframe)
        // The lost packet arriving now is too late.
        #expect(buffer.insert(b[0], arrival: at(220)).isEmpty)
        #expect(buffer.counters.latePackets == 1 && buffer.counters.gaps == 1)
    }

    @Test("with a frame-start test, a skip resumes at a real frame start")
    func skipWithFrameStart() {
        // Payload byte 1 == 0 marks the first packet of a frame.
        let buffer = JitterBuffer(clockRate: 90_000, kind: .video, maxWait: .milliseconds(100),
                                  isFrameStart: { $0.getInteger(at: $0.readerIndex + 1, as: UInt8.self) == 0 })
        let a = Self.frame(0, firstSequence: 65534, count: 2)
        let b = Self.frame(1, firstSequence: 0, count: 3)
        let c = Self.frame(2, firstSequence: 3, count: 2)
        for packet in a { _ = buffer.insert(packet, arrival: at(0)) }
        _ = buffer.insert(b[0], arrival: at(5))
        _ = buffer.insert(b[2], arrival: at(6))  // b[1] lost
        _ = buffer.insert(c[0], arrival: at(7))
        #expect(buffer.insert(c[1], arrival: at(8)).isEmpty)
        let out = buffer.pop(now: at(105))
        #expect(out.count == 1 && out[0].timestamp == 6000 && out[0].isComplete && out[0].firstSequence == 3)
        #expect(buffer.needsKeyframe && buffer.counters.discardedPackets == 2)
    }

    @Test("over capacity the buffer skips without waiting")
    func capacityOverflow() {
        let buffer = JitterBuffer(clockRate: 90_000, kind: .video, capacity: 8, maxWait: .seconds(10))
        var emitted: [JitterBuffer.AssembledFrame] = []
        // Frame 0's second packet is lost; ten more two-packet frames follow.
        for n in 0..<11 {
            for (index, packet) in Self.frame(n, firstSequence: UInt16(n * 2), count: 2).enumerated()
            where !(n == 0 && index == 1) {
                emitted += buffer.insert(packet, arrival: at(Double(n)))
            }
        }
        #expect(buffer.needsKeyframe)
        #expect(emitted.first?.timestamp == 3000)
        #expect(emitted.map(\.timestamp) == (1..<11).map { UInt32($0 * 3000) })
        #expect(buffer.count == 0)
    }

    @Test("sequence numbers wrap at 65535")
    func sequenceWrap() {
        let buffer = JitterBuffer(clockRate: 90_000, kind: .video)
        var frames: [JitterBuffer.AssembledFrame] = []
        var sequence: UInt16 = 65530
        for n in 0..<6 {
            let packets = Self.frame(n, firstSequence: sequence, count: 3)
            sequence &+= 3
            // Reorder within every frame but the first (without a frame-start test the first packet received
            // is taken as the start of the stream).
            for packet in n == 0 ? packets : [packets[2], packets[0], packets[1]] {
                frames += buffer.insert(packet, arrival: at(Double(n * 33)))
            }
        }
        #expect(frames.count == 6 && frames.allSatisfy { $0.isComplete })
        #expect(frames.map(\.firstSequence) == [65530, 65533, 0, 3, 6, 9])
    }

    @Test("timestamps wrap at 2³²")
    func timestampWrap() {
        let buffer = JitterBuffer(clockRate: 90_000, kind: .video)
        var frames: [JitterBuffer.AssembledFrame] = []
        for n in 0..<4 {
            for packet in Self.frame(n, firstSequence: UInt16(n * 2), count: 2, tsBase: UInt32.max - 4000) {
                frames += buffer.insert(packet, arrival: at(Double(n * 33)))
            }
        }
        #expect(frames.map(\.timestamp) == [UInt32.max - 4000, UInt32.max - 1000, 1999, 4999])
        #expect(frames.allSatisfy { $0.isComplete && $0.payloads.count == 2 })
    }

    @Test("a frame whose marker was lost ends where the timestamp changes")
    func markerLostFrameEndsAtTimestampChange() {
        let buffer = JitterBuffer(clockRate: 90_000, kind: .video)
        _ = buffer.insert(rtpPacket(0, ts: 0), arrival: at(0))
        _ = buffer.insert(rtpPacket(1, ts: 0), arrival: at(0))
        let out = buffer.insert(rtpPacket(2, ts: 3000, marker: true), arrival: at(33))
        #expect(out.map(\.timestamp) == [0, 3000] && out[0].payloads.count == 2)
    }
}

@Suite("Jitter buffer: audio")
struct RTPJitterBufferAudioTests {
    @Test("in order, without jitter: each packet plays out the minimum delay after it arrives")
    func steady() {
        let buffer = JitterBuffer(clockRate: 48_000, kind: .audio)
        var out: [JitterBuffer.AssembledFrame] = []
        for n in 0..<50 {
            let arrival = Double(n * 20)
            out += buffer.insert(rtpPacket(UInt16(n), ts: UInt32(n * 960)), arrival: at(arrival))
            #expect(buffer.pop(now: at(arrival + 19)).isEmpty)
            out += buffer.pop(now: at(arrival + 20))
            #expect(out.count == n + 1)
        }
        #expect(out.map(\.firstSequence) == (0..<50).map { UInt16($0) })
        #expect(out.allSatisfy { $0.isComplete && !$0.isLoss })
        #expect(buffer.targetDelay == .milliseconds(20))
    }

    @Test("a lost packet becomes a loss frame in its place; reordered packets play in order")
    func lossAndReorder() {
        // Reordering by a packet means a packet late by 20 ms: give the buffer room for it.
        let buffer = JitterBuffer(clockRate: 48_000, kind: .audio, minDelay: .milliseconds(60))
        var out: [JitterBuffer.AssembledFrame] = []
        let arrivals: [(UInt16, Double)] = [(0, 30), (1, 50), (3, 90), (2, 95), (5, 130), (6, 150), (7, 170)]
        for (sequence, time) in arrivals {
            out += buffer.insert(rtpPacket(sequence, ts: UInt32(sequence) * 960), arrival: at(time))
        }
        out += buffer.pop(now: at(400))
        #expect(out.map(\.firstSequence) == [0, 1, 2, 3, 4, 5, 6, 7])
        #expect(out.map(\.isLoss) == [false, false, false, false, true, false, false, false])
        #expect(out[4].timestamp == 4 * 960)
    }

    @Test("loss frames are due when the missing packet's time comes")
    func lossTiming() {
        let buffer = JitterBuffer(clockRate: 48_000, kind: .audio)
        _ = buffer.insert(rtpPacket(0, ts: 0), arrival: at(10))
        #expect(buffer.pop(now: at(29)).isEmpty)
        #expect(buffer.pop(now: at(30)).count == 1)
        // Packet 1 never comes. Packet 2 arrives 8 ms after it was sent (the smallest transit so far), so packet
        // 1's slot is due at 20 + 8 + 20 = 48 ms: reported lost then, while packet 2 waits until 68 ms.
        let out = buffer.insert(rtpPacket(2, ts: 1920), arrival: at(48))
        #expect(out.count == 1 && out.first?.isLoss == true && out.first?.firstSequence == 1)
        #expect(buffer.pop(now: at(67)).isEmpty)
        #expect(buffer.pop(now: at(68)).map(\.firstSequence) == [2])
    }

    @Test("the delay grows under jitter and comes back down afterwards")
    func adaptiveDelay() {
        let buffer = JitterBuffer(clockRate: 48_000, kind: .audio)
        var random = TestRandom(seed: 42)
        var sequence: UInt16 = 0
        var latencies: [Double] = []
        var lost = 0
        func run(from start: Int, count: Int, jitter: Double) {
            var pending: [(arrival: Double, sent: Double, packet: RTPPacket)] = []
            for n in start..<start + count {
                let sent = Double(n * 20)
                let delay = jitter > 0 ? Double(random.next() % 1000) / 1000 * jitter : 0
                pending.append((sent + 30 + delay, sent, rtpPacket(sequence, ts: UInt32(n * 960))))
                sequence &+= 1
            }
            pending.sort { $0.arrival < $1.arrival }
            var index = 0
            // Step the clock in 1 ms ticks, inserting arrivals and popping due frames.
            var now = Double(start * 20)
            while index < pending.count || buffer.count > 0 {
                var ready: [JitterBuffer.AssembledFrame] = []
                while index < pending.count && pending[index].arrival <= now {
                    ready += buffer.insert(pending[index].packet, arrival: at(pending[index].arrival))
                    index += 1
                }
                for frame in ready + buffer.pop(now: at(now)) {
                    if frame.isLoss { lost += 1 } else { latencies.append(now - Double(frame.timestamp) / 48) }
                }
                now += 1
                if now > Double((start + count) * 20 + 1000) { break }
            }
        }
        run(from: 0, count: 100, jitter: 0)
        #expect(buffer.targetDelay == .milliseconds(20))
        run(from: 100, count: 250, jitter: 80)
        let grown = buffer.targetDelay
        #expect(grown > .milliseconds(60) && grown <= .milliseconds(200))
        let lostUnderJitter = lost
        // Few packets miss their playout time once the delay has adapted.
        #expect(lostUnderJitter < 25)
        latencies.removeAll()
        run(from: 350, count: 300, jitter: 0)
        #expect(buffer.targetDelay <= .milliseconds(25))
        // The last second plays out with about the minimum delay over the 30 ms transit.
        #expect(latencies.count == 300)
        let tail = latencies.suffix(50)
        #expect(tail.allSatisfy { $0 <= 30 + 26 }, "\(Array(tail)) delay \(buffer.targetDelay) jitter \(buffer.jitterSeconds)")
        #expect(lost == lostUnderJitter)
    }

    @Test("timestamps and sequence numbers wrap")
    func wrap() {
        let buffer = JitterBuffer(clockRate: 8000, kind: .audio)
        var out: [JitterBuffer.AssembledFrame] = []
        for n in 0..<10 {
            let sequence = UInt16(truncatingIfNeeded: 65530 + n)
            let ts = UInt32.max - 800 &+ UInt32(n * 160)
            out += buffer.insert(rtpPacket(sequence, ts: ts), arrival: at(Double(n * 20)))
            out += buffer.pop(now: at(Double(n * 20 + 20)))
        }
        #expect(out.count == 10 && out.allSatisfy { !$0.isLoss })
        #expect(out.map(\.firstSequence) == (0..<10).map { UInt16(truncatingIfNeeded: 65530 + $0) })
    }
}

@Suite("Jitter buffer: hostile streams")
struct RTPJitterBufferHostileTests {
    @Test("random sequence numbers, timestamps, markers and times never trap and stay within capacity",
          arguments: [JitterBuffer.Kind.video, .audio])
    func random(kind: JitterBuffer.Kind) {
        var random = TestRandom(seed: kind == .video ? 1 : 2)
        let buffer = JitterBuffer(clockRate: 90_000, kind: kind, capacity: 32, maxWait: .milliseconds(50))
        var now = 0.0
        var emitted = 0
        for _ in 0..<5000 {
            let r = random.next()
            let sequence = r % 4 == 0 ? UInt16(truncatingIfNeeded: r >> 8) : UInt16(truncatingIfNeeded: emitted + Int(r >> 40 & 7))
            let ts = r % 7 == 0 ? UInt32(truncatingIfNeeded: r >> 16) : UInt32(truncatingIfNeeded: sequence / 3) &* 3000
            now += Double(r >> 50 & 15)
            emitted += buffer.insert(rtpPacket(sequence, ts: ts, marker: r & 0x100 != 0), arrival: at(now)).count
            if r % 5 == 0 { emitted += buffer.pop(now: at(now)).count }
            #expect(buffer.count <= 32)
        }
        _ = buffer.pop(now: at(now + 10_000))
        #expect(emitted > 0)
    }
}
