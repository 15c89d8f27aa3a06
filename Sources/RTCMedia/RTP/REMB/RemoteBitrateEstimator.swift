public import NIOCore

/// The receive side of REMB (draft-alvestrand-rmcat-remb-03) with the delay-based controller of GCC
/// (draft-ietf-rmcat-gcc-02 §5), driven by the abs-send-time header extension; sans-I/O.
///
/// Packets are grouped by send time (``InterArrivalGrouper``); the growth of the one-way delay between groups
/// feeds a trendline filter, whose slope an adaptive-threshold detector turns into normal / overusing /
/// underusing; an AIMD controller moves the estimate accordingly, bounded by the measured incoming rate.
/// ``estimate(now:)`` says when to send a REMB: at once when the estimate dropped, otherwise once a second.
public final class RemoteBitrateEstimator {
    /// The abs-send-time value wraps every 64 s (6.18 fixed point, 24 bits).
    static let sendTimeWrap = 1 << 24
    /// Sources not heard from for this long leave the REMB's SSRC list.
    static let ssrcTimeout = 2.0
    /// A drop of this fraction (or more) is sent at once.
    static let immediateDecrease = 0.97
    static let interval = 1.0

    private var grouper = InterArrivalGrouper()
    private var trendline = TrendlineFilter()
    private var detector = OveruseDetector()
    private var rateControl: AIMDRateControl
    private var incomingRate = IncomingBitrate()
    private var origin: NIODeadline?
    private var lastSendTime24: UInt32?
    private var sendTime = 0.0
    private var ssrcs: [UInt32: Double] = [:]
    private var lastSent: (bitrate: Double, time: Double)?

    /// - Parameters:
    ///   - initialBitrate: the estimate before the detector has said anything (bit/s).
    ///   - minBitrate, maxBitrate: bounds of the estimate.
    public init(initialBitrate: Int = 300_000, minBitrate: Int = 30_000, maxBitrate: Int = 30_000_000) {
        rateControl = AIMDRateControl(initialBitrate: Double(initialBitrate), minBitrate: Double(minBitrate),
                                      maxBitrate: Double(maxBitrate))
    }

    /// The detector's latest verdict.
    public var usage: BandwidthUsage { detector.usage }

    /// The current estimate in bit/s.
    public var currentBitrate: Int { Int(rateControl.bitrate) }

    private func seconds(_ time: NIODeadline) -> Double {
        guard let origin else { return 0 }
        return Double(Int64(bitPattern: time.uptimeNanoseconds &- origin.uptimeNanoseconds)) / 1e9
    }

    /// Notes one received packet: its arrival time, its abs-send-time value (24 bits, 6.18 fixed-point seconds),
    /// its size in bytes (whole packet) and its SSRC.
    public func incoming(arrival: NIODeadline, sendTime24: UInt32, size: Int, ssrc: UInt32) {
        if origin == nil { origin = arrival }
        let now = seconds(arrival)
        ssrcs[ssrc] = now
        incomingRate.add(size: max(0, size), now: now)
        // Unwrap the 24-bit send time: the shortest signed distance from the newest value so far.
        let value = sendTime24 & 0xFF_FFFF
        var packetSendTime = sendTime
        if let last = lastSendTime24 {
            var delta = Int(value) - Int(last)
            if delta >= Self.sendTimeWrap / 2 { delta -= Self.sendTimeWrap }
            if delta < -Self.sendTimeWrap / 2 { delta += Self.sendTimeWrap }
            packetSendTime = sendTime + Double(delta) / Double(1 << 18)
            if delta > 0 {
                sendTime = packetSendTime
                lastSendTime24 = value
            }
        } else {
            lastSendTime24 = value
        }
        guard let deltas = grouper.add(send: packetSendTime, arrival: now, size: size) else { return }
        let modified = trendline.update(sendDelta: deltas.send, arrivalDelta: deltas.arrival, arrival: now)
        let usage = detector.detect(modifiedTrend: modified, trend: trendline.trend, sendDelta: deltas.send,
                                    deltaCount: trendline.deltaCount, now: now)
        rateControl.update(usage: usage, incoming: incomingRate.rate(now: now), now: now)
    }

    /// The REMB to send at `now`, or nil when none is due: the first once packets have been seen, then at once
    /// when the estimate fell below 97 % of the last one sent, otherwise every second. The SSRCs are the sources
    /// heard from in the last two seconds, sorted.
    public func estimate(now: NIODeadline) -> (bitrate: Int, ssrcs: [UInt32])? {
        guard origin != nil else { return nil }
        let time = seconds(now)
        ssrcs = ssrcs.filter { time - $0.value <= Self.ssrcTimeout }
        guard !ssrcs.isEmpty else { return nil }
        let bitrate = rateControl.bitrate
        if let lastSent, bitrate >= lastSent.bitrate * Self.immediateDecrease, time - lastSent.time < Self.interval {
            return nil
        }
        lastSent = (bitrate, time)
        return (Int(bitrate), ssrcs.keys.sorted())
    }
}
