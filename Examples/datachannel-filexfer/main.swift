// datachannel-filexfer — the Swift twin of aiortc's examples/datachannel-filexfer: the sender opens channel
// "filexfer" and streams a file in 16 KiB messages with buffered-amount flow control, an empty message marks the
// end; the receiver writes the file, prints the throughput and says bye. Same command line as aiortc's:
//
//   swift run datachannel-filexfer send FILE --signaling tcp-socket      # or: python filexfer.py send FILE
//   swift run datachannel-filexfer receive FILE --signaling tcp-socket   # or: python filexfer.py receive FILE
import ArgumentParser
import AsyncRTCContrib
import ExampleSupport
import Foundation
import Synchronization

@main
struct DataChannelFileTransfer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "datachannel-filexfer",
                                                    abstract: "Send a file over a data channel, paired with aiortc's example.")

    enum Role: String, ExpressibleByArgument, CaseIterable { case send, receive }

    @Argument(help: "send or receive") var role: Role
    @Argument(help: "the file to send, or where to write what is received") var filename: String
    @OptionGroup var signalingOptions: SignalingOptions

    static let chunkSize = 16_384

    func run() async throws {
        let pc = RTCPeerConnection(configuration: signalingOptions.configuration)
        let signaling = signalingOptions.makeSignaling()
        try await signaling.connect()
        switch role {
        case .send: try await send(pc, signaling)
        case .receive: try await receive(pc, signaling)
        }
        await signaling.close()
        await pc.close()
    }

    func send(_ pc: RTCPeerConnection, _ signaling: any Signaling) async throws {
        guard let file = FileHandle(forReadingAtPath: filename) else {
            throw ValidationError("cannot read \(filename)")
        }
        let reader = ChunkReader(file)
        let channel = try pc.createDataChannel("filexfer")
        // Keep about 1 MiB queued: refill when the queue falls to the threshold.
        channel.bufferedAmountLowThreshold = 1 << 20
        let pump: @Sendable () -> Void = {
            while channel.bufferedAmount <= channel.bufferedAmountLowThreshold, let chunk = reader.next(Self.chunkSize) {
                try? channel.send(chunk)  // an empty chunk is the end-of-file marker
            }
        }
        channel.onOpen = pump
        channel.onBufferedAmountLow = pump
        try await pc.setLocalDescription()
        if let offer = pc.localDescription { try await signaling.send(.description(offer)) }
        // The receiver says bye when it has everything.
        try await consumeSignaling(pc, signaling)
    }

    func receive(_ pc: RTCPeerConnection, _ signaling: any Signaling) async throws {
        guard FileManager.default.createFile(atPath: filename, contents: nil),
              let file = FileHandle(forWritingAtPath: filename) else { throw ValidationError("cannot write \(filename)") }
        let finished = AsyncStream<Void>.makeStream()
        let progress = Mutex((octets: 0, start: ContinuousClock.now))
        pc.onDataChannel = { channel in
            progress.withLock { $0.start = .now }
            channel.onMessage = { message in
                guard case .binary(let bytes) = message else { return }
                if bytes.isEmpty {
                    let (octets, start) = progress.withLock { ($0.octets, $0.start) }
                    let d = ContinuousClock.now - start
                    let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
                    print(String(format: "received %d bytes in %.1f s (%.3f Mbps)", octets, seconds,
                                 Double(octets) * 8 / seconds / 1e6))
                    try? file.close()
                    finished.continuation.yield()
                } else {
                    file.write(Data(bytes))
                    progress.withLock { $0.octets += bytes.count }
                }
            }
        }
        let consumer = Task { try await consumeSignaling(pc, signaling) }
        for await _ in finished.stream { break }
        try await signaling.send(.bye)
        consumer.cancel()
    }
}

/// Reads a file in chunks; returns an empty chunk once at the end, then nil.
final class ChunkReader: Sendable {
    private let state: Mutex<(file: FileHandle?, ended: Bool)>

    init(_ file: FileHandle) { state = Mutex((file, false)) }

    func next(_ size: Int) -> [UInt8]? {
        state.withLock { state in
            guard !state.ended, let file = state.file else { return nil }
            let data = (try? file.read(upToCount: size)) ?? nil
            guard let data, !data.isEmpty else {
                state.ended = true
                try? file.close()
                return []
            }
            return [UInt8](data)
        }
    }
}
