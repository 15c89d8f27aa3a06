public import NIOCore
public import RTCWire

/// Reorders the RTP packets of one source (one SSRC) and hands them on as frames; sans-I/O, driven by the
/// arrival times the caller passes in.
///
/// **Video**: packets of one frame share a timestamp and the last carries the marker bit. A frame is emitted as
/// soon as every packet from the end of the previous frame up to its marker is present (a timestamp change also
/// ends a frame whose marker was lost with nothing else). Packets older than what was emitted are dropped. When
/// the oldest waiting packet has waited longer than ``maxWait`` for a missing one, or more than ``capacity``
/// packets wait, the buffer skips ahead to the next frame start, drops what it skipped and sets
/// ``needsKeyframe`` (the caller sends PLI). The first frame after a skip is marked incomplete unless
/// ``isFrameStart`` confirms where it starts. Without ``isFrameStart`` the first packet received is taken as the
/// start of the first frame; with it, the buffer starts at the first packet it recognizes.
///
/// **Audio**: every packet is one frame, played out at `timestamp / clockRate + base + targetDelay`, where
/// `base` is the smallest transit time seen over the last two seconds and ``targetDelay`` follows the RFC 3550
/// §A.8 interarrival jitter (3 × jitter, bounded to ``minDelay`` … ``maxDelay``). ``pop(now:)`` returns the
/// frames that are due, in sequence order; a missing packet whose time has come is reported as a loss frame
/// (no payloads) so the decoder can conceal it. Because the base and the jitter estimate both forget, the
/// delay comes back down after a burst of jitter.
public final class JitterBuffer {
    public enum Kind: Sendable, Hashable {
        case audio
        case video
    }

    /// One frame handed on by the buffer.
    public struct AssembledFrame: Sendable, Equatable {
        /// The RTP timestamp of the frame's packets.
        public var timestamp: UInt32
        /// The payloads of the frame's packets in sequence order; empty for a lost audio packet.
        public var payloads: [ByteBuffer]
        /// The sequence number of the frame's first packet.
        public var firstSequence: UInt16
        /// Video: every packet from the previous frame's end to the marker arrived. Audio: the packet arrived
        /// (false for a loss frame).
        public var isComplete: Bool

        public init(timestamp: UInt32, payloads: [ByteBuffer], firstSequence: UInt16, isComplete: Bool) {
            self.timestamp = timestamp
            self.payloads = payloads
            self.firstSequence = firstSequence
            self.isComplete = isComplete
        }

        /// An audio loss frame: a packet that never arrived in time.
        public var isLoss: Bool { payloads.isEmpty }
    }

    /// Counters, for statistics.
    public struct Counters: Sendable, Hashable {
        /// Packets dropped because they arrived after their place was played out or skipped.
        public var latePackets = 0
        public var duplicatePackets = 0
        /// Packets removed by a skip or an overflow without being emitted.
        public var discardedPackets = 0
        /// Video: skips over missing packets. Audio: loss frames emitted.
        public var gaps = 0
        public var framesEmitted = 0
    }

    public let clockRate: Int
    public let kind: Kind
    public let capacity: Int
    /// Video: how long a packet may wait for a missing one before the buffer skips ahead.
    public let maxWait: TimeAmount
    /// Audio: bounds of ``targetDelay``.
    public let minDelay: TimeAmount
    public let maxDelay: TimeAmount
    /// Video: tells whether a payload starts a frame (e.g. ``VP8Depayloader/isFrameStart(payload:)``); when set
    /// it decides where the buffer resumes after a skip and where it starts.
    public let isFrameStart: (@Sendable (ByteBuffer) -> Bool)?

    /// Video: set when packets were skipped; the caller should request a key frame and call
    /// ``keyframeRequested()``.
    public private(set) var needsKeyframe = false
    public private(set) var counters = Counters()

    struct Stored {
        var packet: RTPPacket
        var arrival: NIODeadline
        /// Audio: the unwrapped timestamp.
        var timestamp: Int64
    }

    var sequenceUnwrapper = RTPSequenceUnwrapper()
    var packets: [Int64: Stored] = [:]
    /// The extended sequence number the next frame starts at; nil until known (and after a flush).
    var nextSequence: Int64?
    var hasEmitted = false
    /// Video: after a flush, packets below this are too late.
    var sequenceFloor: Int64?
    // Video state.
    var nextIsUncertain = false
    var lastEmittedTimestamp: UInt32?
    var oldestArrival: NIODeadline?
    // Audio state.
    var timestampUnwrapper = RTPTimestampUnwrapper()
    var origin: NIODeadline?
    var jitterUnits: Double = 0
    var lastTransitUnits: Double?
    /// A monotonic deque for the sliding minimum of transit times (seconds), with arrival times (seconds).
    var transitWindow: [(arrival: Double, transit: Double)] = []
    var transitWindowStart = 0
    var lastEmittedAudioTimestamp: Int64?
    var timestampStep: Int64

    /// - Parameters:
    ///   - clockRate: the RTP clock rate of the payload type.
    ///   - kind: audio (one packet per frame, played out on time) or video (frames assembled by marker).
    ///   - capacity: the most packets held; more makes the buffer skip (video) or play out early (audio).
    ///   - maxWait: video: the longest a packet waits for a missing one (time for NACK and retransmission).
    ///   - minDelay, maxDelay: audio: bounds of the adaptive playout delay.
    ///   - isFrameStart: video: recognizes a payload that starts a frame.
    public init(
        clockRate: Int, kind: Kind, capacity: Int = 128, maxWait: TimeAmount = .milliseconds(500),
        minDelay: TimeAmount = .milliseconds(20), maxDelay: TimeAmount = .milliseconds(200),
        isFrameStart: (@Sendable (ByteBuffer) -> Bool)? = nil
    ) {
        self.clockRate = max(1, clockRate)
        self.kind = kind
        self.capacity = max(1, capacity)
        self.maxWait = maxWait
        self.minDelay = minDelay
        self.maxDelay = max(minDelay, maxDelay)
        self.isFrameStart = isFrameStart
        self.timestampStep = Int64(max(1, clockRate / 50))
    }

    /// Adds a packet that arrived at `arrival` (a duplicate or a packet too late is dropped) and returns the
    /// frames that are ready: video frames that became complete or were skipped to, audio frames due at
    /// `arrival`.
    public func insert(_ packet: RTPPacket, arrival: NIODeadline) -> [AssembledFrame] {
        switch kind {
        case .video: return insertVideo(packet, arrival: arrival)
        case .audio: return insertAudio(packet, arrival: arrival)
        }
    }

    /// The frames ready at `now`: video frames released by a skip after ``maxWait``, audio frames due.
    public func pop(now: NIODeadline) -> [AssembledFrame] {
        switch kind {
        case .video: return processVideo(now: now)
        case .audio: return popAudio(now: now)
        }
    }

    /// When ``pop(now:)`` next has something to do, if anything is buffered.
    public var nextDeadline: NIODeadline? {
        switch kind {
        case .video: return oldestArrival.map { $0 + maxWait }
        case .audio: return nextAudioDeadline
        }
    }

    /// The number of packets held.
    public var count: Int { packets.count }

    /// Clears ``needsKeyframe`` once the caller has asked the sender for a key frame.
    public func keyframeRequested() {
        needsKeyframe = false
    }

    func noteKeyframeNeeded() {
        needsKeyframe = true
    }

    func countLate() { counters.latePackets += 1 }
    func countDuplicate() { counters.duplicatePackets += 1 }
    func countDiscarded(_ n: Int) { counters.discardedPackets += n }
    func countGap() { counters.gaps += 1 }
    func countEmitted() { counters.framesEmitted += 1 }
}
