public import ArgumentParser
public import AsyncRTCContrib

/// The signaling flags of aiortc's examples (`add_signaling_arguments`), shared by the Swift examples, plus
/// `--loopback` to keep both peers on 127.0.0.1.
public struct SignalingOptions: ParsableArguments {
    @Option(name: [.short, .long], help: "copy-and-paste, tcp-socket or unix-socket")
    public var signaling: String = SignalingKind.copyAndPaste.rawValue
    @Option(name: .customLong("signaling-host")) public var signalingHost = "127.0.0.1"
    @Option(name: .customLong("signaling-port")) public var signalingPort = 1234
    @Option(name: .customLong("signaling-path")) public var signalingPath = "aiortc.socket"
    @Flag(name: [.short, .long]) public var verbose = false
    @Flag(help: "Offer loopback candidates only (both peers on this machine, nothing else on the network).")
    public var loopback = false

    public init() {}

    public func validate() throws {
        guard SignalingKind(rawValue: signaling) != nil else {
            throw ValidationError("--signaling must be one of \(SignalingKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// The signaling these flags ask for.
    public func makeSignaling() -> any Signaling {
        AsyncRTCContrib.makeSignaling(SignalingKind(rawValue: signaling) ?? .copyAndPaste, host: signalingHost,
                                      port: signalingPort, path: signalingPath)
    }

    /// A configuration with `--loopback` applied.
    public var configuration: RTCConfiguration { RTCConfiguration(loopbackOnly: loopback) }
}
