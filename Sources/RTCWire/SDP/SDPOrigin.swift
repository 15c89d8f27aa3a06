/// The `o=` line: `username sess-id sess-version nettype addrtype unicast-address` (RFC 8866 §5.2).
public struct SDPOrigin: Hashable, Sendable {
    public var username: String
    /// Kept as text: RFC 8866 only asks for a numeric string, and implementations differ in its range.
    public var sessionID: String
    public var sessionVersion: UInt64
    public var networkType: String
    public var addressType: String
    public var address: String

    public init(username: String = "-", sessionID: String, sessionVersion: UInt64,
                networkType: String = "IN", addressType: String = "IP4", address: String = "127.0.0.1") {
        self.username = username
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }

    /// Parses the text after `o=`.
    public init(parsing text: String) throws(WireError) {
        let fields = SDPText.fields(text[...])
        guard fields.count == 6 else {
            throw WireError(.sdp, .malformed, "o=: expected 6 space-separated fields, got \(fields.count)")
        }
        username = try SDPText.token(fields[0], field: "o= username")
        sessionID = try SDPText.token(fields[1], field: "o= sess-id")
        sessionVersion = try SDPText.number(fields[2], field: "o= sess-version")
        networkType = try SDPText.token(fields[3], field: "o= nettype")
        addressType = try SDPText.token(fields[4], field: "o= addrtype")
        address = try SDPText.token(fields[5], field: "o= unicast-address")
    }

    /// The text after `o=`.
    public var text: String {
        "\(username) \(sessionID) \(sessionVersion) \(networkType) \(addressType) \(address)"
    }
}
