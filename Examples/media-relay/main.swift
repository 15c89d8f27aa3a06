// media-relay — one publisher fanned out to N subscriber peer connections with MediaRelay, without re-encoding:
// the publisher's encoded frames (a file played with decode: false, or what a remote peer sends, tapped with
// RTCRtpReceiver.makeEncodedTrack) are forwarded to every subscriber as they are — an SFU in a few lines.
//
//   swift run media-relay --play-from clip.ivf --subscribers 5                  # a file as the publisher
//   swift run media-relay --signaling tcp-socket --subscribers 5                # a peer offers (e.g. aiortc's
//                                                                               # videostream-cli offer)
// Subscribers are in-process peer connections over loopback; each prints how many frames it decoded.
import ArgumentParser
import AsyncRTCContrib
import ExampleSupport
import Foundation
import Synchronization

@main
struct MediaRelayExample: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "media-relay",
                                                    abstract: "Relay one publisher to many subscribers without re-encoding.")

    @Option(name: .customLong("play-from"), help: "Publish a file (.ivf VP8/VP9, .ogg Opus; looped). Without it, wait for a peer's offer over signaling.")
    var playFrom: String?
    @Option(help: "Subscriber peer connections to create.") var subscribers = 3
    @Option(help: "Stop after this many seconds (0 runs until interrupted).") var duration: Double = 0
    @OptionGroup var signalingOptions: SignalingOptions

    func run() async throws {
        let source: MediaStreamTrack
        var publisherPC: RTCPeerConnection?
        var signaling: (any Signaling)?
        if let playFrom {
            let player = try MediaPlayer(file: playFrom, loop: true, decode: false)
            guard let track = player.video ?? player.audio else { throw ValidationError("\(playFrom) holds no track") }
            source = track
            print("publisher: \(playFrom) (\((track as? any EncodedFrameSource)?.codecMimeType ?? "decoded \(track.kind)"))")
        } else {
            let (pc, track, channel) = try await Self.receivePublisher(signalingOptions)
            publisherPC = pc
            signaling = channel
            source = track
            print("publisher: remote peer (\((track as? any EncodedFrameSource)?.codecMimeType ?? "?"))")
        }

        let relay = MediaRelay()
        let counters = (0..<subscribers).map { _ in FrameCounter() }
        // Connect every subscriber first (a send-only transceiver without a track), then hand each its copy of the
        // source at the same moment: all start at the same key frame, none gets a backlog in a burst.
        var pairs: [(RTCPeerConnection, RTCPeerConnection)] = []
        var senders: [RTCRtpSender] = []
        for index in 0..<subscribers {
            let sender = RTCPeerConnection(configuration: RTCConfiguration(loopbackOnly: true))
            let viewer = RTCPeerConnection(configuration: RTCConfiguration(loopbackOnly: true))
            let transceiver = try sender.addTransceiver(kind: source.kind, direction: .sendonly)
            if let codec = (source as? any EncodedFrameSource)?.codecMimeType {
                // Forwarding cannot change the codec: offer only the source's.
                let preferred = RTCRtpSender.getCapabilities(source.kind).codecs.filter { $0.mimeType.lowercased() == codec.lowercased() }
                if !preferred.isEmpty { try transceiver.setCodecPreferences(preferred) }
            }
            let counter = counters[index]
            viewer.onTrack = { track, _, _ in
                Task {
                    while true {
                        if let video = track as? VideoStreamTrack { guard (try? await video.recv()) != nil else { return } }
                        else if let audio = track as? AudioStreamTrack { guard (try? await audio.recv()) != nil else { return } }
                        else { return }
                        counter.increment()
                    }
                }
            }
            try await sender.setLocalDescription()
            if let offer = sender.localDescription { try await viewer.setRemoteDescription(offer) }
            try await viewer.setLocalDescription()
            if let answer = viewer.localDescription { try await sender.setRemoteDescription(answer) }
            pairs.append((sender, viewer))
            senders.append(transceiver.sender)
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while pairs.contains(where: { $0.0.connectionState != .connected }) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        print("\(pairs.filter { $0.0.connectionState == .connected }.count) of \(subscribers) subscribers connected")
        let copies = (0..<subscribers).map { _ in relay.subscribe(source) }
        for (sender, copy) in zip(senders, copies) { try await sender.replaceTrack(copy) }

        let start = ContinuousClock.now
        while duration <= 0 || ContinuousClock.now - start < .seconds(duration) {
            try await Task.sleep(for: .seconds(1))
            let counts = counters.map(\.value)
            print("[\((ContinuousClock.now - start).components.seconds) s] frames per subscriber: "
                  + counts.enumerated().map { "#\($0.offset + 1)=\($0.element)" }.joined(separator: " "))
            if source.readyState == .ended { break }
        }
        for (index, counter) in counters.enumerated() { print("subscriber \(index + 1): \(counter.value) frames") }
        for (sender, viewer) in pairs {
            await sender.close()
            await viewer.close()
        }
        source.stop()
        if let signaling {
            try? await signaling.send(.bye)
            await signaling.close()
        }
        await publisherPC?.close()
    }

    /// Answers a peer's offer and taps the first track it sends, still encoded.
    static func receivePublisher(_ options: SignalingOptions) async throws
        -> (RTCPeerConnection, MediaStreamTrack, any Signaling) {
        let pc = RTCPeerConnection(configuration: options.configuration)
        let signaling = options.makeSignaling()
        let tapped = AsyncStream<MediaStreamTrack>.makeStream()
        let blackhole = MediaBlackhole()
        pc.onTrack = { track, receiver, _ in
            print("publisher sends \(track.kind)")
            blackhole.addTrack(track)  // the decoded copy is not needed; keep its queue drained
            tapped.continuation.yield(receiver.makeEncodedTrack())
        }
        try await signaling.connect()
        Task { try? await consumeSignaling(pc, signaling) }
        await blackhole.start()
        var iterator = tapped.stream.makeAsyncIterator()
        guard let track = await iterator.next() else { throw ValidationError("the publisher sent no track") }
        // The tap learns its codec from the negotiation.
        let deadline = ContinuousClock.now + .seconds(10)
        while ((track as? any EncodedFrameSource)?.codecMimeType ?? "").isEmpty && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        return (pc, track, signaling)
    }
}

/// A frame count shared between a subscriber's reading task and the progress line.
final class FrameCounter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
