public import NIOCore
import RTCWire

extension JitterBuffer {
    /// How long the smallest transit time is remembered as the playout base.
    static let transitWindowSeconds = 2.0
    /// How many jitters of delay the playout adds above the base.
    static let jitterMultiplier = 3.0
    /// At most this many loss frames for one hole; a longer hole (a stream restart) is skipped silently.
    static let maxLossFramesPerGap = 25
    /// Rounding slack when comparing playout times (seconds).
    static let tolerance = 1e-6

    /// The adaptive playout delay above the smallest recent transit time.
    public var targetDelay: TimeAmount {
        .nanoseconds(Int64((targetDelaySeconds * 1e9).rounded()))
    }

    /// The RFC 3550 §A.8 interarrival jitter, in seconds (audio only).
    public var jitterSeconds: Double { jitterUnits / Double(clockRate) }

    var targetDelaySeconds: Double {
        let low = Double(minDelay.nanoseconds) / 1e9
        let high = Double(maxDelay.nanoseconds) / 1e9
        return min(max(Self.jitterMultiplier * jitterSeconds, low), high)
    }

    private func seconds(_ time: NIODeadline) -> Double {
        guard let origin else { return 0 }
        return Double(Int64(bitPattern: time.uptimeNanoseconds &- origin.uptimeNanoseconds)) / 1e9
    }

    private var baseTransit: Double? {
        transitWindowStart < transitWindow.count ? transitWindow[transitWindowStart].transit : nil
    }

    /// The playout time of an (unwrapped) timestamp, in seconds since ``origin``.
    private func due(timestamp: Int64) -> Double? {
        baseTransit.map { Double(timestamp) / Double(clockRate) + $0 + targetDelaySeconds }
    }

    var nextAudioDeadline: NIODeadline? {
        guard let origin, let next = nextSequence, !packets.isEmpty else { return nil }
        let timestamp: Int64
        if let stored = packets[next] {
            timestamp = stored.timestamp
        } else if let last = lastEmittedAudioTimestamp {
            timestamp = last + timestampStep
        } else if let first = packets.keys.min(), let stored = packets[first] {
            timestamp = stored.timestamp
        } else {
            return nil
        }
        return due(timestamp: timestamp).map { origin + .nanoseconds(Int64($0 * 1e9)) }
    }

    func insertAudio(_ packet: RTPPacket, arrival: NIODeadline) -> [AssembledFrame] {
        if origin == nil { origin = arrival }
        let now = seconds(arrival)
        let sequence = sequenceUnwrapper.unwrap(packet.sequenceNumber)
        let timestamp = timestampUnwrapper.unwrap(packet.timestamp)

        // RFC 3550 §A.8: J += (|D(i-1,i)| - J) / 16, with transit times in timestamp units.
        let transitUnits = now * Double(clockRate) - Double(timestamp)
        if let last = lastTransitUnits {
            jitterUnits += (abs(transitUnits - last) - jitterUnits) / 16
        }
        lastTransitUnits = transitUnits
        // Sliding minimum of the transit time (seconds) over the last window.
        let transit = transitUnits / Double(clockRate)
        while transitWindow.count > transitWindowStart, let last = transitWindow.last, last.transit >= transit {
            transitWindow.removeLast()
        }
        transitWindow.append((now, transit))
        while transitWindowStart < transitWindow.count - 1,
              transitWindow[transitWindowStart].arrival < now - Self.transitWindowSeconds {
            transitWindowStart += 1
        }
        if transitWindowStart > 64 {
            transitWindow.removeFirst(transitWindowStart)
            transitWindowStart = 0
        }

        if !hasEmitted, let next = nextSequence, sequence < next, next - sequence < Int64(capacity) {
            nextSequence = sequence  // reordered before anything was played out
        }
        if let next = nextSequence, sequence < next {
            countLate()
        } else if packets[sequence] != nil {
            countDuplicate()
        } else {
            packets[sequence] = Stored(packet: packet, arrival: arrival, timestamp: timestamp)
            if nextSequence == nil { nextSequence = sequence }
        }
        var out: [AssembledFrame] = []
        // Over capacity: play the head out early rather than grow.
        while packets.count > capacity {
            popAudio(now: nil, into: &out)
        }
        popAudio(now: now, into: &out)
        return out
    }

    func popAudio(now: NIODeadline) -> [AssembledFrame] {
        guard origin != nil else { return [] }
        var out: [AssembledFrame] = []
        popAudio(now: seconds(now), into: &out)
        return out
    }

    /// Emits due frames in sequence order; with `now` nil emits exactly the head (frame or hole).
    private func popAudio(now: Double?, into out: inout [AssembledFrame]) {
        while let next = nextSequence, !packets.isEmpty {
            if let stored = packets[next] {
                if let now, let due = due(timestamp: stored.timestamp), due > now + Self.tolerance { return }
                packets[next] = nil
                emitAudio(stored, into: &out)
                nextSequence = next + 1
            } else {
                // A hole: the missing packet is lost once its own time (estimated) or the next packet's has come.
                guard let following = packets.keys.min(), let stored = packets[following] else { return }
                let missingCount = following - next
                if let now {
                    var deadline = due(timestamp: stored.timestamp) ?? .infinity
                    if let last = lastEmittedAudioTimestamp, let estimated = due(timestamp: last + timestampStep) {
                        deadline = min(deadline, estimated)
                    }
                    guard deadline <= now + Self.tolerance else { return }
                }
                if missingCount <= Int64(Self.maxLossFramesPerGap) {
                    // One loss frame for the first missing packet; the rest of the hole is handled next round.
                    let previous = lastEmittedAudioTimestamp ?? (stored.timestamp - timestampStep * missingCount)
                    let step = (stored.timestamp - previous) / (missingCount + 1)
                    let timestamp = previous + max(step, 0)
                    out.append(AssembledFrame(timestamp: UInt32(truncatingIfNeeded: timestamp), payloads: [],
                                              firstSequence: UInt16(truncatingIfNeeded: next), isComplete: false))
                    countGap()
                    lastEmittedAudioTimestamp = timestamp
                    nextSequence = next + 1
                } else {
                    countGap()
                    nextSequence = following
                }
                if now == nil { return }
                continue
            }
            if now == nil { return }
        }
    }

    private func emitAudio(_ stored: Stored, into out: inout [AssembledFrame]) {
        if let last = lastEmittedAudioTimestamp {
            let step = stored.timestamp - last
            if step > 0 && step <= Int64(clockRate) { timestampStep = step }
        }
        lastEmittedAudioTimestamp = stored.timestamp
        hasEmitted = true
        countEmitted()
        out.append(AssembledFrame(timestamp: stored.packet.timestamp, payloads: [stored.packet.payload],
                                     firstSequence: stored.packet.sequenceNumber, isComplete: true))
    }
}
