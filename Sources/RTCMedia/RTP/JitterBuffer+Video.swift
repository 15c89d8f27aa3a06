import NIOCore
import RTCWire

extension JitterBuffer {
    func insertVideo(_ packet: RTPPacket, arrival: NIODeadline) -> [AssembledFrame] {
        let sequence = sequenceUnwrapper.unwrap(packet.sequenceNumber)
        if let floor = nextSequence ?? sequenceFloor, sequence < floor {
            countLate()
        } else if packets[sequence] != nil {
            countDuplicate()
        } else {
            packets[sequence] = Stored(packet: packet, arrival: arrival, timestamp: 0)
            if oldestArrival.map({ arrival < $0 }) ?? true {
                oldestArrival = arrival
            }
        }
        return processVideo(now: arrival)
    }

    /// Emits complete frames, then skips while the head is blocked too long or the buffer is over capacity.
    func processVideo(now: NIODeadline) -> [AssembledFrame] {
        var out: [AssembledFrame] = []
        assembleVideo(into: &out)
        while !packets.isEmpty, packets.count > capacity || oldestArrival.map({ now - $0 >= maxWait }) ?? false {
            skipVideo()
            assembleVideo(into: &out)
        }
        return out
    }

    /// Where the next frame starts, and whether that start is uncertain. Before the first frame and after a
    /// flush nothing is committed: the candidate is the first stored frame start (by ``isFrameStart``), or
    /// without that test the lowest stored packet.
    private func headStart() -> (sequence: Int64, uncertain: Bool)? {
        if let next = nextSequence { return (next, nextIsUncertain) }
        guard !packets.isEmpty else { return nil }
        let keys = packets.keys.sorted()
        if let isFrameStart {
            guard let start = keys.first(where: { packets[$0].map { isFrameStart($0.packet.payload) } ?? false }) else {
                return nil
            }
            return (start, false)
        }
        // The very first packet is taken as a frame start; after a flush nothing says it is one.
        return (keys[0], hasEmitted)
    }

    private func assembleVideo(into out: inout [AssembledFrame]) {
        while let (start, uncertain) = headStart(), let first = packets[start] {
            var payloads = [first.packet.payload]
            var end = start
            if !first.packet.marker {
                var sequence = start + 1
                while true {
                    guard let stored = packets[sequence] else { return }  // still waiting
                    if stored.packet.timestamp != first.packet.timestamp { break }  // marker lost: the frame ended
                    payloads.append(stored.packet.payload)
                    end = sequence
                    if stored.packet.marker { break }
                    sequence += 1
                }
            }
            discard(below: start)
            for sequence in start...end {
                packets[sequence] = nil
            }
            out.append(AssembledFrame(timestamp: first.packet.timestamp, payloads: payloads,
                                      firstSequence: first.packet.sequenceNumber, isComplete: !uncertain))
            countEmitted()
            hasEmitted = true
            nextSequence = end + 1
            nextIsUncertain = false
            lastEmittedTimestamp = first.packet.timestamp
            recomputeOldestArrival()
        }
    }

    /// Gives up on the missing packet(s) at the head: drops the partial frame and resumes at the next frame start
    /// found among the stored packets, or flushes everything when there is none.
    private func skipVideo() {
        noteKeyframeNeeded()
        countGap()
        let keys = packets.keys.sorted()
        guard let lowest = keys.first else { return }
        var missing = nextSequence ?? lowest
        while packets[missing] != nil { missing += 1 }
        var previousTimestamp = packets[missing - 1]?.packet.timestamp ?? lastEmittedTimestamp
        var resume: (sequence: Int64, certain: Bool)?
        for sequence in keys where sequence > missing {
            guard let stored = packets[sequence] else { continue }
            if let isFrameStart {
                if isFrameStart(stored.packet.payload) {
                    resume = (sequence, true)
                    break
                }
            } else if let previous = packets[sequence - 1] {
                if previous.packet.marker || previous.packet.timestamp != stored.packet.timestamp {
                    resume = (sequence, true)
                    break
                }
            } else if previousTimestamp.map({ $0 != stored.packet.timestamp }) ?? true {
                // After a hole, a new timestamp is a new frame, but its first packets may be in the hole.
                resume = (sequence, false)
                break
            }
            previousTimestamp = stored.packet.timestamp
        }
        if let resume {
            discard(below: resume.sequence)
            nextSequence = resume.sequence
            nextIsUncertain = !resume.certain
        } else {
            countDiscarded(packets.count)
            packets.removeAll(keepingCapacity: true)
            // Resynchronize on whatever comes next; nothing older than the flushed packets is accepted.
            nextSequence = nil
            nextIsUncertain = true
            if let last = keys.last {
                sequenceFloor = last + 1
            }
        }
        recomputeOldestArrival()
    }

    private func discard(below sequence: Int64) {
        for key in packets.keys where key < sequence {
            packets[key] = nil
            countDiscarded(1)
        }
    }

    func recomputeOldestArrival() {
        oldestArrival = packets.values.lazy.map(\.arrival).min()
    }
}
