/// A `c=` line: `nettype addrtype connection-address` (RFC 8866 §5.7). The address keeps any `/ttl/count` suffix.
public struct SDPConnection: Hashable, Sendable {
    public var networkType: String
    public var addressType: String
    public var address: String

    public init(networkType: String = "IN", addressType: String = "IP4", address: String = "0.0.0.0") {
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }

    /// Parses the text after `c=`.
    public init(parsing text: String) throws(WireError) {
        let fields = SDPText.fields(text[...])
        guard fields.count == 3 else {
            throw WireError(.sdp, .malformed, "c=: expected 3 space-separated fields, got \(fields.count)")
        }
        networkType = try SDPText.token(fields[0], field: "c= nettype")
        addressType = try SDPText.token(fields[1], field: "c= addrtype")
        address = try SDPText.token(fields[2], field: "c= connection-address")
    }

    /// The text after `c=`.
    public var text: String { "\(networkType) \(addressType) \(address)" }
}
