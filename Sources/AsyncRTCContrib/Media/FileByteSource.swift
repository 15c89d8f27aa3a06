import Foundation

/// Sequential reads from a file for the container readers: `read(_:)` returns fewer bytes than asked only at the
/// end of the file, so a reader tells a clean end (0 bytes) from a truncated record (some).
///
/// A read never allocates more than what is left of the file (its size when opened): a hostile length field (a
/// Y4M header announcing 16384×16384 pictures, a huge IVF frame size) cannot make a reader allocate for bytes that
/// are not there.
final class FileByteSource {
    private let handle: FileHandle
    let path: String
    /// The file's size when opened.
    let size: UInt64
    /// Bytes read so far.
    private(set) var offset: UInt64 = 0

    init(path: String) throws(MediaFileError) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw MediaFileError(.notFound, "no file at \(path)")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw MediaFileError(.notFound, "cannot open \(path)")
        }
        self.handle = handle
        self.path = path
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        self.size = (attributes?[.size] as? NSNumber)?.uint64Value ?? UInt64(Int.max)
    }

    deinit { try? handle.close() }

    /// Up to `count` bytes; fewer only at the end of the file.
    func read(_ count: Int) throws(MediaFileError) -> [UInt8] {
        let count = min(count, Int(clamping: size > offset ? size - offset : 0))
        guard count > 0 else { return [] }
        var result: [UInt8] = []
        while result.count < count {
            let chunk: Data?
            do { chunk = try handle.read(upToCount: count - result.count) } catch {
                throw MediaFileError(.io, "reading \(path): \(error)")
            }
            guard let chunk, !chunk.isEmpty else { break }
            result += chunk
        }
        offset += UInt64(result.count)
        return result
    }

    /// Exactly `count` bytes, or nil at a clean end of file (no byte left).
    /// - Throws: `.truncated` when the file ends inside the `count` bytes.
    func readExactly(_ count: Int, what: @autoclosure () -> String) throws(MediaFileError) -> [UInt8]? {
        let bytes = try read(count)
        if bytes.isEmpty && count > 0 { return nil }
        guard bytes.count == count else {
            throw MediaFileError(.truncated, "\(path) ends inside \(what()) (\(bytes.count) of \(count) bytes)")
        }
        return bytes
    }

    /// Skips `count` bytes (at most to the end of the file).
    func skip(_ count: UInt64) throws(MediaFileError) -> Bool {
        do {
            let target = min(size, offset &+ min(count, size))
            try handle.seek(toOffset: target)
            offset = target
            return true
        } catch {
            throw MediaFileError(.io, "seeking in \(path): \(error)")
        }
    }

    /// Moves back to `position` (for looping).
    func seek(to position: UInt64) throws(MediaFileError) {
        do { try handle.seek(toOffset: position) } catch {
            throw MediaFileError(.io, "seeking in \(path): \(error)")
        }
        offset = position
    }
}

/// Appends to a file for the container writers; `overwrite(at:)` patches header fields in place.
final class FileByteSink {
    private let handle: FileHandle
    let path: String
    private(set) var length: UInt64 = 0

    init(path: String) throws(MediaFileError) {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw MediaFileError(.io, "cannot create \(path)")
        }
        self.handle = handle
        self.path = path
    }

    deinit { try? handle.close() }

    func write(_ bytes: [UInt8]) throws(MediaFileError) {
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: bytes)
        } catch {
            throw MediaFileError(.io, "writing \(path): \(error)")
        }
        length += UInt64(bytes.count)
    }

    /// Replaces bytes at `offset` (inside what was written).
    func overwrite(at offset: UInt64, _ bytes: [UInt8]) throws(MediaFileError) {
        do {
            try handle.seek(toOffset: offset)
            try handle.write(contentsOf: bytes)
            try handle.seekToEnd()
        } catch {
            throw MediaFileError(.io, "writing \(path): \(error)")
        }
    }

    func close() {
        try? handle.synchronize()
        try? handle.close()
    }
}

/// Little-endian field access for the RIFF and IVF headers (bounds are checked by the callers' length checks;
/// out-of-range reads give 0 rather than trapping).
enum LittleEndian {
    static func u16(_ bytes: [UInt8], _ at: Int) -> UInt16 {
        guard at >= 0, at + 2 <= bytes.count else { return 0 }
        return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        guard at >= 0, at + 4 <= bytes.count else { return 0 }
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * UInt32($1)) }
    }

    static func u64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        guard at >= 0, at + 8 <= bytes.count else { return 0 }
        return (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
    }

    static func bytes(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    static func bytes(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) } }
    static func bytes(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) } }
    static func bytes(_ value: Int64) -> [UInt8] { bytes(UInt64(bitPattern: value)) }
}
