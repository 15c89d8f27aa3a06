#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process environment, read without Foundation.
enum ProcessEnvironment {
    /// One variable (what every socket bind asks for: reading it alone skips copying the whole environment).
    static func value(of name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
