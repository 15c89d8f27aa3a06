internal import CRTCOpenSSL

/// The OpenSSL library AsyncRTC runs against.
public enum OpenSSLLibrary {
    /// The version string of the OpenSSL loaded at run time, e.g. "OpenSSL 3.0.17 1 Jul 2025".
    public static var versionString: String { String(cString: OpenSSL_version(OPENSSL_VERSION)) }

    /// The numeric version of the OpenSSL loaded at run time.
    public static var versionNumber: UInt { UInt(OpenSSL_version_num()) }

    /// Throws when the OpenSSL found at run time is older than 3.0 (the headers refuse older versions at build
    /// time; this catches a mismatched shared library at run time).
    public static func checkSupported() throws(CryptoError) {
        guard versionNumber >= 0x3000_0000 else {
            throw CryptoError(.unsupported, "AsyncRTC needs OpenSSL 3.0 or newer, found \(versionString)")
        }
    }
}
