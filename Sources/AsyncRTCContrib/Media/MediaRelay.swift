public import AsyncRTC
import RTCTransport

/// Fans one track out to many consumers, as aiortc's `MediaRelay`: each `subscribe` returns a new track that
/// receives every frame of the source, so one camera, file or remote track can feed several peer connections and
/// a recorder at once. The source is read once, by one task started at the first subscription.
///
/// Works for decoded tracks (audio and video frames are shared, not copied — they are values) and for tracks of
/// encoded frames (``EncodedFrameSource``): then every subscriber is an ``RemoteEncodedTrack`` of the same codec,
/// forwarded without decoding (an SFU), and a subscriber's key-frame request reaches the source.
///
/// ```swift
/// let relay = MediaRelay()
/// let source = receiver.makeEncodedTrack()           // or player.video, or a remote track
/// for pc in viewers { try pc.addTrack(relay.subscribe(source)) }
/// ```
///
/// An encoded subscriber starts at a key frame (frames before it would not decode); one that joins a running
/// video stream asks the source for a key frame.
///
/// When the source ends, every subscriber ends after the frames it has buffered. A stopped subscriber is dropped;
/// when none is left the relay stops reading the source (it does not stop the source itself).
public final class MediaRelay: Sendable {
    /// One source and its subscribers; touched only under the relay's lock.
    private struct Proxy {
        var subscribers: [Subscriber] = []
        var task: Task<Void, Never>?
    }

    private struct Subscriber {
        var track: MediaStreamTrack
        /// An encoded subscriber starts at a key frame: a decoder cannot use what comes before.
        var waitingForKeyframe: Bool
    }

    private let proxies = Locked<[ObjectIdentifier: Proxy]>([:])

    public init() {}

    /// The frames a buffered subscriber holds before dropping its oldest (a few seconds of media). An unbuffered
    /// subscriber holds one: it always gets the latest frame, never a backlog.
    public static let bufferedCapacity = 512

    /// A new track carrying the frames of `track`.
    /// - Parameters:
    ///   - track: the source; an `AudioStreamTrack`, a `VideoStreamTrack` or an ``EncodedFrameSource``.
    ///   - buffered: queue frames for a slow subscriber (true, the default) or keep only the latest (false).
    public func subscribe(_ track: MediaStreamTrack, buffered: Bool = true) -> MediaStreamTrack {
        let capacity = buffered ? Self.bufferedCapacity : 1
        let subscriber: MediaStreamTrack
        if let source = track as? any EncodedFrameSource {
            let encoded = RemoteEncodedTrack(kind: track.kind, codecMimeType: source.codecMimeType, capacity: capacity)
            encoded.onKeyframeRequest = { [weak source] in source?.requestKeyframe() }
            subscriber = encoded
        } else if track.kind == .audio {
            subscriber = RemoteAudioTrack(capacity: capacity)
        } else {
            subscriber = RemoteVideoTrack(capacity: capacity)
        }
        guard track.readyState == .live else {
            Self.finish(subscriber)
            return subscriber
        }
        let key = ObjectIdentifier(track)
        let encodedSource = track as? any EncodedFrameSource
        let joinsRunning = proxies.withLock { proxies in
            var proxy = proxies[key] ?? Proxy()
            let running = proxy.task != nil
            proxy.subscribers.append(Subscriber(track: subscriber, waitingForKeyframe: encodedSource != nil))
            if proxy.task == nil { proxy.task = Task { [weak self] in await self?.run(track) } }
            proxies[key] = proxy
            return running
        }
        // Joining a stream in progress: ask for a key frame rather than wait for the next scheduled one.
        if joinsRunning && track.kind == .video { encodedSource?.requestKeyframe() }
        return subscriber
    }

    /// Reads the source and hands each frame to every live subscriber; ends them when the source ends.
    private func run(_ source: MediaStreamTrack) async {
        let key = ObjectIdentifier(source)
        var ended = false
        while !ended && !Task.isCancelled {
            // Drop stopped subscribers; with none left, forget the source (atomically with subscribe()).
            let live: [MediaStreamTrack] = proxies.withLock { proxies in
                guard var proxy = proxies[key] else { return [] }
                proxy.subscribers.removeAll { $0.track.readyState != .live }
                if proxy.subscribers.isEmpty { proxies[key] = nil } else { proxies[key] = proxy }
                return proxy.subscribers.map(\.track)
            }
            guard !live.isEmpty else { return }
            do {
                if let encoded = source as? any EncodedFrameSource {
                    let frame = try await encoded.recvEncoded()
                    // Subscribers still waiting for a key frame skip the frames before it.
                    let ready: [MediaStreamTrack] = proxies.withLock { proxies in
                        guard var proxy = proxies[key] else { return [] }
                        for index in proxy.subscribers.indices where frame.isKeyframe {
                            proxy.subscribers[index].waitingForKeyframe = false
                        }
                        proxies[key] = proxy
                        return proxy.subscribers.filter { !$0.waitingForKeyframe }.map(\.track)
                    }
                    for case let subscriber as RemoteEncodedTrack in ready {
                        if subscriber.codecMimeType.isEmpty { subscriber.codecMimeType = encoded.codecMimeType }
                        subscriber.push(frame)
                    }
                } else if let audio = source as? AudioStreamTrack {
                    let frame = try await audio.recv()
                    // Whoever subscribed while we waited for the frame gets it too.
                    for case let subscriber as RemoteAudioTrack in current(key) { subscriber.push(frame) }
                } else if let video = source as? VideoStreamTrack {
                    let frame = try await video.recv()
                    for case let subscriber as RemoteVideoTrack in current(key) { subscriber.push(frame) }
                } else {
                    ended = true
                }
            } catch {
                ended = true
            }
        }
        let remaining = proxies.withLock { $0.removeValue(forKey: key)?.subscribers ?? [] }
        for subscriber in remaining { Self.finish(subscriber.track) }
    }

    /// The subscribers of a source now.
    private func current(_ key: ObjectIdentifier) -> [MediaStreamTrack] {
        proxies.withLock { $0[key]?.subscribers.map(\.track) ?? [] }
    }

    private static func finish(_ track: MediaStreamTrack) {
        switch track {
        case let t as RemoteEncodedTrack: t.finish()
        case let t as RemoteAudioTrack: t.finish()
        case let t as RemoteVideoTrack: t.finish()
        default: track.stop()
        }
    }
}
