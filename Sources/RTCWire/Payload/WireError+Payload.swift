extension WireError.Layer {
    /// The VP8 RTP payload format (RFC 7741).
    public static let vp8 = WireError.Layer("VP8")
    /// The VP9 RTP payload format (RFC 9628).
    public static let vp9 = WireError.Layer("VP9")
}
