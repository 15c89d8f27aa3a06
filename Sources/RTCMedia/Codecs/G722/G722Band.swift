/// The state of one G.722 sub-band ADPCM coder (ITU-T G.722 (09/2012) §3.6 and §6.2): the quantiser scale factor
/// and the adaptive pole-zero predictor (two poles, six zeros) shared, block for block, by encoder and decoder.
///
/// All quantities are the recommendation's fixed-point integers: signals 16-bit two's complement, predictor
/// coefficients Q14 (poles) and Q14 (zeros), `nb` the logarithmic scale factor, `det` the linear one.
struct G722Band {
    /// Predictor output s, its pole (sp) and zero (sz) parts.
    var s = 0
    var sp = 0
    var sz = 0
    /// Reconstructed signal r(j), r(j-1), r(j-2).
    var r = [0, 0, 0]
    /// Pole coefficients a1, a2 (index 0 unused).
    var a = [0, 0, 0]
    /// Partial reconstructed signal p(j), p(j-1), p(j-2).
    var p = [0, 0, 0]
    /// Quantised difference d(j) … d(j-6).
    var d = [0, 0, 0, 0, 0, 0, 0]
    /// Zero coefficients b1 … b6 (index 0 unused).
    var b = [0, 0, 0, 0, 0, 0, 0]
    /// Logarithmic scale factor (NBL / NBH) and the linear one it maps to (DETL / DETH).
    var nb = 0
    var det: Int

    init(det: Int) {
        self.det = det
    }

    /// LIMIT: holds a value to 16-bit two's complement.
    @inline(__always)
    static func saturate(_ value: Int) -> Int {
        value > 32767 ? 32767 : value < -32768 ? -32768 : value
    }

    /// The sign as the recommendation's sgn uses it: 0 counts as positive.
    @inline(__always)
    static func isNegative(_ value: Int) -> Bool { value < 0 }

    /// LOGSCL / LOGSCH then SCALEL / SCALEH: adapts the scale factor by the multiplier `w` of the last code,
    /// with leakage 127/128, and converts it to the linear step `det` (§3.6.4, §3.6.5).
    /// - Parameters:
    ///   - limit: 18432 for the lower band, 22528 for the higher.
    ///   - shift: 8 for the lower band, 10 for the higher (the bands' step sizes differ by 2 bits).
    mutating func adaptScale(multiplier w: Int, limit: Int, shift: Int) {
        nb = min(max(((nb * 127) >> 7) + w, 0), limit)
        let mantissa = G722Tables.ilb[(nb >> 6) & 31]
        let exponent = shift - (nb >> 11)
        let linear = exponent < 0 ? mantissa << -exponent : mantissa >> exponent
        det = linear << 2
    }

    /// Block 4 (§3.6.6 – §3.6.11): reconstruction, pole and zero coefficient adaptation (UPPOL2, UPPOL1,
    /// UPZERO), the delay line, and the next prediction (FILTEP, FILTEZ, PREDIC), driven by the quantised
    /// difference `dq`.
    mutating func update(quantizedDifference dq: Int) {
        // RECONS and PARREC.
        r[0] = Self.saturate(s + dq)
        p[0] = Self.saturate(sz + dq)

        // UPPOL2: a2 leaks by 2^-7 and follows the sign correlations of p at lags 1 and 2.
        let p0Negative = Self.isNegative(p[0])
        let sameSign1 = p0Negative == Self.isNegative(p[1])
        let sameSign2 = p0Negative == Self.isNegative(p[2])
        let fourA1 = Self.saturate(a[1] << 2)
        let term = min(sameSign1 ? -fourA1 : fourA1, 32767)
        var a2 = (term >> 7) + (sameSign2 ? 128 : -128) + ((a[2] * 32512) >> 15)
        a2 = min(max(a2, -12288), 12288)

        // UPPOL1: a1 leaks by 2^-8, steps by 3·2^-8, bounded by 1 − 2^-4 − a2 (stability).
        var a1 = Self.saturate((sameSign1 ? 192 : -192) + ((a[1] * 32640) >> 15))
        let bound = Self.saturate(15360 - a2)
        a1 = min(max(a1, -bound), bound)

        // UPZERO: each b_i leaks by 2^-8 and steps by 2^-7 towards sgn(d(j))·sgn(d(j-i)), unless d(j) is 0.
        let step = dq == 0 ? 0 : 128
        let dqNegative = Self.isNegative(dq)
        var newB = b
        for i in 1...6 {
            let same = dqNegative == Self.isNegative(d[i])
            newB[i] = Self.saturate((same ? step : -step) + ((b[i] * 32640) >> 15))
        }

        // DELAYA: shift the delay lines, install the new coefficients.
        d[0] = dq
        for i in stride(from: 6, to: 0, by: -1) {
            d[i] = d[i - 1]
        }
        b = newB
        r[2] = r[1]; r[1] = r[0]
        p[2] = p[1]; p[1] = p[0]
        a[1] = a1
        a[2] = a2

        // FILTEP: pole section on the reconstructed signal.
        let pole1 = (a[1] * Self.saturate(r[1] + r[1])) >> 15
        let pole2 = (a[2] * Self.saturate(r[2] + r[2])) >> 15
        sp = Self.saturate(pole1 + pole2)
        // FILTEZ: zero section on the quantised differences.
        var zero = 0
        for i in 1...6 {
            zero += (b[i] * Self.saturate(d[i] + d[i])) >> 15
        }
        sz = Self.saturate(zero)
        // PREDIC.
        s = Self.saturate(sp + sz)
    }
}
