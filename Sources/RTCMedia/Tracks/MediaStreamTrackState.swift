/// A track's `readyState` (W3C Media Capture and Streams §4.3.1): live until stopped or its source ends.
public enum MediaStreamTrackState: String, Sendable, Hashable {
    case live
    case ended
}
