import RTCCrypto
import RTCTransport
import RTCWire

/// A STUN or TURN server (W3C `RTCIceServer`, aiortc's names).
///
/// ```swift
/// RTCIceServer(urls: ["stun:stun.example.org"])                                   // server-reflexive candidates
/// RTCIceServer(urls: ["turn:turn.example.org:3478?transport=udp",
///                     "turn:turn.example.org:3478?transport=tcp",
///                     "turns:turn.example.org:5349"], username: "u", credential: "p")  // relayed
/// ```
///
/// URLs follow RFC 7064 (`stun:host[:port]`) and RFC 7065 (`turn:host[:port][?transport=udp|tcp]`,
/// `turns:host[:port]`); an IPv6 literal goes in brackets (`turn:[2001:db8::1]:3478`).
///
/// `turns:` reaches the TURN server over TLS 1.2/1.3 on TCP (RFC 8656 §3.1; default port 5349, `?transport=tcp`
/// implied): the server's certificate must chain to the system trust store, or to
/// ``RTCConfiguration/iceServerCAFile`` when that is set, and name the URL's host; otherwise that server gives no
/// relayed candidate. `turns:…?transport=udp` (DTLS) and `stuns:` are not supported: the first offer or answer
/// throws ``RTCError/Code/notSupported`` for them.
public struct RTCIceServer: Hashable, Sendable {
    public var urls: [String]
    /// The TURN username (long-term credentials, RFC 8489 §9.2).
    public var username: String?
    /// The TURN password.
    public var credential: String?

    public init(urls: [String], username: String? = nil, credential: String? = nil) {
        self.urls = urls
        self.username = username
        self.credential = credential
    }

    /// One URL, as aiortc also accepts it.
    public init(urls: String, username: String? = nil, credential: String? = nil) {
        self.init(urls: [urls], username: username, credential: credential)
    }

    /// The servers ICE gathers from, one per URL. Throws ``RTCError/Code/syntax`` for a malformed URL,
    /// ``RTCError/Code/invalidAccess`` for a TURN URL without username and credential (as the W3C constructor
    /// does), ``RTCError/Code/notSupported`` for `stuns:` and `turns:…?transport=udp`. `caFile`: the PEM file
    /// that `turns:` certificates are checked against; nil: the system trust store.
    func transportServers(caFile: String? = nil) throws(RTCError) -> [ICEServer] {
        var result: [ICEServer] = []
        for text in urls {
            let url = try RTCIceServerURL(parsing: text)
            switch url.scheme {
            case .stun:
                result.append(.stun(host: url.host, port: url.port))
            case .turn, .turns:
                guard let username, let credential else {
                    throw RTCError(.invalidAccess, "the TURN server '\(text)' needs a username and a credential")
                }
                let transport: ICEServer.Transport
                if url.scheme == .turns {
                    // RFC 7065 §3.1: turns: with transport=udp would be DTLS, which this client does not speak.
                    guard url.transport != .udp else {
                        throw RTCError(.notSupported, "'\(text)': TURN over DTLS is not supported; use "
                                       + "'turns:\(url.hostForURL):\(url.port)' (TLS over TCP)")
                    }
                    transport = .tls
                } else {
                    transport = url.transport == .tcp ? .tcp : .udp
                }
                result.append(ICEServer(kind: .turn, host: url.host, port: url.port, transport: transport,
                                        username: username, password: credential,
                                        tlsVerification: caFile.map { .caFile($0) } ?? .systemTrustStore))
            case .stuns:
                // A Binding over TLS would reveal a TCP mapping, which says nothing about our UDP sockets.
                throw RTCError(.notSupported, "'\(text)': STUN over TLS is not supported (it cannot discover the "
                               + "UDP mapping ICE needs); use 'stun:\(url.hostForURL):\(url.port == 5349 ? 3478 : url.port)'")
            }
        }
        return result
    }
}

/// A parsed STUN or TURN URL (RFC 7064 §3.1, RFC 7065 §3.1).
public struct RTCIceServerURL: Hashable, Sendable, CustomStringConvertible {
    public enum Scheme: String, Hashable, Sendable {
        case stun, stuns, turn, turns
    }

    /// The `?transport=` of a TURN URL (RFC 7065 §3.1).
    public enum Transport: String, Hashable, Sendable {
        case udp, tcp
    }

    public var scheme: Scheme
    /// A host name or an IP address; an IPv6 literal without its brackets.
    public var host: String
    /// The port, or the scheme's default: 3478 for `stun:`/`turn:`, 5349 for `stuns:`/`turns:`.
    public var port: Int
    /// The transport a TURN URL asks for; nil when it names none (UDP is used then).
    public var transport: Transport?

    /// Parses `stun:host[:port]` or `turn:host[:port][?transport=udp|tcp]` (and the `stuns:`/`turns:` forms).
    /// Throws ``RTCError/Code/syntax`` with what is wrong.
    public init(parsing url: String) throws(RTCError) {
        func bad(_ why: String) -> RTCError { RTCError(.syntax, "invalid ICE server URL '\(url)': \(why)") }
        guard let colon = url.firstIndex(of: ":") else { throw bad("no scheme (expected stun: or turn:)") }
        guard let scheme = Scheme(rawValue: url[..<colon].lowercased()) else {
            throw bad("unknown scheme '\(url[..<colon])' (expected stun, stuns, turn or turns)")
        }
        var rest = url[url.index(after: colon)...]
        if rest.hasPrefix("//") { throw bad("a STUN/TURN URL has no '//' after the scheme (RFC 7064)") }
        var query: Substring?
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw bad("'[' without ']'") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            guard let ip = STUNAddress.IP(host), ip.family == .ipv6 else { throw bad("'\(host)' is not an IPv6 address") }
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { throw bad("unexpected '\(after)' after the address") }
                portText = after.dropFirst()
            }
        } else {
            let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw bad("an IPv6 address must be in brackets") }
            host = String(parts[0])
            if parts.count == 2 { portText = parts[1] }
            let allowed = host.unicodeScalars.allSatisfy {
                ($0.properties.isAlphabetic && $0.isASCII) || ("0"..."9").contains($0) || $0 == "-" || $0 == "." || $0 == "_"
            }
            guard allowed else { throw bad("'\(host)' is not a host name or IPv4 address") }
        }
        guard !host.isEmpty else { throw bad("no host") }
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isASCII), let value = Int(portText),
                  (1...65535).contains(value) else { throw bad("'\(portText)' is not a port (1–65535)") }
            port = value
        } else {
            port = scheme == .stuns || scheme == .turns ? 5349 : 3478
        }
        self.scheme = scheme
        transport = nil
        if let query {
            guard scheme == .turn || scheme == .turns else { throw bad("a STUN URL takes no '?' query") }
            let pair = query.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2, pair[0] == "transport" else { throw bad("the only query is '?transport=udp|tcp'") }
            guard let value = Transport(rawValue: pair[1].lowercased()) else {
                throw bad("unknown transport '\(pair[1])' (expected udp or tcp)")
            }
            transport = value
        }
    }

    /// The host as written in a URL (IPv6 in brackets).
    var hostForURL: String { host.contains(":") ? "[\(host)]" : host }

    /// The URL, with the port always written: `turn:[2001:db8::1]:3478?transport=tcp`. Parses back to an equal value.
    public var description: String {
        "\(scheme.rawValue):\(hostForURL):\(port)" + (transport.map { "?transport=\($0.rawValue)" } ?? "")
    }
}
