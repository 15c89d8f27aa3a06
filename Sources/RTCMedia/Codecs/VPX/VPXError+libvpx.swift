internal import CRTCVPX

extension VPXError {
    /// Wraps a failed libvpx call, taking the text from the context when there is one.
    init(_ status: vpx_codec_err_t, _ context: String, codec: UnsafeMutablePointer<vpx_codec_ctx_t>?,
         file: String = #fileID, line: UInt = #line) {
        var text = vpx_codec_err_to_string(status).map { String(cString: $0) } ?? "unknown error"
        if let codec, let detail = vpx_codec_error_detail(codec) {
            text += " (\(String(cString: detail)))"
        }
        self.init(code: Int(status.rawValue), reason: "\(context): \(text)", file: file, line: line)
    }

    static func check(_ status: vpx_codec_err_t, _ context: @autoclosure () -> String,
                      codec: UnsafeMutablePointer<vpx_codec_ctx_t>?, file: String = #fileID,
                      line: UInt = #line) throws(VPXError) {
        if status != VPX_CODEC_OK { throw VPXError(status, context(), codec: codec, file: file, line: line) }
    }
}

extension VPXCodec {
    var encoderInterface: OpaquePointer? {
        switch self {
        case .vp8: vpx_codec_vp8_cx()
        case .vp9: vpx_codec_vp9_cx()
        }
    }

    var decoderInterface: OpaquePointer? {
        switch self {
        case .vp8: vpx_codec_vp8_dx()
        case .vp9: vpx_codec_vp9_dx()
        }
    }
}
