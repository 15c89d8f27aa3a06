#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CRTCVPX

/// A realtime VP8 or VP9 encoder, configured the way WebRTC senders use libvpx: one pass, no lookahead, CBR rate
/// control, error-resilient, keyframes only on request (or every `keyframeInterval` frames), threads by resolution.
///
/// Owns a libvpx encoder context and its configuration, freed in `deinit`. Not `Sendable`: use it from one task
/// or thread at a time (hand it over with `sending` to an encoding pool).
public final class VPXEncoder {
    /// What the encoder is built with. Only `bitrate` may change afterwards without a rebuild.
    public struct Configuration: Sendable, Hashable {
        public var codec: VPXCodec
        public var width: Int
        public var height: Int
        /// Target bitrate in bits per second.
        public var bitrate: Int
        /// Nominal frames per second; sets the default frame duration.
        public var frameRate: Int
        /// Ticks per second of `pts`; 90000 is the RTP video clock (RFC 7741 §4.1).
        public var timeBase: Int
        /// Maximum distance between automatic keyframes, nil for "only on request".
        public var keyframeInterval: Int?
        /// Encoder threads; nil picks by resolution and cores (1 up to 640×480; see `threadCount(configuration:)`).
        public var threads: Int?
        /// Speed/quality trade-off (`VP8E_SET_CPUUSED`); nil picks -6 for VP8 and 7 for VP9 (realtime presets).
        public var cpuUsed: Int?
        /// Let rate control drop frames when over budget (then `encode` may return no frame).
        public var allowFrameDropping: Bool

        public init(codec: VPXCodec, width: Int, height: Int, bitrate: Int = 1_000_000, frameRate: Int = 30,
                    timeBase: Int = 90_000, keyframeInterval: Int? = nil, threads: Int? = nil,
                    cpuUsed: Int? = nil, allowFrameDropping: Bool = false) {
            self.codec = codec
            self.width = width
            self.height = height
            self.bitrate = bitrate
            self.frameRate = frameRate
            self.timeBase = timeBase
            self.keyframeInterval = keyframeInterval
            self.threads = threads
            self.cpuUsed = cpuUsed
            self.allowFrameDropping = allowFrameDropping
        }
    }

    public private(set) var configuration: Configuration

    public var codec: VPXCodec { configuration.codec }
    public var bitrate: Int { configuration.bitrate }

    /// libvpx keeps a pointer to the configuration it was initialised with, so both live on the heap here.
    private let context: UnsafeMutablePointer<vpx_codec_ctx_t>
    private let config: UnsafeMutablePointer<vpx_codec_enc_cfg_t>
    private var isInitialized = false

    public init(_ configuration: Configuration) throws(VPXError) {
        self.configuration = configuration
        context = .allocate(capacity: 1)
        context.initialize(to: vpx_codec_ctx_t())
        config = .allocate(capacity: 1)
        config.initialize(to: vpx_codec_enc_cfg_t())
        try start()
    }

    public convenience init(codec: VPXCodec, width: Int, height: Int, bitrate: Int = 1_000_000,
                            frameRate: Int = 30) throws(VPXError) {
        try self.init(Configuration(codec: codec, width: width, height: height, bitrate: bitrate,
                                    frameRate: frameRate))
    }

    deinit {
        if isInitialized { vpx_codec_destroy(context) }
        context.deallocate()
        config.deallocate()
    }

    /// Changes the target bitrate for the following frames through `vpx_codec_enc_config_set` (no rebuild, no
    /// keyframe).
    public func setBitrate(_ bitsPerSecond: Int) throws(VPXError) {
        guard bitsPerSecond >= 1000, bitsPerSecond / 1000 <= Int(UInt32.max) else {
            throw VPXError(code: VPXError.invalidParameter, reason: "bitrate \(bitsPerSecond) too small or large")
        }
        let previous = config.pointee.rc_target_bitrate
        config.pointee.rc_target_bitrate = UInt32(bitsPerSecond / 1000)
        let status = vpx_codec_enc_config_set(context, config)
        guard status == VPX_CODEC_OK else {
            config.pointee.rc_target_bitrate = previous
            throw VPXError(status, "vpx_codec_enc_config_set", codec: context)
        }
        configuration.bitrate = bitsPerSecond
    }

    /// Encodes one picture.
    ///
    /// - Parameters:
    ///   - frame: the picture; a size different from the configuration rebuilds the encoder at the new size (the
    ///     next output is then a keyframe).
    ///   - pts: presentation time in `timeBase` ticks.
    ///   - duration: ticks until the next picture; nil means `timeBase / frameRate`.
    ///   - forceKeyframe: make this picture a keyframe (`VPX_EFLAG_FORCE_KF`), e.g. on PLI/FIR (RFC 4585 §6.3.1).
    /// - Returns: the compressed frames produced, usually exactly one (none if rate control dropped the picture).
    public func encode(_ frame: I420Buffer, pts: Int64, duration: Int? = nil,
                       forceKeyframe: Bool = false) throws(VPXError) -> [VPXEncodedFrame] {
        if frame.width != configuration.width || frame.height != configuration.height {
            configuration.width = frame.width
            configuration.height = frame.height
            try start()
        }
        let ticks = duration ?? max(1, configuration.timeBase / max(1, configuration.frameRate))
        let flags: vpx_enc_frame_flags_t = forceKeyframe ? vpx_enc_frame_flags_t(CRTCVPX_flagForceKeyframe) : 0
        let chromaWidth = Int32(frame.chromaWidth)
        let status: vpx_codec_err_t = frame.data.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress else { return VPX_CODEC_INVALID_PARAM }
            // libvpx reads the planes only; the image struct merely types them as mutable.
            let planes = UnsafeMutablePointer(mutating: base)
            var image = vpx_image_t()
            guard CRTCVPX_wrapI420(&image, UInt32(frame.width), UInt32(frame.height),
                                   planes + frame.yRange.lowerBound, Int32(frame.width),
                                   planes + frame.uRange.lowerBound, chromaWidth,
                                   planes + frame.vRange.lowerBound, chromaWidth) == 0 else {
                return VPX_CODEC_INVALID_PARAM
            }
            return vpx_codec_encode(context, &image, vpx_codec_pts_t(pts), UInt(ticks), flags,
                                    CRTCVPX_deadlineRealtime)
        }
        try VPXError.check(status, "vpx_codec_encode", codec: context)
        return drain()
    }

    private func drain() -> [VPXEncodedFrame] {
        var frames: [VPXEncodedFrame] = []
        var iterator: vpx_codec_iter_t? = nil
        var data: UnsafePointer<UInt8>? = nil
        var size = 0
        var pts: Int64 = 0
        var duration: UInt = 0
        var isKeyframe: Int32 = 0
        while CRTCVPX_nextFrame(context, &iterator, &data, &size, &pts, &duration, &isKeyframe) == 1 {
            let bytes = data.map { [UInt8](UnsafeBufferPointer(start: $0, count: size)) } ?? []
            frames.append(VPXEncodedFrame(data: bytes, isKeyframe: isKeyframe != 0, pts: pts))
        }
        return frames
    }

    /// (Re)creates the libvpx encoder from `configuration`.
    private func start() throws(VPXError) {
        let c = configuration
        guard (2...16384).contains(c.width), (2...16384).contains(c.height), c.bitrate >= 1000,
              c.frameRate > 0, c.timeBase > 0, c.timeBase <= Int(Int32.max) else {
            throw VPXError(code: VPXError.invalidParameter,
                           reason: "unusable encoder configuration \(c.width)x\(c.height) @ \(c.bitrate) bit/s")
        }
        if isInitialized {
            vpx_codec_destroy(context)
            isInitialized = false
        }
        let interface = c.codec.encoderInterface
        try VPXError.check(vpx_codec_enc_config_default(interface, config, 0), "vpx_codec_enc_config_default",
                           codec: nil)
        let threads = Self.threadCount(configuration: c)
        config.pointee.g_w = UInt32(c.width)
        config.pointee.g_h = UInt32(c.height)
        config.pointee.g_timebase = vpx_rational(num: 1, den: Int32(c.timeBase))
        config.pointee.g_threads = UInt32(threads)
        config.pointee.g_pass = VPX_RC_ONE_PASS
        config.pointee.g_lag_in_frames = 0  // realtime: no lookahead
        config.pointee.g_error_resilient = vpx_codec_er_flags_t(VPX_ERROR_RESILIENT_DEFAULT)
        config.pointee.rc_end_usage = VPX_CBR
        config.pointee.rc_target_bitrate = UInt32(min(c.bitrate / 1000, Int(UInt32.max)))
        config.pointee.rc_resize_allowed = 0
        config.pointee.rc_dropframe_thresh = c.allowFrameDropping ? 30 : 0
        config.pointee.rc_min_quantizer = 2
        config.pointee.rc_max_quantizer = c.codec == .vp8 ? 56 : 52
        config.pointee.rc_undershoot_pct = 100
        config.pointee.rc_overshoot_pct = 15
        config.pointee.rc_buf_initial_sz = 500
        config.pointee.rc_buf_optimal_sz = 600
        config.pointee.rc_buf_sz = 1000
        if let interval = c.keyframeInterval, interval > 0 {
            config.pointee.kf_mode = VPX_KF_AUTO
            config.pointee.kf_min_dist = 0
            config.pointee.kf_max_dist = UInt32(min(interval, Int(UInt32.max)))
        } else {
            // Keyframes come from forceKeyframe (PLI/FIR); the first frame is one regardless.
            config.pointee.kf_mode = VPX_KF_DISABLED
        }
        try VPXError.check(CRTCVPX_encInit(context, interface, config, 0), "vpx_codec_enc_init", codec: context)
        isInitialized = true

        let cpuUsed = c.cpuUsed ?? (c.codec == .vp8 ? -6 : 7)
        try control(CRTCVPX_VP8E_SET_CPUUSED, cpuUsed, "VP8E_SET_CPUUSED")
        switch c.codec {
        case .vp8:
            try control(CRTCVPX_VP8E_SET_STATIC_THRESHOLD, 1, "VP8E_SET_STATIC_THRESHOLD")
            try control(CRTCVPX_VP8E_SET_NOISE_SENSITIVITY, 0, "VP8E_SET_NOISE_SENSITIVITY")
            // One token partition per thread (log2), so decoders can work in parallel too.
            try control(CRTCVPX_VP8E_SET_TOKEN_PARTITIONS, threads >= 4 ? 2 : threads >= 2 ? 1 : 0,
                        "VP8E_SET_TOKEN_PARTITIONS")
            // Cap keyframe size at 3 target frames' worth (libwebrtc's rule of thumb), so a keyframe does not
            // stall the link.
            try control(CRTCVPX_VP8E_SET_MAX_INTRA_BITRATE_PCT, 300, "VP8E_SET_MAX_INTRA_BITRATE_PCT")
        case .vp9:
            // Tile columns in log2; each needs >= 256 pixels of width.
            let tiles = threads >= 4 && c.width >= 1024 ? 2 : threads >= 2 && c.width >= 512 ? 1 : 0
            try control(CRTCVPX_VP9E_SET_TILE_COLUMNS, tiles, "VP9E_SET_TILE_COLUMNS")
            try control(CRTCVPX_VP9E_SET_ROW_MT, threads > 1 ? 1 : 0, "VP9E_SET_ROW_MT")
            try control(CRTCVPX_VP9E_SET_AQ_MODE, 3, "VP9E_SET_AQ_MODE")  // cyclic refresh, the realtime mode
            try control(CRTCVPX_VP9E_SET_NOISE_SENSITIVITY, 0, "VP9E_SET_NOISE_SENSITIVITY")
            try control(CRTCVPX_VP9E_SET_FRAME_PARALLEL_DECODING, 0, "VP9E_SET_FRAME_PARALLEL_DECODING")
        }
    }

    private func control(_ id: Int32, _ value: Int, _ name: String) throws(VPXError) {
        try VPXError.check(CRTCVPX_controlInt(context, id, Int32(value)), name, codec: context)
    }

    /// Threads by picture size and cores, as libwebrtc's realtime senders (and aiortc) pick them: one thread up to
    /// 640×480, and more only for larger pictures on machines with cores to spare.
    ///
    /// libvpx's threads synchronise macroblock rows by spinning (`pause` loops on the neighbour's row counter), so
    /// a thread waiting for one the kernel descheduled burns its time slice: on a busy 2-core machine a 640×480 VP8
    /// encoder with 2 threads spent 80 % of its CPU in those loops and managed 10 frames/s (benchmark scenario 4).
    /// Extra threads only pay when a frame is big enough to split and a core is free for each.
    static func threadCount(configuration c: Configuration) -> Int {
        if let threads = c.threads { return max(1, min(threads, 64)) }
        return threadCount(width: c.width, height: c.height, codec: c.codec,
                           cores: max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
    }

    /// The rule of ``threadCount(configuration:)`` for a picture size and a number of online cores.
    static func threadCount(width: Int, height: Int, codec: VPXCodec, cores: Int) -> Int {
        let pixels = width * height
        switch codec {
        case .vp8:
            if pixels >= 1920 * 1080 && cores > 8 { return 8 }
            if pixels > 1280 * 960 && cores >= 6 { return 3 }
            if pixels > 640 * 480 && cores >= 3 { return 2 }
            return 1
        case .vp9:
            if pixels >= 1280 * 720 && cores > 4 { return 4 }
            if pixels > 640 * 480 && cores > 2 { return 2 }
            return 1
        }
    }
}
