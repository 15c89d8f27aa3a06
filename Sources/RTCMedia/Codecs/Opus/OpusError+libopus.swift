internal import CRTCOpus

extension OpusError {
    /// Wraps a negative libopus status, with its `opus_strerror` text and a hint of what was being done.
    init(status: Int32, _ context: String, file: String = #fileID, line: UInt = #line) {
        let text = opus_strerror(status).map { String(cString: $0) } ?? "unknown error"
        self.init(code: status, reason: "\(context): \(text)", file: file, line: line)
    }

    /// Throws when `status` is negative (libopus's failure convention), else returns it.
    @discardableResult
    static func check(_ status: Int32, _ context: @autoclosure () -> String, file: String = #fileID,
                      line: UInt = #line) throws(OpusError) -> Int32 {
        if status < 0 { throw OpusError(status: status, context(), file: file, line: line) }
        return status
    }
}
