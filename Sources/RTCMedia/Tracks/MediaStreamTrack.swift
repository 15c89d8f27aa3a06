import RTCTransport

/// A source of media frames, aiortc's `MediaStreamTrack`: an id, a kind, a ready state that goes from live to ended
/// once, and an `onEnded` callback. Subclass ``AudioStreamTrack`` or ``VideoStreamTrack`` and override `recv()`.
///
/// `@unchecked Sendable`: the only mutable state of this class (ready state and callback) lives inside a `Locked`,
/// `id` and `kind` are immutable. Subclasses that add mutable state must protect it themselves, as the ones in this
/// module do.
open class MediaStreamTrack: @unchecked Sendable {
    /// A random UUID (version 4), lowercase, as aiortc's `str(uuid.uuid4())`.
    public let id: String
    public let kind: MediaKind

    private struct State {
        var readyState: MediaStreamTrackState = .live
        var onEnded: (@Sendable () -> Void)?
    }

    private let state = Locked(State())

    public init(kind: MediaKind, id: String? = nil) {
        self.kind = kind
        self.id = id ?? Self.makeUUID()
    }

    /// `.live` until `stop()` (or the end of a remote track's stream).
    public var readyState: MediaStreamTrackState {
        state.withLock { $0.readyState }
    }

    /// Called once when the track ends (from the thread that ends it).
    public var onEnded: (@Sendable () -> Void)? {
        get { state.withLock { $0.onEnded } }
        set { state.withLock { $0.onEnded = newValue } }
    }

    /// Ends the track: `readyState` becomes `.ended`, `onEnded` runs (once), later `recv()` calls throw
    /// ``MediaStreamError``. Stopping an ended track does nothing. Overrides must call `super.stop()`.
    open func stop() {
        let callback: (@Sendable () -> Void)? = state.withLock { state in
            guard state.readyState == .live else { return nil }
            state.readyState = .ended
            defer { state.onEnded = nil }
            return state.onEnded
        }
        callback?()
    }

    /// Throws ``MediaStreamError`` unless the track is live.
    public func checkLive() throws {
        if readyState != .live { throw MediaStreamError() }
    }

    /// A version-4 UUID string (RFC 9562 §5.4) from the system's random generator.
    static func makeUUID() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append("-") }
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0F)])
        }
        return text
    }
}
