/// 64-bit NTP timestamps as RTCP uses them (RFC 3550 §4): seconds since 1900 in the high 32 bits, the fraction
/// in the low 32 bits.
public enum NTPTimestamp {
    /// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
    public static let unixEpochOffset: UInt64 = 2_208_988_800

    /// The NTP timestamp of a wall-clock time given in seconds since 1970.
    public static func from(unixSeconds: Double) -> UInt64 {
        guard unixSeconds.isFinite, unixSeconds > -Double(unixEpochOffset) else { return 0 }
        let ntpSeconds = unixSeconds + Double(unixEpochOffset)
        let whole = ntpSeconds.rounded(.down)
        guard whole < Double(UInt32.max) + 1 else { return UInt64.max }
        let fraction = UInt64(((ntpSeconds - whole) * 4_294_967_296).rounded(.down))
        return UInt64(whole) << 32 | min(fraction, 0xFFFF_FFFF)
    }

    /// The middle 32 bits (16.16 fixed point seconds), as LSR carries them (RFC 3550 §6.4.1).
    public static func middle32(_ ntp: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: ntp >> 16)
    }
}
