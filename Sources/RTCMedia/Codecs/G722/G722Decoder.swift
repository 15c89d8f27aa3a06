/// The G.722 64 kbit/s decoder (mode 1): each octet gives two 16 kHz samples. Every octet is a valid code word,
/// so decoding cannot fail.
public struct G722Decoder: Sendable {
    private var low = G722Band(det: G722Tables.initialLowDet)
    private var high = G722Band(det: G722Tables.initialHighDet)
    /// Receive QMF delay line: the last 12 pairs (xd, xs), oldest first.
    private var history = [Int](repeating: 0, count: 24)

    public init() {}

    public mutating func decode(_ octets: [UInt8]) -> [Int16] {
        var output = [Int16]()
        output.reserveCapacity(octets.count * 2)
        for octet in octets {
            let (first, second) = decodeOctet(octet)
            output.append(first)
            output.append(second)
        }
        return output
    }

    mutating func decodeOctet(_ octet: UInt8) -> (Int16, Int16) {
        let il = Int(octet & 0x3F)
        let ih = Int(octet >> 6)

        // Lower band: INVQBL with all 6 bits for the output, RECONS, LIMIT.
        let dl = (low.det * G722Tables.qm6[il]) >> 15
        let rl = min(max(low.s + dl, -16384), 16383)
        // The predictor runs on the 4-bit core, exactly as in the encoder.
        let il4 = il >> 2
        let dlt = (low.det * G722Tables.qm4[il4]) >> 15
        low.adaptScale(multiplier: G722Tables.wl[G722Tables.rl42[il4]], limit: G722Tables.lowScaleLimit, shift: 8)
        low.update(quantizedDifference: dlt)

        // Higher band.
        let dh = (high.det * G722Tables.qm2[ih]) >> 15
        let rh = min(max(high.s + dh, -16384), 16383)
        high.adaptScale(multiplier: G722Tables.wh[G722Tables.rh2[ih]], limit: G722Tables.highScaleLimit, shift: 10)
        high.update(quantizedDifference: dh)

        // Receive QMF (§4.4): xd = rl − rh, xs = rl + rh feed the even and odd polyphase branches.
        history.removeFirst(2)
        history.append(rl + rh)
        history.append(rl - rh)
        // The odd taps (reversed even table) make the earlier output sample, the even taps the later one.
        var first = 0
        var second = 0
        for i in 0..<12 {
            first += history[2 * i + 1] * G722Tables.qmf[11 - i]
            second += history[2 * i] * G722Tables.qmf[i]
        }
        return (Int16(G722Band.saturate(first >> 11)), Int16(G722Band.saturate(second >> 11)))
    }
}
