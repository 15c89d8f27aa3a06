/// Thrown by `recv()` and `nextTimestamp()` once a track has ended, as aiortc raises `MediaStreamError`.
public struct MediaStreamError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String = "the track has ended") {
        self.reason = reason
    }

    public var description: String { "MediaStreamError: \(reason)" }
}
