internal import CRTCOpenSSL

/// OpenSSL's per-thread error queue, read into ``CryptoError/openSSLErrors``.
enum OpenSSLErrorQueue {
    /// Removes every entry from this thread's queue and returns their strings, oldest first.
    static func drain() -> [String] {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            buffer.withUnsafeMutableBufferPointer { ERR_error_string_n(code, $0.baseAddress, $0.count) }
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return messages
    }

    /// Empties this thread's queue so the next failure reports only its own causes.
    static func clear() { ERR_clear_error() }

    /// A ``CryptoError`` carrying (and emptying) the queue.
    static func error(_ code: CryptoError.Code, _ reason: String, file: String = #fileID, line: UInt = #line) -> CryptoError {
        CryptoError(code, reason, openSSLErrors: drain(), file: file, line: line)
    }
}
