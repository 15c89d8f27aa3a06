/// The constants of ITU-T G.722 (09/2012) for 64 kbit/s operation (mode 1), tables 6 to 17 of the recommendation.
enum G722Tables {
    /// QMF coefficients h0, h2, …, h22 in Q13 (§4.2, table 11). The 24-tap filter is symmetric,
    /// h(23 − i) = h(i), so the even taps read backwards are the odd taps.
    static let qmf = [3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11]

    /// Lower-band decision levels of the 6-bit quantiser, in units of the scale factor ÷ 4096 (table 6; index
    /// `mil` = 1 … 29; the 30th interval is open above).
    static let q6 = [0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940,
                     1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919]
    /// Code words for interval `mil` of a negative (ILN) or positive (ILP) difference (table 6).
    static let iln = [0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12,
                      11, 10, 9, 8, 7, 6, 5, 4]
    static let ilp = [0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40,
                      39, 38, 37, 36, 35, 34, 33, 32]

    /// Inverse quantiser output of the 4-bit truncated code (QQ4 × 2^15 / scale; table 7), used in the predictor
    /// loop of both encoder and decoder (the embedded core: only 4 of the 6 bits adapt the predictor).
    static let qm4 = [0, -20456, -12896, -8968, -6288, -4240, -2584, -1200,
                      20456, 12896, 8968, 6288, 4240, 2584, 1200, 0]
    /// Inverse quantiser output of the full 6-bit code (table 9), for the decoder's output in mode 1.
    static let qm6 = [-136, -136, -136, -136, -24808, -21904, -19008, -16704,
                      -14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
                      -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576,
                      -3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
                      24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192,
                      10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
                      4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032,
                      1688, 1360, 1040, 728, 432, 136, -432, -136]
    /// Lower-band scale-factor multipliers, indexed through `rl42` by the 4-bit code (table 8).
    static let wl = [-60, -30, 58, 172, 334, 538, 1198, 3042]
    static let rl42 = [0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0]
    /// 2^(i/32) × 2048 for i = 0 … 31: the mantissa of the log-to-linear scale factor conversion (table 14).
    static let ilb = [2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
                      2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008]

    /// Higher-band 2-bit quantiser: decision level (×scale ÷ 4096), code words, inverse quantiser, multipliers
    /// (tables 10, 12, 13).
    static let highDecision = 564
    static let ihn = [0, 1, 0]
    static let ihp = [0, 3, 2]
    static let qm2 = [-7408, -1616, 7408, 1616]
    static let wh = [0, -214, 798]
    static let rh2 = [2, 1, 2, 1]

    /// Initial scale factors (§6.2.1.3 reset): DETL = 32, DETH = 8.
    static let initialLowDet = 32
    static let initialHighDet = 8
    /// Scale factor limits of LOGSCL and LOGSCH.
    static let lowScaleLimit = 18432
    static let highScaleLimit = 22528
}
