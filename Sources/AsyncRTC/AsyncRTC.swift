// AsyncRTC: the public API, aiortc's objects in Swift idiom (API.md).
@_exported public import RTCWire
