/// `a=fmtp:<format> <parameters>` (RFC 8866 §6.15), e.g. `111 minptime=10;useinbandfec=1` or
/// `101 0-15`. The parameters are split on `;` into name/value pairs (value nil when there is no `=`).
public struct SDPFormatParameters: SDPAttributeValue {
    public static let attributeName = "fmtp"

    public struct Parameter: Hashable, Sendable {
        public var name: String
        public var value: String?

        public init(name: String, value: String? = nil) {
            self.name = name
            self.value = value
        }
    }

    /// The payload type (or other format) the parameters apply to.
    public var format: String
    public var parameters: [Parameter]

    public init(format: String, parameters: [Parameter]) {
        self.format = format
        self.parameters = parameters
    }

    public init(attributeValue: String) throws(WireError) {
        let (format, rest) = SDPText.splitOnce(attributeValue[...], at: SDPText.space)
        self.format = try SDPText.token(format, field: "fmtp format")
        parameters = []
        for piece in (rest ?? "").utf8.split(separator: UInt8(ascii: ";")) {
            let trimmed = SDPText.trimmed(Substring(piece))
            if trimmed.isEmpty { continue }
            let (name, value) = SDPText.splitOnce(trimmed, at: UInt8(ascii: "="))
            parameters.append(Parameter(name: String(name), value: value.map(String.init)))
        }
    }

    /// The value of the first parameter with this name (`""` when it has no `=`).
    public subscript(name: String) -> String? {
        parameters.first { $0.name == name }.map { $0.value ?? "" }
    }

    public var attributeValue: String {
        let list = parameters.map { parameter in parameter.value.map { parameter.name + "=" + $0 } ?? parameter.name }
        return format + " " + list.joined(separator: ";")
    }
}
