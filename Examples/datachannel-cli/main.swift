// datachannel-cli — the Swift twin of aiortc's examples/datachannel-cli: the offerer opens channel "chat" and
// sends "ping <µs>" every second; the answerer replies "pong <µs>"; the offerer prints the round-trip time.
// Same command line as aiortc's, so either side can be aiortc:
//
//   swift run datachannel-cli offer  --signaling tcp-socket      # or: python cli.py offer
//   swift run datachannel-cli answer --signaling tcp-socket      # or: python cli.py answer
import ArgumentParser
import AsyncRTCContrib
import ExampleSupport
import Foundation
import Logging
import Synchronization

@main
struct DataChannelCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "datachannel-cli",
                                                    abstract: "Data channel ping/pong, paired with aiortc's example.")

    enum Role: String, ExpressibleByArgument, CaseIterable { case offer, answer }

    @Argument(help: "offer or answer") var role: Role
    @OptionGroup var signalingOptions: SignalingOptions
    @Option(help: "Stop after this many pongs (offer) or pings (answer); 0 runs until interrupted.")
    var count = 0

    func run() async throws {
        var logger = Logger(label: "datachannel-cli")
        logger.logLevel = signalingOptions.verbose ? .debug : .info
        var configuration = signalingOptions.configuration
        configuration.logger = signalingOptions.verbose ? logger : nil
        let pc = RTCPeerConnection(configuration: configuration)
        let signaling = signalingOptions.makeSignaling()
        try await signaling.connect()
        let done = AsyncStream<Void>.makeStream()
        switch role {
        case .offer: try await runOffer(pc, signaling, done.continuation)
        case .answer: try await runAnswer(pc, signaling, done.continuation)
        }
        for await _ in done.stream { break }
        try? await signaling.send(.bye)
        await signaling.close()
        await pc.close()
    }

    static let start = ContinuousClock.now
    static func stamp() -> Int64 {
        let d = ContinuousClock.now - start
        return d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000
    }

    func log(_ channel: RTCDataChannel, _ direction: String, _ text: String) {
        print("channel(\(channel.label)) \(direction) \(text)")
    }

    func runOffer(_ pc: RTCPeerConnection, _ signaling: any Signaling, _ done: AsyncStream<Void>.Continuation) async throws {
        let channel = try pc.createDataChannel("chat")
        log(channel, "-", "created by local party")
        let pongs = Counter()
        channel.onOpen = {
            Task {
                while channel.readyState == .open {
                    let ping = "ping \(Self.stamp())"
                    print("channel(chat) > \(ping)")
                    try? channel.send(ping)
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
        channel.onMessage = { [count] message in
            guard case .text(let text) = message else { return }
            print("channel(chat) < \(text)")
            if text.hasPrefix("pong"), let sent = Int64(text.dropFirst(5)) {
                print(String(format: " RTT %.2f ms", Double(Self.stamp() - sent) / 1000))
                if count > 0 && pongs.increment() >= count { done.yield() }
            }
        }
        try await pc.setLocalDescription()
        if let offer = pc.localDescription { try await signaling.send(.description(offer)) }
        Task {
            try? await consumeSignaling(pc, signaling)
            done.yield()
        }
    }

    func runAnswer(_ pc: RTCPeerConnection, _ signaling: any Signaling, _ done: AsyncStream<Void>.Continuation) async throws {
        let pings = Counter()
        pc.onDataChannel = { [count] channel in
            print("channel(\(channel.label)) - created by remote party")
            channel.onMessage = { message in
                guard case .text(let text) = message else { return }
                print("channel(\(channel.label)) < \(text)")
                if text.hasPrefix("ping") {
                    let reply = "pong" + text.dropFirst(4)
                    print("channel(\(channel.label)) > \(reply)")
                    try? channel.send(reply)
                    if count > 0 && pings.increment() >= count { done.yield() }
                }
            }
        }
        Task {
            try? await consumeSignaling(pc, signaling)
            done.yield()
        }
    }
}

/// A thread-safe counter for the callbacks.
final class Counter: Sendable {
    private let value = Mutex(0)
    func increment() -> Int { value.withLock { $0 += 1; return $0 } }
}
