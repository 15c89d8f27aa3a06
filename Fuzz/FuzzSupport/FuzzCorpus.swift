#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads fuzz corpora from disk without Foundation (so fuzz binaries stay small).
public enum FuzzCorpus {
    /// Every regular file named in `paths`, expanding directories one level, sorted for reproducibility.
    public static func files(in paths: [String]) -> [String] {
        var out: [String] = []
        for path in paths {
            if let dir = opendir(path) {
                defer { closedir(dir) }
                while let entry = readdir(dir) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                    }
                    if name.hasPrefix(".") { continue }
                    out.append(path + "/" + name)
                }
            } else {
                out.append(path)
            }
        }
        return out.sorted()
    }

    /// The whole contents of a file, or an empty array if it cannot be read.
    public static func read(_ path: String) -> [UInt8] {
        guard let file = fopen(path, "rb") else { return [] }
        defer { fclose(file) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n <= 0 { break }
            out.append(contentsOf: chunk[..<n])
        }
        return out
    }
}
