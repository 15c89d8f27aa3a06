/// The packetization time of audio frames, in seconds: 20 ms, as aiortc's `AUDIO_PTIME` (RFC 7587 §4.2 suggests
/// 20 ms for Opus; G.711 and G.722 use the same).
public let AUDIO_PTIME: Double = 0.020

/// The RTP clock rate of every video payload format WebRTC uses (RFC 7741 §4.1, RFC 9628 §4.1).
public let VIDEO_CLOCK_RATE = 90_000

/// The frame interval of the default video track: 30 frames per second, as aiortc's `VIDEO_PTIME`.
public let VIDEO_PTIME: Double = 1.0 / 30

/// The time base of video timestamps (`1/90000`), as aiortc's `VIDEO_TIME_BASE`.
public let VIDEO_TIME_BASE = MediaTimeBase(numerator: 1, denominator: VIDEO_CLOCK_RATE)
