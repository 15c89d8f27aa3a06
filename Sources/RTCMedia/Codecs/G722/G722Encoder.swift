/// ITU-T G.722 at 64 kbit/s (mode 1): 16 kHz 16-bit audio split by a 24-tap QMF into two 8 kHz sub-bands, the
/// lower coded with 6-bit embedded ADPCM, the higher with 2-bit ADPCM; one octet (higher-band bits 7–6, lower-band
/// bits 5–0) per pair of input samples. Written from the block descriptions of the recommendation (§3 encoder,
/// §4 decoder, §6 the fixed-point computation), not from another implementation.
///
/// The recommendation's input is 14-bit; this takes 16-bit samples and scales the QMF output accordingly, so the
/// sub-band signals are at the recommendation's level and the bitstream interoperates.
public struct G722Encoder: Sendable {
    private var low = G722Band(det: G722Tables.initialLowDet)
    private var high = G722Band(det: G722Tables.initialHighDet)
    /// Transmit QMF delay line: the last 24 input samples, oldest first.
    private var history = [Int](repeating: 0, count: 24)

    public init() {}

    /// Encodes 16 kHz samples; an odd trailing sample is dropped (it cannot form an octet alone).
    public mutating func encode(_ samples: [Int16]) -> [UInt8] {
        var output = [UInt8]()
        output.reserveCapacity(samples.count / 2)
        var index = 0
        while index + 1 < samples.count {
            output.append(encodePair(Int(samples[index]), Int(samples[index + 1])))
            index += 2
        }
        return output
    }

    mutating func encodePair(_ first: Int, _ second: Int) -> UInt8 {
        // Transmit QMF (§3.2): xL = Σ h(2i)·x(j−2i) + Σ h(2i+1)·x(j−2i−1), xH the difference.
        history.removeFirst(2)
        history.append(first)
        history.append(second)
        var evenSum = 0  // taps on the older sample of each pair
        var oddSum = 0
        for i in 0..<12 {
            evenSum += history[2 * i] * G722Tables.qmf[i]
            oddSum += history[2 * i + 1] * G722Tables.qmf[11 - i]
        }
        let xLow = (oddSum + evenSum) >> 14
        let xHigh = (oddSum - evenSum) >> 14

        // Lower band: SUBTRA, QUANTL.
        let el = G722Band.saturate(xLow - low.s)
        let magnitude = el >= 0 ? el : -(el + 1)
        var interval = 1
        while interval < 30 && magnitude >= (G722Tables.q6[interval] * low.det) >> 12 {
            interval += 1
        }
        let il = el < 0 ? G722Tables.iln[interval] : G722Tables.ilp[interval]
        // INVQAL on the 4-bit core, LOGSCL/SCALEL, then the predictor.
        let il4 = il >> 2
        let dlt = (low.det * G722Tables.qm4[il4]) >> 15
        low.adaptScale(multiplier: G722Tables.wl[G722Tables.rl42[il4]], limit: G722Tables.lowScaleLimit, shift: 8)
        low.update(quantizedDifference: dlt)

        // Higher band: SUBTRA, QUANTH, INVQAH, LOGSCH/SCALEH, predictor.
        let eh = G722Band.saturate(xHigh - high.s)
        let highMagnitude = eh >= 0 ? eh : -(eh + 1)
        let highInterval = highMagnitude >= (G722Tables.highDecision * high.det) >> 12 ? 2 : 1
        let ih = eh < 0 ? G722Tables.ihn[highInterval] : G722Tables.ihp[highInterval]
        let dh = (high.det * G722Tables.qm2[ih]) >> 15
        high.adaptScale(multiplier: G722Tables.wh[G722Tables.rh2[ih]], limit: G722Tables.highScaleLimit, shift: 10)
        high.update(quantizedDifference: dh)

        return UInt8(truncatingIfNeeded: (ih << 6) | il)
    }
}
