import RTCCrypto

/// An ICE username fragment and password (RFC 8445 §5.3, RFC 8839 §5.4): `ice-char` is ALPHA / DIGIT / "+" / "/";
/// the fragment has at least 4 characters (24 bits of randomness), the password at least 22 (128 bits).
public struct ICECredentials: Hashable, Sendable {
    /// The ufrag (`a=ice-ufrag`).
    public var usernameFragment: String
    /// The password (`a=ice-pwd`); keys MESSAGE-INTEGRITY of checks sent to this side.
    public var password: String

    public init(usernameFragment: String, password: String) {
        self.usernameFragment = usernameFragment
        self.password = password
    }

    /// Fresh random credentials: 8 characters of fragment (48 bits) and 24 of password (144 bits).
    public static func random() -> ICECredentials {
        ICECredentials(usernameFragment: randomICEChars(8), password: randomICEChars(24))
    }

    private static let iceChars = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")

    private static func randomICEChars(_ count: Int) -> String {
        // 64 symbols: six bits of each random byte pick one without bias.
        String(SecureRandom.bytes(count).map { iceChars[Int($0 & 0x3F)] })
    }
}
