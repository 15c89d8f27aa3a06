// AsyncRTC: the public API, aiortc's objects in Swift idiom (API.md).
@_exported public import RTCWire
// Tracks, frames and codecs (MediaStreamTrack, AudioStreamTrack, VideoFrame, ...) are part of the public API.
@_exported public import RTCMedia
