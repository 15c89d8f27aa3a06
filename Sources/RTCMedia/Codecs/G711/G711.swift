/// ITU-T G.711 companding (1988, §2 and §3, tables 1a/1b and 2a/2b): 16-bit linear PCM to 8-bit µ-law or
/// A-law code words and back. Written from the segment/quantisation-interval structure of the recommendation:
/// µ-law folds a 14-bit magnitude biased by 33 into 8 segments of 16 intervals; A-law takes a 13-bit magnitude,
/// linear in the first two segments and logarithmic in the next six. The character signals on the line have
/// alternate bits inverted (A-law, XOR 0x55) or all bits inverted (µ-law), as the tables specify.
public enum G711 {
    /// The two companding laws and their RTP payload names (RFC 3551 §4.5.14).
    public enum Law: Sendable, Hashable {
        /// PCMU, North America and Japan.
        case muLaw
        /// PCMA, the rest of the world.
        case aLaw
    }

    // MARK: µ-law

    /// The µ-law code word for a 16-bit sample, taken as 14 bits (the 2 lowest dropped by an arithmetic shift,
    /// as ITU-T G.191's tools and most implementations do).
    @inline(__always)
    public static func muLawEncode(_ sample: Int16) -> UInt8 {
        let value = Int(sample) >> 2
        let negative = value < 0
        // Magnitude plus the bias 33, clipped at the top of segment 7 (8158 + 33 = 8191).
        let magnitude = min(negative ? -value : value, 8158) + 33
        // Segment = position of the leading one above bit 5 (the biased magnitude is at least 33).
        let segment = (Int.bitWidth - 1 - magnitude.leadingZeroBitCount) - 5
        let interval = (magnitude >> (segment + 1)) & 0x0F
        let code = (negative ? 0x80 : 0x00) | (segment << 4) | interval
        return UInt8(truncatingIfNeeded: ~code)
    }

    /// The 16-bit sample at the centre of a µ-law code word's interval.
    @inline(__always)
    public static func muLawDecode(_ code: UInt8) -> Int16 {
        muLawTable[Int(code)]
    }

    static let muLawTable: [Int16] = (0..<256).map { index in
        let code = ~UInt8(index)
        let segment = Int(code >> 4) & 0x07
        let interval = Int(code) & 0x0F
        // Interval centre (interval + ½) × 2 × 4 plus the bias, shifted into its segment, minus the bias.
        let magnitude = (((interval << 3) + 132) << segment) - 132
        return Int16(code & 0x80 != 0 ? -magnitude : magnitude)
    }

    // MARK: A-law

    /// The A-law code word for a 16-bit sample (13 significant bits).
    @inline(__always)
    public static func aLawEncode(_ sample: Int16) -> UInt8 {
        var value = Int(sample) >> 3  // 13-bit two's complement
        let positive = value >= 0
        // Negative values map one step down so that −1 … −4096 share intervals with 0 … 4095 (the tables are
        // symmetric about the decision value 0).
        if !positive { value = -value - 1 }
        let code: Int
        if value < 32 {
            code = value >> 1  // segments 0 and 1 share one linear step of 2
        } else {
            let segment = (Int.bitWidth - 1 - value.leadingZeroBitCount) - 4
            code = (segment << 4) | ((value >> segment) & 0x0F)
        }
        return UInt8(truncatingIfNeeded: code ^ (positive ? 0xD5 : 0x55))
    }

    /// The 16-bit sample at the centre of an A-law code word's interval.
    @inline(__always)
    public static func aLawDecode(_ code: UInt8) -> Int16 {
        aLawTable[Int(code)]
    }

    static let aLawTable: [Int16] = (0..<256).map { index in
        let code = Int(index) ^ 0x55
        let segment = (code >> 4) & 0x07
        let interval = code & 0x0F
        // Interval centre in 13-bit units ×2 (i.e. ×16 in 16-bit units): segment 0 has step 2 from 0, segment s ≥ 1
        // step 2^s from 2^(s+4).
        let magnitude = segment == 0
            ? (interval << 4) + 8
            : ((interval << 4) + 264) << (segment - 1)
        return Int16(code & 0x80 != 0 ? magnitude : -magnitude)
    }

    // MARK: Buffers

    public static func encode(_ samples: [Int16], law: Law) -> [UInt8] {
        switch law {
        case .muLaw: samples.map(muLawEncode)
        case .aLaw: samples.map(aLawEncode)
        }
    }

    public static func decode(_ codes: [UInt8], law: Law) -> [Int16] {
        switch law {
        case .muLaw: codes.map(muLawDecode)
        case .aLaw: codes.map(aLawDecode)
        }
    }
}
