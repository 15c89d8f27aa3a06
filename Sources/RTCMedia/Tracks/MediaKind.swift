/// What a track carries: aiortc's `kind` strings `"audio"` and `"video"`.
public enum MediaKind: String, Sendable, Hashable, CaseIterable {
    case audio
    case video
}
